/**
 * What a build writes per output split besides its shards: lengths.jsonl and dropped.jsonl (written per split,
 * concatenated in split order at the end), the report's lengths and drops, the teacher-ending counts and the
 * data sources of kept rows. `book` records one row's outcome there, new or replayed alike.
 */
import { createReadStream } from 'node:fs';
import { FileWriter } from '../core/file-writer.js';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProgressSink } from '../core/progress.js';
import type { PassthroughColumn, ShardInfo, StudentSideFile } from '../core/types.js';
import type { ResolvedConfig } from '../config/config.js';
import { ShardWriter } from '../output/shards.js';
import { VERL_IMAGE_COLUMN, planPassthrough, type SchemaOptions } from '../output/parquet-schema.js';
import { type OpenedOutput } from '../output/out-dir.js';
import type { DropReason } from '../core/types.js';
import type { DropRecord } from '../rules/filter-chain.js';
import type { ReportBuilder } from '../report/report-builder.js';
import type { RowNote } from './build-journal.js';
import type { Row } from './runner.js';
import { openStudentSide } from './student-side-file.js';

/** One JSON object a line. */
class JsonlOut {
  private readonly w: FileWriter;
  constructor(path: string) {
    this.w = new FileWriter(path);
  }
  write(obj: unknown): Promise<void> {
    return this.w.write(`${JSON.stringify(obj)}\n`);
  }
  close(): Promise<void> {
    return this.w.close();
  }
}

async function concatFiles(parts: string[], dest: string) {
  const w = new FileWriter(dest);
  for (const p of parts) {
    for await (const chunk of createReadStream(p)) await w.write(chunk as Buffer);
    await rm(p);
  }
  await w.close();
}

interface SplitOut {
  lengths: JsonlOut;
  dropped: JsonlOut;
  originals: JsonlOut;
}

export interface BuildOutputs {
  /** The shard writer of each output split, in split order. */
  writers: Map<string, ShardWriter<RowNote>>;
  /** Per output split, the journaled notes a resumed build replays. */
  journal: Map<string, RowNote[]>;
  /** Teacher responses written (kept rows only), and how many end with <|im_end|>. */
  teacher: { total: number; endingWithImEnd: number };
  /** data_source of the kept rows. */
  dataSources: Set<string>;
  /** Per split, the first row dropped for each reason (for the split check's message). */
  firstDrops: Map<string, Map<DropReason, DropRecord>>;
  /** Record one row's outcome (new or replayed): lengths or drops, the report, the teacher counts. */
  book(row: Row<RowNote> & { note: RowNote }): Promise<void>;
  /** Finish the shards and the jsonl files; the shards of every split, in split order. */
  close(progress: ProgressSink): Promise<ShardInfo[]>;
  /** After `close`: the student answers the input rows carried, written beside the shards (null: none). */
  student(): StudentSideFile | null;
}

