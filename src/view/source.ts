/**
 * What the viewer shows: a build folder (manifest.json, the shards of each split, lengths.jsonl and dropped.jsonl,
 * indexed lazily) or parquet files made by others (each file a "split" of its own, no token records). Rows are
 * addressed as (split, n): the n-th row of the split across its shards, which is the n-th lengths.jsonl record
 * of that split (both are written in input order).
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { GadError } from '../core/errors.js';
import type { Manifest } from '../core/types.js';
import { JsonlIndex } from './jsonl-index.js';
import { ParquetFile } from './parquet-file.js';
import { insideRoot } from './safe-path.js';
import { errorMessage } from '../core/guards.js';

export interface ViewSplit {
  name: string;
  rows: number;
  /** The split's files in order with their first row. */
  files: Array<{ file: ParquetFile; start: number; rows: number }>;
  /** First line of this split in lengths.jsonl (builds). */
  lengthsStart: number;
}

export interface ViewColumns {
  prompt: string;
  images: string;
  teacher: string | null;
  student: string | null;
  id: string | null;
}

export interface ViewSource {
  kind: 'build' | 'files';
  /** The folder (build) or the files, as shown. */
  title: string;
  /** The build folder (real path); null for files. */
  root: string | null;
  manifest: Manifest | null;
  splits: ViewSplit[];
  lengths: JsonlIndex | null;
  dropped: JsonlIndex | null;
  target: 'verl' | 'easyr1';
  columns: ViewColumns;
  maxPromptLength: number | null;
}

const TOKENS = ['text_tokens', 'image_tokens', 'prompt_tokens', 'response_tokens'];

function changedImage(rec: Record<string, unknown>): boolean {
  const w: unknown = rec.written;
  const r: unknown = rec.resized;
  return Array.isArray(w) && Array.isArray(r) && w.some((s, i) => s[0] !== r[i]?.[0] || s[1] !== r[i]?.[1]);
}

function readManifest(dir: string): Manifest {
  const p = join(dir, 'manifest.json');
  if (!existsSync(p))
    throw new GadError(`${dir} is not a gad-data build folder (no manifest.json)`, {
      hint: 'give the --out folder of a build, or parquet files: gad-data view FILE.parquet...',
      exitCode: 2,
    });
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(p, 'utf8')) as Manifest;
  } catch (e) {
    throw new GadError(`${p} is not valid JSON: ${errorMessage(e)}`, {
      hint: 'rebuild the folder',
      exitCode: 2,
    });
  }
  if (!Array.isArray(m.shards)) throw new GadError(`${p} lists no shards`, { hint: 'rebuild the folder', exitCode: 2 });
  return m;
}

/** A build folder: its manifest, its shards by split, and the two jsonl files indexed in the background. */
export function openBuild(dir: string): ViewSource {
  const root = realpathSync(resolve(dir));
  const manifest = readManifest(root);
  const splits: ViewSplit[] = [];
  let line = 0;
  for (const sh of manifest.shards) {
    const path = insideRoot(root, sh.file);
    if (!path)
      throw new GadError(`manifest.json lists the shard ${sh.file}, which is outside ${dir}`, {
        hint: 'the manifest was edited or the file is a symlink out of the folder; rebuild it',
        exitCode: 2,
      });
    let s = splits.find((x) => x.name === sh.split);
    if (!s) {
      s = { name: sh.split, rows: 0, files: [], lengthsStart: line };
      splits.push(s);
    }
    s.files.push({ file: new ParquetFile(path, sh.file), start: s.rows, rows: sh.rows });
    s.rows += sh.rows;
    line += sh.rows;
  }
  const cols = manifest.columns;
  const target = manifest.target === 'easyr1' ? 'easyr1' : 'verl';
  return {
    kind: 'build',
    title: dir,
    root,
    manifest,
    splits,
    lengths: new JsonlIndex(join(root, 'lengths.jsonl'), {
      numbers: TOKENS,
      categories: ['split'],
      flag: changedImage,
    }),
    dropped: new JsonlIndex(join(root, 'dropped.jsonl'), { numbers: TOKENS, categories: ['split', 'reason'] }),
    target,
    columns: {
      prompt: cols?.prompt ?? (target === 'verl' ? 'prompt' : 'problem'),
      images: cols?.images ?? 'images',
      teacher: cols?.teacher ?? null,
      student: null,
      id: cols?.passthrough?.some((p) => p.name === 'id') ? 'id' : null,
    },
    maxPromptLength: manifest.limits?.maxPromptLength ?? null,
  };
}

