/**
 * The shard journal of a work folder (`.journal.jsonl`): line 1 {settingsHash}, then the notes its writer's caller
 * attached to the rows, one line each as they come (`{"note": split, "n": note}`, buffered: `JournalNotes`), and
 * one line per finished shard, written after the notes of the rows it covers are on disk; a shard line says how
 * many notes of its split come up to its end (`notesEnd`). So the notes are not held in memory until their shard
 * is finished (a 500 MB shard can cover 100k rows). A resumed build reads it back and keeps, per split, the
 * finished shards whose files still match it, each with its notes.
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { sha256File } from '../core/hash.js';

/** One finished shard in the journal. */
export interface JournalShard<N = unknown> {
  split: string;
  /** 0-based shard number within the split. */
  index: number;
  rows: number;
  bytes: number;
  sha256: string;
  /** The finished file, relative to the work dir (`.shards/<split>-<index>.parquet`). */
  tmpFile: string;
  /**
   * Input rows of the split this shard accounts for, in arrival order: the rows written into it plus
   * the rows reported dropped (ShardWriter.skip) since the previous shard was closed.
   */
  inputRows: number;
  /**
   * The notes the caller attached (ShardWriter.write/skip `note`), in arrival order. Filled for a resumed build;
   * a writer journals them as note lines instead (`notesEnd`) and leaves this empty.
   */
  records: N[];
  /** Notes of the split on the journal's note lines up to this shard's end (absent: they are in `records`). */
  notesEnd?: number;
}

/**
 * What a resumed build may reuse. For each split: the finished shards (in order), and `inputRows`,
 * how many input rows of that split (in the order they were fed to the writer, kept and dropped
 * alike) those shards account for. The caller skips exactly that many input rows of the split,
 * restores their per-row bookkeeping (lengths, drops) from the shards' `records`, and feeds the rest
 * to a ShardWriter opened with `session` (which continues the shard numbering). Because shards are
 * cut deterministically from the start of each shard, the result is byte-identical to an
 * uninterrupted build.
 */
export interface ResumeState<N = unknown> {
  settingsHash: string;
  splits: Record<string, { shards: Array<JournalShard<N>>; rows: number; inputRows: number; records: N[] }>;
}

export const JOURNAL = '.journal.jsonl';
export const SHARDS_TMP = '.shards';

export async function readJournal<N>(
  path: string,
): Promise<{ settingsHash: string; shards: Array<JournalShard<N>> } | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return null;
  let head: { settingsHash?: unknown };
  try {
    head = JSON.parse(lines[0]!) as { settingsHash?: unknown };
  } catch {
    return null;
  }
  if (typeof head.settingsHash !== 'string') return null;
  const shards: Array<JournalShard<N>> = [];
  const notes = new Map<string, N[]>();
  for (const l of lines.slice(1)) {
    let v: JournalShard<N> | { note: string; n: N };
    try {
      v = JSON.parse(l) as typeof v;
    } catch {
      break; // a torn last line: the shard or note it described is not trusted
    }
    if ('note' in v) {
      const list = notes.get(v.note);
      if (list) list.push(v.n);
      else notes.set(v.note, [v.n]);
    } else shards.push(v);
  }
  // A shard's notes: its split's note lines from the previous shard's end to its own (a shard journaled again, with
  // the trailing dropped rows of its split, ends later: the last line wins, as in verifiedShards).
  const ends = new Map<string, number>();
  for (const s of shards) ends.set(`${s.split}\u0000${s.index}`, s.notesEnd ?? -1);
  for (const s of shards) {
    if (s.notesEnd === undefined) continue;
    const before = s.index > 0 ? (ends.get(`${s.split}\u0000${s.index - 1}`) ?? -1) : 0;
    const from = before < 0 ? 0 : before;
    const list = notes.get(s.split) ?? [];
    // notes the journal does not have (cut short): the shard is not trusted
    if (s.notesEnd > list.length)
      return { settingsHash: head.settingsHash, shards: shards.slice(0, shards.indexOf(s)) };
    s.records = list.slice(from, s.notesEnd);
  }
  return { settingsHash: head.settingsHash, shards };
}

