/**
 * The output session: everything a build writes goes into a work folder beside the output
 * (`.<name>.partial`), which is renamed into place by `commit()`. A lock file beside the output
 * (`.<name>.lock`) keeps a second build out.
 *
 * Layout beside `OUT` (all siblings, same filesystem so renames are atomic):
 *   .OUT.lock          { pid, host, started }: held from openOutput to commit/abort
 *   .OUT.partial/      the work dir; becomes OUT on commit
 *     data/            final shard names only, filled by ShardWriter.close()
 *     .shards/         shards being written (*.partial) and finished shards awaiting their final name
 *     .journal.jsonl   line 1 {settingsHash}, then one line per finished shard (removed on commit)
 *   .OUT.old/          the previous output, only for the instant between the two renames of commit
 *
 * Resume: with `resume: true` and a journal whose settings hash equals the new one, finished shards
 * are kept (each checked against its journaled size and sha256) and `resumed` says, per split, how
 * many input rows they cover and gives back the opaque records the caller attached; shards being
 * written when the build died are deleted. A different hash, a missing or unreadable journal starts
 * fresh, and `notice` says why.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { GadError } from '../core/errors.js';
import { sha256File } from '../core/hash.js';
import { testHold } from '../core/test-hold.js';

/** One finished shard in the journal. */
export interface JournalShard {
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
  /** Opaque records the caller attached (ShardWriter.write/skip `note`), in arrival order. */
  records: unknown[];
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
export interface ResumeState {
  settingsHash: string;
  splits: Record<string, { shards: JournalShard[]; rows: number; inputRows: number; records: unknown[] }>;
}

export interface OutputSession {
  outDir: string;
  /** Temp folder beside outDir; everything is written here. */
  workDir: string;
  /** Atomic swap into place: the previous output stays intact until the final rename. */
  commit(): Promise<void>;
  /** Remove the work dir and release the lock (the previous output is untouched). */
  abort(): Promise<void>;
}

export interface OpenedOutput extends OutputSession {
  resumed: ResumeState | null;
  /** Why a resume was not possible, or what was recovered; null when nothing to say. */
  notice: string | null;
  settingsHash: string;
  /** Append a finished shard to the journal (fsynced). Used by ShardWriter. */
  recordShard(entry: JournalShard): void;
}

const JOURNAL = '.journal.jsonl';
export const SHARDS_TMP = '.shards';

function siblings(outDir: string) {
  const abs = resolve(outDir);
  const parent = dirname(abs);
  const name = basename(abs);
  return {
    abs,
    parent,
    lock: join(parent, `.${name}.lock`),
    work: join(parent, `.${name}.partial`),
    old: join(parent, `.${name}.old`),
  };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface LockInfo {
  pid: number;
  host: string;
  started: string;
}

function takeLock(lockPath: string, outDir: string): void {
  const me: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, JSON.stringify(me));
      fsyncSync(fd);
      closeSync(fd);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new GadError(`cannot create the lock file ${lockPath}: ${(e as Error).message}`, {
          hint: 'check that the output folder is writable',
        });
      }
    }
    let held: Partial<LockInfo> = {};
    try {
      held = JSON.parse(readFileSync(lockPath, 'utf8')) as LockInfo;
    } catch {
      // unreadable: treated as stale below
    }
    const sameHost = held.host === hostname();
    const stale = typeof held.pid === 'number' ? sameHost && !pidAlive(held.pid) : true;
    if (!stale) {
      throw new GadError(
        `another build is writing ${outDir}: locked by pid ${held.pid} on ${held.host ?? '?'} since ${held.started ?? '?'} (${lockPath})`,
        { hint: 'wait for it to finish, or choose another output folder; if that process is gone, delete the lock file' },
      );
    }
    try {
      const again = readFileSync(lockPath, 'utf8');
      if (again === JSON.stringify(held) || typeof held.pid !== 'number') rmSyncQuiet(lockPath);
    } catch {
      /* gone already */
    }
  }
  throw new GadError(`could not take the lock ${lockPath} (it keeps changing)`, { hint: 'is another build starting right now?' });
}

