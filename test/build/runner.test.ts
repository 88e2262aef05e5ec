import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentProgress } from '../../src/core/progress.js';
import { Tally } from '../../src/core/tally.js';
import type { DropReason, Sample } from '../../src/core/types.js';
import { runSteps, type Row, type Step } from '../../src/pipeline/runner.js';
import { FilterChain } from '../../src/rules/filter-chain.js';

/** The outcome a test row ends with (as a journal note). */
interface Note {
  id: string;
  reason: DropReason | null;
}

function sample(split: string, index: number): Sample {
  return { id: `${split}#${index}`, split, source: 'src', index, images: [] } as unknown as Sample;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A chain that drops every third row as `duplicate` and every fifth (not third) as `leak`, counting in `tally`. */
function chainOf(tally: Tally): FilterChain {
  return new FilterChain(
    [
      {
        name: 'every-third',
        check: (s) => (s.index % 3 === 0 ? { reason: 'duplicate', detail: 'third' } : undefined),
      },
      { name: 'every-fifth', check: (s) => (s.index % 5 === 0 ? { reason: 'leak', detail: 'fifth' } : undefined) },
    ],
    tally,
  );
}

/** normalize-like (shapes: odd rows of 'train' move to 'test'), a slow concurrent step, then the chain. */
function pipeline(chain: FilterChain, log: { ran: string[]; inFlight: number; maxInFlight: number }) {
  const shape: Step<Note> = {
    name: 'shape',
    shapes: true,
    run(row) {
      log.ran.push(`shape ${row.sample.id}`);
      if (row.sample.index % 2 === 1) row.sample.split = 'test';
      return row;
    },
  };
  const slow: Step<Note> = {
    name: 'slow',
    concurrent: true,
    async run(row) {
      log.inFlight++;
      log.maxInFlight = Math.max(log.maxInFlight, log.inFlight);
      // later rows finish first: only the runner's ordering keeps the input order
      await sleep(((7 * row.sample.index) % 5) * 3);
      log.inFlight--;
      log.ran.push(`slow ${row.sample.id}`);
      return row;
    },
  };
  const filter: Step<Note> = {
    name: 'filter',
    run(row) {
      const drop = chain.apply(row.sample);
      return { ...row, note: { id: row.sample.id, reason: drop?.reason ?? null } };
    },
    replay(row) {
      chain.replay(row.sample.split, { reason: row.note.reason });
    },
  };
  return [shape, slow, filter];
}

async function run(rows: number, journal: Map<string, Note[]>, window = 4) {
  const tally = new Tally();
  const log = { ran: [] as string[], inFlight: 0, maxInFlight: 0 };
  const booked: Array<{ id: string; split: string; reason: DropReason | null; replayed: boolean }> = [];
  await runSteps<Note>({
    inputs: [{ split: 'train', rows }],
    source: async function* () {
      for (let i = 0; i < rows; i++) yield sample('train', i);
    },
    steps: pipeline(chainOf(tally), log),
    window,
    journal,
    book: async (row: Row<Note> & { note: Note }, replayed) => {
      await sleep(0);
      booked.push({ id: row.sample.id, split: row.sample.split, reason: row.note.reason, replayed });
    },
    progress: silentProgress,
  });
  return { tally, log, booked };
}

test('runner: rows are booked in input order under concurrency, with at most `window` rows in the concurrent step', async () => {
  const { booked, log } = await run(40, new Map(), 4);
  assert.deepEqual(
    booked.map((b) => b.id),
    Array.from({ length: 40 }, (_, i) => `train#${i}`),
  );
  assert.ok(log.maxInFlight > 1, `the concurrent step ran one row at a time (${log.maxInFlight})`);
  assert.ok(log.maxInFlight <= 4, `more than the window in flight (${log.maxInFlight})`);
  // the concurrent step finished rows out of order: the order above is the runner's doing
  const slowOrder = log.ran.filter((r) => r.startsWith('slow ')).map((r) => Number(r.split('#')[1]));
  assert.notDeepEqual(
    slowOrder,
    [...slowOrder].sort((a, b) => a - b),
  );
});

test('runner: the tally counts each drop once per split and reason; the manifest form derives from it', async () => {
  const { tally, booked } = await run(30, new Map());
  assert.equal(booked.length, 30);
  // train: even rows 0..28; test: odd rows 1..29
  const expect = (parity: number) => {
    const rows = Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 2 === parity);
    const duplicate = rows.filter((i) => i % 3 === 0).length;
    const leak = rows.filter((i) => i % 3 !== 0 && i % 5 === 0).length;
    return { rowsIn: rows.length, rowsOut: rows.length - duplicate - leak, dropped: { duplicate, leak } };
  };
  assert.deepEqual(tally.summary('train'), expect(0));
  assert.deepEqual(tally.summary('test'), expect(1));
  assert.equal(tally.drops('train').duplicate, 5);
  assert.equal(tally.drops('train').empty_prompt, 0);
  // the same counts as the booked rows
  const bookedDrops = booked.filter((b) => b.split === 'train' && b.reason === 'duplicate').length;
  assert.equal(bookedDrops, tally.drops('train').duplicate);
});