/** Parquet files made by others: each file a split named after it; columns found by name. */
export async function openFiles(
  files: string[],
  opts: { promptKey?: string; imageKey?: string; maxPromptLength?: number } = {},
): Promise<ViewSource> {
  const splits: ViewSplit[] = [];
  let names: string[] = [];
  for (const f of files) {
    if (!existsSync(f) || !statSync(f).isFile())
      throw new GadError(`parquet file not found: ${f}`, { hint: 'give a build folder or parquet files', exitCode: 2 });
    const pf = new ParquetFile(resolve(f), f);
    const rows = await pf.rows();
    let name = basename(f);
    for (let i = 2; splits.some((s) => s.name === name); i++) name = `${basename(f)} (${i})`;
    splits.push({ name, rows, files: [{ file: pf, start: 0, rows }], lengthsStart: 0 });
    if (!names.length) names = await pf.columns();
  }
  const has = (c: string) => names.includes(c);
  const prompt = opts.promptKey ?? (has('prompt') ? 'prompt' : 'problem');
  return {
    kind: 'files',
    title: files.join(' '),
    root: null,
    manifest: null,
    splits,
    lengths: null,
    dropped: null,
    target: prompt === 'prompt' ? 'verl' : 'easyr1',
    columns: {
      prompt,
      images: opts.imageKey ?? 'images',
      teacher: has('teacher_response') ? 'teacher_response' : null,
      student: has('student_response') ? 'student_response' : null,
      id: has('id') ? 'id' : null,
    },
    maxPromptLength: opts.maxPromptLength ?? null,
  };
}

export function splitOf(src: ViewSource, name: string): ViewSplit {
  const s = src.splits.find((x) => x.name === name);
  if (!s) throw new GadError(`no split ${name}`, { exitCode: 2 });
  return s;
}

/** Row n of a split: its cells (`columns` only; `big` when the image column is among them). */
export async function readRow(
  split: ViewSplit,
  n: number,
  columns: string[] | undefined,
  big = false,
): Promise<Record<string, unknown>> {
  const f = split.files.findLast((x) => x.start <= n);
  if (!f || n < 0 || n >= split.rows) throw new GadError(`split ${split.name} has no row ${n}`, { exitCode: 2 });
  return f.file.row(n - f.start, columns, big);
}

/** The lengths.jsonl record of row n of a split (builds), checked to belong to that split. */
export async function lengthRecord(src: ViewSource, split: ViewSplit, n: number): Promise<Record<string, unknown>> {
  const idx = src.lengths;
  if (!idx) throw new GadError('no lengths.jsonl', { exitCode: 2 });
  const line = split.lengthsStart + n;
  await idx.reach(line + 1);
  if (idx.error) throw idx.error;
  if (line >= idx.count)
    throw new GadError(`lengths.jsonl has ${idx.count} lines, fewer than the manifest's shards hold`, {
      hint: 'the folder was changed after the build; rebuild it',
      exitCode: 2,
    });
  const rec = await idx.read(line);
  if (rec.split !== split.name)
    throw new GadError(`lengths.jsonl line ${line + 1} is of split ${String(rec.split)}, not ${split.name}`, {
      hint: 'the folder was changed after the build; rebuild it',
      exitCode: 2,
    });
  return rec;
}