function rmSyncQuiet(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    /* ignore */
  }
}

function releaseLock(lockPath: string): void {
  try {
    const held = JSON.parse(readFileSync(lockPath, 'utf8')) as LockInfo;
    if (held.pid === process.pid && held.host === hostname()) unlinkSync(lockPath);
  } catch {
    /* not ours or gone */
  }
}

async function isOurOutput(dir: string): Promise<boolean> {
  const entries = await readdir(dir);
  return entries.length === 0 || entries.includes('manifest.json');
}

async function readJournal(path: string): Promise<{ settingsHash: string; shards: JournalShard[] } | null> {
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
  const shards: JournalShard[] = [];
  for (const l of lines.slice(1)) {
    try {
      shards.push(JSON.parse(l) as JournalShard);
    } catch {
      break; // a torn last line: the shard it described is not trusted
    }
  }
  return { settingsHash: head.settingsHash, shards };
}

/** Keep, per split, the longest prefix of shards 0,1,2... whose files still match the journal. */
async function verifiedShards(workDir: string, shards: JournalShard[]): Promise<JournalShard[]> {
  // A shard may be journaled twice (its bookkeeping grows when trailing dropped rows are added): the last line wins.
  const latest = new Map<string, JournalShard>();
  for (const s of shards) latest.set(`${s.split}\u0000${s.index}`, s);
  const bySplit = new Map<string, JournalShard[]>();
  for (const s of latest.values()) {
    const l = bySplit.get(s.split) ?? [];
    l.push(s);
    bySplit.set(s.split, l);
  }
  const kept: JournalShard[] = [];
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

async function renameFinalBack(workDir: string, s: JournalShard, tmpPath: string): Promise<void> {
  const prefix = `${s.split}-${String(s.index).padStart(5, '0')}-of-`;
  const data = join(workDir, 'data');
  const found = existsSync(data) ? (await readdir(data)).filter((f) => f.startsWith(prefix) && f.endsWith('.parquet')) : [];
  if (found.length === 1) await rename(join(data, found[0]!), tmpPath);
}

/**
 * Put back the previous output of a build that was killed between the two renames of its commit (the output
 * folder is missing and `.OUT.old` holds the previous one). Takes the lock for the moment it needs, so it
 * never touches a build in progress. Returns a notice when it restored something. The build calls it before
 * anything else, so even a run that then fails on bad input leaves the previous output in place.
 */
export async function restoreInterruptedCommit(outDir: string): Promise<string | null> {
  const p = siblings(outDir);
  if (existsSync(p.abs) || !existsSync(p.old)) return null;
  takeLock(p.lock, p.abs);
  try {
    if (existsSync(p.abs) || !existsSync(p.old)) return null;
    await rename(p.old, p.abs);
    return `restored the previous output from ${p.old} (a build was interrupted while committing)`;
  } finally {
    releaseLock(p.lock);
  }
}

/**
 * Open an output folder for a build: take the lock, prepare the work dir (fresh, or resumed), and
 * return the session. `settingsHash` must hash the inputs and every setting that changes the bytes.
 */
export async function openOutput(
  outDir: string,
  opts: { resume?: boolean; settingsHash: string },
): Promise<OpenedOutput> {
  const p = siblings(outDir);
  await mkdir(p.parent, { recursive: true });
  takeLock(p.lock, p.abs);
  const notices: string[] = [];
  try {
    // A commit interrupted between its two renames: put the previous output back.
    if (!existsSync(p.abs) && existsSync(p.old)) {
      await rename(p.old, p.abs);
      notices.push(`restored the previous output from ${p.old} (a build was interrupted while committing)`);
    } else if (existsSync(p.old)) {
      await rm(p.old, { recursive: true, force: true });
    }
    if (existsSync(p.abs)) {
      const st = await stat(p.abs);
      if (!st.isDirectory() || !(await isOurOutput(p.abs))) {
        throw new GadError(`output ${p.abs} exists and is not a gad-data output (no manifest.json); refusing to replace it`, {
          hint: 'choose an empty or new output folder',
        });
      }
    }
    let resumed: ResumeState | null = null;
    const journalPath = join(p.work, JOURNAL);
    if (opts.resume) {
      const j = existsSync(p.work) ? await readJournal(journalPath) : null;
      if (!j) notices.push('resume: no unfinished build to resume; starting fresh');
      else if (j.settingsHash !== opts.settingsHash) {
        notices.push('resume: the inputs or settings changed since the interrupted build (settings hash differs); starting fresh');
      } else {
        const kept = await verifiedShards(p.work, j.shards);
        resumed = { settingsHash: j.settingsHash, splits: {} };
        for (const s of kept) {
          const e = (resumed.splits[s.split] ??= { shards: [], rows: 0, inputRows: 0, records: [] });
          e.shards.push(s);
          e.rows += s.rows;
          e.inputRows += s.inputRows;
          e.records.push(...s.records);
        }
        // Drop everything that is not a verified finished shard.
        const keep = new Set(kept.map((s) => basename(s.tmpFile)));
        const tmp = join(p.work, SHARDS_TMP);
        for (const f of existsSync(tmp) ? await readdir(tmp) : []) if (!keep.has(f)) await rm(join(tmp, f), { force: true });
        for (const f of await readdir(p.work)) if (f !== SHARDS_TMP) await rm(join(p.work, f), { recursive: true, force: true });
        const text = [JSON.stringify({ settingsHash: opts.settingsHash }), ...kept.map((s) => JSON.stringify(s))].join('\n') + '\n';
        await writeFile(journalPath, text);
        notices.push(`resume: reusing ${kept.length} finished shard(s) of the interrupted build`);
      }
    }
    if (!resumed) {
      await rm(p.work, { recursive: true, force: true });
      await mkdir(join(p.work, SHARDS_TMP), { recursive: true });
      await writeFile(journalPath, JSON.stringify({ settingsHash: opts.settingsHash }) + '\n');
    }
    await mkdir(join(p.work, 'data'), { recursive: true });
    await mkdir(join(p.work, SHARDS_TMP), { recursive: true });

    let done = false;
    const session: OpenedOutput = {
      outDir: p.abs,
      workDir: p.work,
      resumed,
      notice: notices.length ? notices.join('; ') : null,
      settingsHash: opts.settingsHash,
      recordShard(entry: JournalShard) {
        const fd = openSync(journalPath, 'a');
        try {
          writeSync(fd, JSON.stringify(entry) + '\n');
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      },
      async commit() {
        if (done) throw new Error('output session already finished');
        const leftovers = existsSync(join(p.work, SHARDS_TMP)) ? await readdir(join(p.work, SHARDS_TMP)) : [];
        if (leftovers.length) {
          throw new GadError(`export: ${leftovers.length} shard(s) were never given their final name (${leftovers[0]}); was a ShardWriter not closed?`, { exitCode: 1 });
        }
        const extra = (await readdir(join(p.work, 'data'))).filter((f) => !f.endsWith('.parquet'));
        if (extra.length) {
          throw new GadError(`export: data/ must hold only .parquet shards, found ${extra.join(', ')}`, {
            exitCode: 1,
            hint: 'EasyR1 picks its loader from the first file it lists in data/',
          });
        }
        await rm(join(p.work, SHARDS_TMP), { recursive: true, force: true });
        await rm(journalPath, { force: true });
        if (existsSync(p.abs)) {
          await rename(p.abs, p.old);
          await testHold('commit-swap');
          await rename(p.work, p.abs);
          await rm(p.old, { recursive: true, force: true });
        } else {
          await rename(p.work, p.abs);
        }
        done = true;
        releaseLock(p.lock);
      },
      async abort() {
        if (done) return;
        done = true;
        await rm(p.work, { recursive: true, force: true });
        releaseLock(p.lock);
      },
    };
    return session;
  } catch (e) {
    releaseLock(p.lock);
    throw e;
  }
}