export function openOutputs(p: {
  splits: string[];
  session: OpenedOutput<RowNote>;
  schema: SchemaOptions;
  shardSize: number;
  report: ReportBuilder;
  progress: ProgressSink;
  /** The input column of student answers (null: the input format reads none). */
  studentColumn: string | null;
}): BuildOutputs {
  const { session } = p;
  const writers = new Map<string, ShardWriter<RowNote>>();
  const journal = new Map<string, RowNote[]>();
  const files = new Map<string, SplitOut>();
  for (const split of p.splits) {
    const dir = join(session.workDir, 'data');
    writers.set(split, new ShardWriter<RowNote>({ ...p.schema, dir, split, shardSize: p.shardSize, session }));
    files.set(split, {
      lengths: new JsonlOut(join(session.workDir, `.lengths.${split}.jsonl`)),
      dropped: new JsonlOut(join(session.workDir, `.dropped.${split}.jsonl`)),
      originals: new JsonlOut(join(session.workDir, `.originals.${split}.jsonl`)),
    });
    journal.set(split, session.resumed?.splits[split]?.records ?? []);
  }
  if (session.resumed) {
    const n = [...journal.values()].reduce((a, notes) => a + notes.length, 0);
    p.progress.log(`resuming: ${n} row(s) in finished shards are reused`);
  }
  const teacher = { total: 0, endingWithImEnd: 0 };
  const dataSources = new Set<string>();
  const firstDrops = new Map<string, Map<DropReason, DropRecord>>();
  let originals = 0;
  const studentSide = openStudentSide({ workDir: session.workDir, splits: p.splits, column: p.studentColumn });
  let student: StudentSideFile | null = null;
  return {
    writers,
    journal,
    teacher,
    dataSources,
    firstDrops,
    async book({ sample, note }) {
      const o = files.get(sample.split)!;
      // Over the rows written (what the teacher_response column holds and validate counts), not dropped ones.
      if (note.te !== null && !note.drop) {
        teacher.total++;
        if (note.te) teacher.endingWithImEnd++;
      }
      if (note.drop) {
        p.report.addMeasured(note.drop); // counted once, in the tally, by the filter chain
        await o.dropped.write(note.drop);
        const first = firstDrops.get(sample.split) ?? firstDrops.set(sample.split, new Map()).get(sample.split)!;
        if (!first.has(note.drop.reason)) first.set(note.drop.reason, note.drop);
      } else if (note.len) {
        dataSources.add(sample.dataSource);
        p.report.add(note.len);
        await o.lengths.write(note.len);
        if (note.orig) {
          originals++;
          await o.originals.write(note.orig);
        }
      }
      await studentSide.book(sample, note);
    },
    student: () => student,
    async close(progress) {
      progress.start('write', writers.size, 'splits');
      const shards: ShardInfo[] = [];
      for (const w of writers.values()) {
        shards.push(...(await w.close()));
        progress.tick('write');
      }
      // lengths.jsonl / dropped.jsonl (originals.jsonl when an image was changed): split by split, in input order.
      for (const kind of ['lengths', 'dropped', 'originals'] as const) {
        const parts: string[] = [];
        for (const [split, o] of files) {
          await o[kind].close();
          parts.push(join(session.workDir, `.${kind}.${split}.jsonl`));
        }
        if (kind === 'originals' && !originals) await Promise.all(parts.map((f) => rm(f)));
        else await concatFiles(parts, join(session.workDir, `${kind}.jsonl`));
      }
      student = await studentSide.close();
      progress.end('write');
      return shards;
    },
  };
}

/**
 * The output's columns: verl writes every other input column and extra_info field unchanged (passthrough), its
 * image column always `images`, verl's default data.image_key (EasyR1 reads the configured image_key, which it
 * keeps). Warns about each input column that cannot be passed through. `gad`: the build's (BuildSettings.gad).
 */
export function outputSchema(
  cfg: ResolvedConfig,
  gad: boolean,
  columns: readonly PassthroughColumn[],
  warn: (message: string) => void,
): SchemaOptions & { kind: 'gad' | 'grpo'; promptKey: string; imageKey: string } {
  const kind = (gad ? 'gad' : 'grpo') as 'gad' | 'grpo';
  const promptKey = cfg.target === 'verl' ? 'prompt' : cfg.data.prompt_key;
  const passthrough = cfg.target === 'verl' ? planPassthrough(columns, { kind, promptKey }) : { keep: [], left: [] };
  for (const l of passthrough.left) warn(`input column '${l.name}' is NOT passed through: ${l.why}`);
  return {
    target: cfg.target,
    kind,
    promptKey,
    answerKey: cfg.data.answer_key,
    imageKey: cfg.target === 'verl' ? VERL_IMAGE_COLUMN : cfg.data.image_key,
    ...(passthrough.keep.length ? { passthrough: passthrough.keep } : {}),
  };
}