/** Keep, per split, the longest prefix of shards 0,1,2... whose files still match the journal. */
async function verifiedShards<N>(workDir: string, shards: Array<JournalShard<N>>): Promise<Array<JournalShard<N>>> {
  // A shard may be journaled twice (its bookkeeping grows when trailing dropped rows are added): the last line wins.
  const latest = new Map<string, JournalShard<N>>();
  for (const s of shards) latest.set(`${s.split}\u0000${s.index}`, s);
  const bySplit = new Map<string, Array<JournalShard<N>>>();
  for (const s of latest.values()) {
    const l = bySplit.get(s.split) ?? [];
    l.push(s);
    bySplit.set(s.split, l);
  }
  const kept: Array<JournalShard<N>> = [];
  for (const list of bySplit.values()) {
    list.sort((a, b) => a.index - b.index);
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (s.index !== i) break;
      const p = join(workDir, s.tmpFile);
      try {
        // Killed after close() gave the shards their final names (data/<split>-NNNNN-of-MMMMM.parquet) but before
        // the commit: put the shard back where the journal says, then check it like any other.
        if (!existsSync(p)) await renameFinalBack(workDir, s, p);
        const st = await stat(p);
        if (st.size !== s.bytes || (await sha256File(p)) !== s.sha256) break;
      } catch {
        break;
      }
      kept.push(s);
    }
  }
  return kept;
}

async function renameFinalBack(workDir: string, s: JournalShard<unknown>, tmpPath: string): Promise<void> {
  const prefix = `${s.split}-${String(s.index).padStart(5, '0')}-of-`;
  const data = join(workDir, 'data');
  const found = existsSync(data)
    ? (await readdir(data)).filter((f) => f.startsWith(prefix) && f.endsWith('.parquet'))
    : [];
  if (found.length === 1) await rename(join(data, found[0]!), tmpPath);
}

/** Append a finished shard to the journal (fsynced). */
export function appendJournal(path: string, entry: JournalShard<unknown>): void {
  const fd = openSync(path, 'a');
  try {
    writeSync(fd, JSON.stringify(entry) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The resumable part of a work folder whose journal has the same settings hash: its verified finished shards, per
 * split. Everything else in the work folder is deleted and the journal is rewritten to list only those shards.
 */
export async function resumeWork<N>(
  work: string,
  journal: { settingsHash: string; shards: Array<JournalShard<N>> },
): Promise<ResumeState<N>> {
  const kept = await verifiedShards(work, journal.shards);
  const resumed: ResumeState<N> = { settingsHash: journal.settingsHash, splits: {} };
  for (const s of kept) {
    const e = (resumed.splits[s.split] ??= { shards: [], rows: 0, inputRows: 0, records: [] });
    e.shards.push(s);
    e.rows += s.rows;
    e.inputRows += s.inputRows;
    e.records.push(...s.records);
  }
  // Drop everything that is not a verified finished shard.
  const keep = new Set(kept.map((s) => basename(s.tmpFile)));
  const tmp = join(work, SHARDS_TMP);
  for (const f of existsSync(tmp) ? await readdir(tmp) : []) if (!keep.has(f)) await rm(join(tmp, f), { force: true });
  for (const f of await readdir(work)) if (f !== SHARDS_TMP) await rm(join(work, f), { recursive: true, force: true });
  // The journal again, of the kept shards only: their notes as note lines, each shard's line after its notes.
  const lines = [JSON.stringify({ settingsHash: journal.settingsHash })];
  const counts = new Map<string, number>();
  for (const s of kept) {
    for (const n of s.records) lines.push(noteLine(s.split, n));
    const notesEnd = (counts.get(s.split) ?? 0) + s.records.length;
    counts.set(s.split, notesEnd);
    lines.push(JSON.stringify({ ...s, records: [], notesEnd }));
  }
  await writeFile(join(work, JOURNAL), lines.join('\n') + '\n');
  return resumed;
}

function noteLine(split: string, note: unknown): string {
  return JSON.stringify({ note: split, n: note });
}

/**
 * The note lines of a journal, appended as the rows come (buffered, written in pieces of about 256 KB, and all of
 * them by `write` before a shard line is appended and fsynced: `recordShard` of the output session). `count` is how many notes
 * of a split the journal holds, a shard's `notesEnd`.
 */
export class JournalNotes {
  private pending: string[] = [];
  private pendingChars = 0;
  private readonly counts = new Map<string, number>();

  /** `start`: the notes per split the journal already holds (a resumed build's). */
  constructor(
    private readonly path: string,
    start: Record<string, number> = {},
  ) {
    for (const [split, n] of Object.entries(start)) this.counts.set(split, n);
  }

  add(split: string, note: unknown): void {
    const line = noteLine(split, note) + '\n';
    this.pending.push(line);
    this.pendingChars += line.length;
    this.counts.set(split, this.count(split) + 1);
    if (this.pendingChars >= 256 * 1024) this.write();
  }

  count(split: string): number {
    return this.counts.get(split) ?? 0;
  }

  /** Write what is buffered (not fsynced: appendJournal's fsync of the shard line that follows covers it). */
  write(): void {
    if (!this.pending.length) return;
    appendFileSync(this.path, this.pending.join(''));
    this.pending = [];
    this.pendingChars = 0;
  }
}
