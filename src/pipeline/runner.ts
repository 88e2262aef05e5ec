/**
 * The runner of a build: a list of steps, each with one `run(row)`, applied to every input row of every input
 * split in order (in the manner of datatrove's pipeline steps). The runner owns what the steps share: the order of
 * the steps and of the rows, the bounded concurrency window (the one `concurrent` step — formatting — runs on up to
 * `window` rows at once, and its results come out in input order, so the shards are byte-identical whatever the
 * timing), the progress ticks, the booking of each row's outcome, and the replay of a resumed build.
 *
 * Replay: rows covered by finished shards of an interrupted build are not processed again. The steps that
 * `shape` a row (its split, id, source, which build takes it) run first on every row; then, while the journal of
 * the row's split has notes left, the row takes the next one: each step restores what it remembers of the row
 * (`replay`, e.g. the dedupe keys of kept rows) and the row is booked as it was, so the state evolves exactly as in
 * an uninterrupted build. Every other row runs through the remaining steps, which must leave it a `note` (its
 * outcome) to book.
 */
import type { ProgressSink } from '../core/progress.js';
import { mapOrdered } from '../core/stream.js';
import type { Sample } from '../core/types.js';

/** One input row on its way through the steps; `note` is its outcome (as journaled), set by the steps. */
export interface Row<N> {
  sample: Sample;
  /** Index of the input split being read. */
  loop: number;
  note?: N;
}

export interface Step<N> {
  readonly name: string;
  /** Shapes the row (split, id, source, which build takes it): runs on every row, replayed ones included. */
  readonly shapes?: boolean;
  /** Runs on up to the runner's window of rows at once (one step at most); results still come out in input order. */
  readonly concurrent?: boolean;
  /** One row: the row to pass on (a dropped row is passed on, marked), or null when it leaves the build here. */
  run(row: Row<N>): Row<N> | null | Promise<Row<N> | null>;
  /** A row replayed from the journal passed this step: restore what the step remembers of rows, without running. */
  replay?(row: Row<N> & { note: N }): void;
}

export interface RunParams<N> {
  /** The input splits, in order, with their row counts when known (for progress). */
  inputs: Array<{ split: string; rows: number | null }>;
  /** The rows of an input split (ingest), in input order. */
  source(split: string): AsyncIterable<Sample>;
  steps: Array<Step<N>>;
  /** How many rows the concurrent step may hold at once. */
  window: number;
  /** Per output split, the journaled notes of the rows a resumed build reuses, in input order. */
  journal: Map<string, N[]>;
  /** Record a row's outcome (its files, the report); called in input order per split, replayed rows included. */
  book(row: Row<N> & { note: N }, replayed: boolean): Promise<void>;
  progress: ProgressSink;
}

/** The first concurrent step splits the list: before it, rows run as they are pulled; after it, in input order. */
function phases<N>(steps: Array<Step<N>>) {
  const shaping = steps.findIndex((s) => !s.shapes);
  const shape = shaping < 0 ? steps : steps.slice(0, shaping);
  const rest = shaping < 0 ? [] : steps.slice(shaping);
  if (rest.some((s) => s.shapes)) throw new Error('runner: the steps that shape a row must come first');
  const at = rest.findIndex((s) => s.concurrent);
  if (rest.filter((s) => s.concurrent).length > 1) throw new Error('runner: at most one concurrent step');
  return at < 0
    ? { shape, before: rest, concurrent: null, after: [] }
    : { shape, before: rest.slice(0, at), concurrent: rest[at]!, after: rest.slice(at + 1) };
}

/** Run `row` through `steps` in order; null as soon as one removes it. */
async function runAll<N>(steps: Array<Step<N>>, row: Row<N> | null): Promise<Row<N> | null> {
  for (const step of steps) {
    if (!row) return null;
    const r = step.run(row);
    row = r instanceof Promise ? await r : r;
  }
  return row;
}

export async function runSteps<N>(p: RunParams<N>): Promise<void> {
  const { shape, before, concurrent, after } = phases(p.steps);
  const replayed = new Map<string, number>();
  /** The next journaled note of `split`, or undefined once the journal of that split is used up. */
  const nextNote = (split: string): N | undefined => {
    const notes = p.journal.get(split);
    const i = replayed.get(split) ?? 0;
    if (!notes || i >= notes.length) return undefined;
    replayed.set(split, i + 1);
    return notes[i];
  };
  for (const [loop, { split, rows }] of p.inputs.entries()) {
    p.progress.start('images', rows, 'rows');
    async function* pulled(): AsyncGenerator<Row<N> | null> {
      for await (const sample of p.source(split)) {
        const row = await runAll(shape, { sample, loop });
        if (!row) continue;
        const note = nextNote(row.sample.split);
        if (note !== undefined) {
          const done = { ...row, note };
          for (const step of p.steps) step.replay?.(done);
          await p.book(done, true);
          p.progress.tick('images');
          continue;
        }
        yield await runAll(before, row);
      }
    }
    const stream = concurrent
      ? mapOrdered(pulled(), p.window, async (r): Promise<Row<N> | null> => (r ? concurrent.run(r) : null))
      : pulled();
    for await (const r of stream) {
      const row = await runAll(after, r);
      if (!row) continue;
      if (row.note === undefined) throw new Error(`runner: row ${row.sample.id} left the steps without an outcome`);
      await p.book(row as Row<N> & { note: N }, false);
      p.progress.tick('images');
    }
    p.progress.end('images');
  }
}