test('runner: a resumed build replays journaled rows (shaping steps only, then their notes) and processes the rest', async () => {
  const full = await run(20, new Map());
  // The journal of an interrupted build: the first 4 train rows and the first 3 test rows (by output split).
  const notes = (split: string, n: number) =>
    full.booked
      .filter((b) => b.split === split)
      .slice(0, n)
      .map(({ id, reason }) => ({ id, reason }));
  const journal = new Map([
    ['train', notes('train', 4)],
    ['test', notes('test', 3)],
  ]);
  const resumed = await run(20, journal);
  // byte-identical bookkeeping: same rows, same outcomes, same order, same counts
  assert.deepEqual(
    resumed.booked.map(({ id, reason }) => ({ id, reason })),
    full.booked.map(({ id, reason }) => ({ id, reason })),
  );
  assert.deepEqual(resumed.tally.summary('train'), full.tally.summary('train'));
  assert.deepEqual(resumed.tally.summary('test'), full.tally.summary('test'));
  const replayed = resumed.booked.filter((b) => b.replayed).map((b) => b.id);
  assert.deepEqual(replayed, [...journal.get('train')!, ...journal.get('test')!].map((n) => n.id).sort(byIndex));
  // replayed rows were shaped (their split decided) but never reached the other steps
  for (const id of replayed) {
    assert.ok(resumed.log.ran.includes(`shape ${id}`), `${id} not shaped`);
    assert.ok(!resumed.log.ran.includes(`slow ${id}`), `${id} processed although replayed`);
  }
  assert.equal(resumed.log.ran.filter((r) => r.startsWith('slow ')).length, 20 - replayed.length);
});

test('runner: a row a shaping step removes (another part) is neither processed, replayed nor booked', async () => {
  const booked: string[] = [];
  const ran: string[] = [];
  await runSteps<Note>({
    inputs: [{ split: 'train', rows: 6 }],
    source: async function* () {
      for (let i = 0; i < 6; i++) yield sample('train', i);
    },
    steps: [
      { name: 'partition', shapes: true, run: (row) => (row.sample.index % 2 ? null : row) },
      {
        name: 'mark',
        concurrent: true,
        run: async (row) => (ran.push(row.sample.id), { ...row, note: { id: row.sample.id, reason: null } }),
      },
    ],
    window: 2,
    journal: new Map([['train', [{ id: 'train#0', reason: null }]]]),
    book: async (row) => void booked.push(row.sample.id),
    progress: silentProgress,
  });
  assert.deepEqual(booked, ['train#0', 'train#2', 'train#4']);
  assert.deepEqual(ran, ['train#2', 'train#4']);
});

function byIndex(a: string, b: string): number {
  return Number(a.split('#')[1]) - Number(b.split('#')[1]);
}
