/**
 * The output session: everything a build writes goes into a work folder beside the output
 * (`.<name>.partial`), which is renamed into place by `commit()`. A lock file beside the output
 * (`.<name>.lock`) keeps a second build out.
 *
 * Layout beside `OUT` (all siblings, same filesystem so renames are atomic; an OUT that is a symlink is
 * followed, and these live beside its target):
 *   .OUT.lock          { pid, host, started }: held from openOutput to commit/abort
 *   .OUT.partial/      the work dir; becomes OUT on commit
 *     data/            final shard names only, filled by ShardWriter.close()
 *     .shards/         shards being written (*.partial) and finished shards awaiting their final name
 *     .journal.jsonl   line 1 {settingsHash}, then one line per finished shard (removed on commit)
 *   .OUT.old/          the previous output, only for the instant between the two renames of commit
 *   .OUT.carry         during a commit: the names of the user's own entries being carried from OUT into the
 *                      work dir (written before the first is moved, removed once the work dir is OUT)
 *
 * Ownership: OUT is replaced only when it is absent, empty, or a gad-data output (a manifest.json whose
 * `tool.name` is gad-data). Only what a build writes (OWNED_NAMES and the files the old manifest lists) is
 * replaced; every other entry of OUT (`.git/`, `.gitattributes`, `train.log`, `train/`, notes ...) is
 * carried into the new output. Anything else is refused before the build starts (GadError, exit 2, naming
 * the files): a non-empty folder without a gad-data manifest, a manifest.json of another tool, files in
 * `data/` the manifest does not list (the trainer would read them as data).
 *
 * Commit, with carried entries: write `.OUT.carry`, rename each carried entry OUT/x → work/x, rename
 * OUT → .OUT.old, rename work → OUT, remove `.OUT.carry` and `.OUT.old`. A crash at any point leaves either
 * the old or the new output whole, and `recover()` (run by the next build before anything else, and by
 * abort) rolls an unfinished commit back: the old output is put back and the carried entries return to it.
 * Nothing carried is ever deleted: the work dir is removed only after they were moved back.
 *
 * Resume: with `resume: true` and a journal whose settings hash equals the new one, finished shards
 * are kept (each checked against its journaled size and sha256) and `resumed` says, per split, how
 * many input rows they cover and gives back the opaque records the caller attached; shards being
 * written when the build died are deleted. A different hash, a missing or unreadable journal starts
 * fresh, and `notice` says why.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  lstatSync,
  openSync,
  readFileSync,
  readlinkSync,
  renameSync,
  unlinkSync,
  writeSync,
  constants as fsc,
} from 'node:fs';
import { access, lstat, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { GadError, describeError, environmentError, environmentErrorCode } from '../core/errors.js';
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
  /**
   * Atomic swap into place: the previous output stays intact until the final rename; the user's own
   * entries of OUT are carried into the new output. Resolves to a warning to show (e.g. the previous
   * output could not be deleted and was moved aside), or null.
   */
  commit(): Promise<string | null>;
  /**
   * Release the lock and remove the work dir (the previous output is untouched). With `keepWork` the work
   * dir stays, so `--resume` can reuse its finished shards (after an environment error such as a full disk).
   */
  abort(how?: { keepWork?: boolean }): Promise<void>;
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

/**
 * The folder a build writes: OUT itself, or, when OUT is a symlink (even a dangling one), the folder it
 * points to, so the output is written through the link instead of replacing it with a folder.
 */
export function resolveOutDir(outDir: string): string {
  let p = resolve(outDir);
  for (let hops = 0; hops < 40; hops++) {
    let isLink: boolean;
    try {
      isLink = lstatSync(p).isSymbolicLink();
    } catch {
      return p; // does not exist (yet)
    }
    if (!isLink) return p;
    p = resolve(dirname(p), readlinkSync(p));
  }
  throw new GadError(`output ${outDir}: too many levels of symbolic links`, {
    hint: 'point --out at a folder',
    exitCode: 2,
  });
}

function siblings(outDir: string) {
  const abs = resolveOutDir(outDir);
  const parent = dirname(abs);
  const name = basename(abs);
  return {
    abs,
    parent,
    lock: join(parent, `.${name}.lock`),
    work: join(parent, `.${name}.partial`),
    old: join(parent, `.${name}.old`),
    carry: join(parent, `.${name}.carry`),
  };
}
type Siblings = ReturnType<typeof siblings>;

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
        if (environmentErrorCode(e))
          throw environmentError(e, { doing: `cannot create the lock file of the output ${outDir}`, where: lockPath });
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
        {
          hint: 'wait for it to finish, or choose another output folder; if that process is gone, delete the lock file',
        },
      );
    }
    try {
      const again = readFileSync(lockPath, 'utf8');
      if (again === JSON.stringify(held) || typeof held.pid !== 'number') rmSyncQuiet(lockPath);
    } catch {
      /* gone already */
    }
  }
  throw new GadError(`could not take the lock ${lockPath} (it keeps changing)`, {
    hint: 'is another build starting right now?',
  });
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

/**
 * Top-level entries of OUT that a build writes (besides what the previous manifest lists). Everything
 * else in a gad-data output belongs to the user and is carried into the new output.
 */
export const OWNED_NAMES: readonly string[] = [
  'data',
  'manifest.json',
  'README.md',
  'report.json',
  'report.html',
  'lengths.jsonl',
  'dropped.jsonl',
  'format_prompt.jinja',
  'chat_template.jinja',
  'gad-data-part',
];

/** `a, b, c and 4 more` (for messages). */
function nameList(names: string[], max = 8): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/** Why manifest.json is not gad-data's, or null when it is. */
async function manifestOwner(
  path: string,
): Promise<{ ours: true; listed: { top: Set<string>; data: Set<string> } } | { ours: false; why: string }> {
  let m: unknown;
  try {
    m = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    if (environmentErrorCode(e)) throw e;
    return { ours: false, why: 'its manifest.json is not valid JSON' };
  }
  const tool = m && typeof m === 'object' ? (m as { tool?: { name?: unknown } }).tool : undefined;
  if (!tool || typeof tool !== 'object' || tool.name !== 'gad-data') {
    return { ours: false, why: "its manifest.json was not written by gad-data (no tool.name 'gad-data')" };
  }
  // The files the manifest says gad-data wrote: shards under data/, the format prompt copy.
  const top = new Set<string>();
  const data = new Set<string>();
  const plain = /^[^./\\][^/\\]*$/; // one path segment, not hidden, no separators
  const { shards, formatPrompt } = m as { shards?: unknown; formatPrompt?: { file?: unknown } };
  for (const sh of Array.isArray(shards) ? shards : []) {
    const f = (sh as { file?: unknown })?.file;
    if (typeof f === 'string' && f.startsWith('data/') && plain.test(f.slice(5))) data.add(f.slice(5));
  }
  const fp = formatPrompt?.file;
  if (typeof fp === 'string' && plain.test(fp)) top.add(fp);
  return { ours: true, listed: { top, data } };
}

function refuseForeign(abs: string, entries: string[], why: string): GadError {
  return new GadError(
    `output ${abs} is not a gad-data output (${why}); it holds ${nameList(entries)}; refusing to replace or write into it`,
    {
      hint: 'choose another --out, or empty that folder (gad-data replaces only a folder it wrote itself)',
      exitCode: 2,
    },
  );
}

/**
 * What OUT holds: absent, or a folder a build may replace, with the entries that are not gad-data's (to be
 * carried into the new output). Throws a GadError naming the files when OUT cannot be replaced without
 * losing or mixing in something of the user's.
 */
async function inspectOut(abs: string): Promise<{ exists: boolean; foreign: string[] }> {
  let st;
  try {
    st = await stat(abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { exists: false, foreign: [] };
    throw e;
  }
  if (!st.isDirectory()) {
    throw new GadError(`output ${abs} exists and is not a folder (not a gad-data output); refusing to replace it`, {
      hint: 'choose another --out',
      exitCode: 2,
    });
  }
  const entries = (await readdir(abs)).sort();
  if (entries.length === 0) return { exists: true, foreign: [] };
  if (!entries.includes('manifest.json')) throw refuseForeign(abs, entries, 'no manifest.json');
  const owner = await manifestOwner(join(abs, 'manifest.json'));
  if (!owner.ours) throw refuseForeign(abs, entries, owner.why);
  const owned = new Set([...OWNED_NAMES, ...owner.listed.top]);
  if (entries.includes('data')) {
    const d = join(abs, 'data');
    if (!(await lstat(d)).isDirectory()) {
      throw new GadError(`output ${abs}: data is not a folder; gad-data writes its shards there`, {
        hint: 'move it away, or choose another --out',
        exitCode: 2,
      });
    }
    const strays = (await readdir(d)).filter((f) => !owner.listed.data.has(f)).sort();
    if (strays.length) {
      throw new GadError(
        `output ${abs}: data/ holds file(s) that gad-data did not write (not in its manifest.json): ${nameList(strays.map((f) => `data/${f}`))}; the trainer reads every file in data/, and a rebuild would delete them`,
        { hint: 'move them out of data/ (or choose another --out)', exitCode: 2 },
      );
    }
  }
  return { exists: true, foreign: entries.filter((e) => !owned.has(e)) };
}

/**
 * Before a build starts: the commit will rename OUT and the carried folders (a folder's rename needs write
 * permission on it) and delete the old data/, so each must be writable. Checked up front so a long build
 * does not fail at its very end.
 */
async function checkReplaceable(abs: string, foreign: string[]): Promise<void> {
  const need = [abs];
  if (existsSync(join(abs, 'data'))) need.push(join(abs, 'data'));
  for (const f of foreign) {
    const st = await lstat(join(abs, f));
    if (st.isDirectory()) need.push(join(abs, f));
  }
  for (const path of need) {
    try {
      await access(path, fsc.W_OK);
    } catch (e) {
      throw environmentError(e, { doing: `cannot replace the output ${abs}`, where: path });
    }
  }
}

async function lexists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The names recorded in `.OUT.carry`, or null when there is none. The record is written atomically; should it
 * still be unreadable, every entry of the work dir that a build does not write is taken as the user's.
 */
async function readCarry(p: Siblings): Promise<string[] | null> {
  let text: string;
  try {
    text = await readFile(p.carry, 'utf8');
  } catch {
    return null;
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    /* fall through */
  }
  const owned = new Set(OWNED_NAMES);
  return (await lexists(p.work)) ? (await readdir(p.work)).filter((f) => !owned.has(f)) : [];
}

/** Write the carry list durably (tmp file, fsync, rename) before anything is moved. */
function writeCarry(path: string, names: string[]): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify(names));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/**
 * Remove the previous output left beside OUT by a finished commit. When it cannot be deleted (a file in it
 * is not deletable), it is moved aside (`.OUT.old-<time>`) so it never blocks a later build, and the
 * returned notice says where it is; when even that fails, a GadError says what to delete.
 */
async function removeOld(p: Siblings): Promise<string | null> {
  if (!(await lexists(p.old))) return null;
  try {
    await rm(p.old, { recursive: true, force: true });
    return null;
  } catch (e) {
    const aside = `${p.old}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      await rename(p.old, aside);
    } catch {
      throw new GadError(`cannot delete ${p.old}, the previous output of a finished build (${describeError(e)})`, {
        hint: `delete it yourself (e.g. rm -rf '${p.old}'), then rerun`,
        exitCode: 2,
      });
    }
    return `could not delete the previous output (${describeError(e)}); it was moved to ${aside}: delete it yourself`;
  }
}

/**
 * Roll back a commit that did not finish (the lock must be held): put the previous output back when OUT is
 * missing and `.OUT.old` holds it, move the user's carried entries back from the work dir, and remove a
 * leftover `.OUT.old` of a finished commit. Returns what it did, for notices.
 */
async function recover(p: Siblings): Promise<string[]> {
  const notes: string[] = [];
  if (!(await lexists(p.abs)) && (await lexists(p.old))) {
    await rename(p.old, p.abs);
    notes.push(`restored the previous output from ${p.old} (a build was interrupted while committing)`);
  }
  await rm(`${p.carry}.tmp`, { force: true }); // a record cut while being written: nothing was moved yet
  const carried = await readCarry(p);
  if (carried) {
    let back = 0;
    if (await lexists(p.work)) {
      for (const name of carried) {
        // (OUT is always there at this point; recreate it rather than ever lose a carried entry)
        if (!(await lexists(p.abs)) && (await lexists(join(p.work, name)))) await mkdir(p.abs);
        if ((await lexists(join(p.work, name))) && !(await lexists(join(p.abs, name)))) {
          await rename(join(p.work, name), join(p.abs, name));
          back++;
        }
      }
    }
    await rm(p.carry, { force: true });
    if (back)
      notes.push(`put back ${back} file(s)/folder(s) of yours into ${p.abs} that an interrupted commit had moved`);
  }
  if (await lexists(p.abs)) {
    const aside = await removeOld(p);
    if (aside) notes.push(aside);
  }
  return notes;
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
  const found = existsSync(data)
    ? (await readdir(data)).filter((f) => f.startsWith(prefix) && f.endsWith('.parquet'))
    : [];
  if (found.length === 1) await rename(join(data, found[0]!), tmpPath);
}

/**
 * Roll back a commit that was interrupted (the output folder is missing and `.OUT.old` holds the previous
 * one, or the user's own entries were being carried over): put the previous output and the user's entries
 * back. Takes the lock for the moment it needs, so it never touches a build in progress. Returns a notice
 * when it did something. The build calls it before anything else, so even a run that then fails on bad
 * input leaves the previous output (and everything else in OUT) in place.
 */
export async function restoreInterruptedCommit(outDir: string): Promise<string | null> {
  const p = siblings(outDir);
  const pending = () => (!existsSync(p.abs) && existsSync(p.old)) || existsSync(p.carry);
  if (!pending()) return null;
  takeLock(p.lock, p.abs);
  try {
    if (!pending()) return null;
    const notes = await recover(p);
    return notes.length ? notes.join('; ') : null;
  } finally {
    releaseLock(p.lock);
  }
}

/**
 * Open an output folder for a build: take the lock, roll back an interrupted commit, check that OUT may be
 * replaced (see Ownership above), prepare the work dir (fresh, or resumed), and return the session.
 * `settingsHash` must hash the inputs and every setting that changes the bytes.
 */
export async function openOutput(
  outDir: string,
  opts: { resume?: boolean; settingsHash: string },
): Promise<OpenedOutput> {
  const p = siblings(outDir);
  try {
    await mkdir(p.parent, { recursive: true });
  } catch (e) {
    if (environmentErrorCode(e))
      throw environmentError(e, { doing: `cannot create the folder of the output ${p.abs}`, where: p.parent });
    throw e;
  }
  takeLock(p.lock, p.abs);
  const notices: string[] = [];
  try {
    notices.push(...(await recover(p)));
    const found = await inspectOut(p.abs);
    if (found.exists) await checkReplaceable(p.abs, found.foreign);
    let resumed: ResumeState | null = null;
    const journalPath = join(p.work, JOURNAL);
    if (opts.resume) {
      const j = existsSync(p.work) ? await readJournal(journalPath) : null;
      if (!j) notices.push('resume: no unfinished build to resume; starting fresh');
      else if (j.settingsHash !== opts.settingsHash) {
        notices.push(
          'resume: the inputs or settings changed since the interrupted build (settings hash differs); starting fresh',
        );
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
        for (const f of existsSync(tmp) ? await readdir(tmp) : [])
          if (!keep.has(f)) await rm(join(tmp, f), { force: true });
        for (const f of await readdir(p.work))
          if (f !== SHARDS_TMP) await rm(join(p.work, f), { recursive: true, force: true });
        const text =
          [JSON.stringify({ settingsHash: opts.settingsHash }), ...kept.map((s) => JSON.stringify(s))].join('\n') +
          '\n';
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
          throw new GadError(
            `export: ${leftovers.length} shard(s) were never given their final name (${leftovers[0]}); was a ShardWriter not closed?`,
            { exitCode: 1 },
          );
        }
        const extra = (await readdir(join(p.work, 'data'))).filter((f) => !f.endsWith('.parquet'));
        if (extra.length) {
          throw new GadError(`export: data/ must hold only .parquet shards, found ${extra.join(', ')}`, {
            exitCode: 1,
            hint: 'EasyR1 picks its loader from the first file it lists in data/',
          });
        }
        // Checked again: the user may have put something into OUT while the build ran.
        const now = await inspectOut(p.abs);
        if (now.exists) await checkReplaceable(p.abs, now.foreign);
        const ours = new Set(await readdir(p.work));
        const clash = now.foreign.filter((f) => ours.has(f));
        if (clash.length)
          throw new GadError(
            `export: the work folder ${p.work} holds ${nameList(clash)}, which are the user's in ${p.abs}`,
            { exitCode: 1 },
          );
        await rm(join(p.work, SHARDS_TMP), { recursive: true, force: true });
        await rm(journalPath, { force: true });
        let notice: string | null = null;
        if (now.exists) {
          try {
            if (now.foreign.length) {
              writeCarry(p.carry, now.foreign);
              for (const [i, f] of now.foreign.entries()) {
                await rename(join(p.abs, f), join(p.work, f));
                if (i === 0) await testHold('commit-carry');
              }
            }
            await rename(p.abs, p.old);
            await testHold('commit-swap');
            await rename(p.work, p.abs);
          } catch (e) {
            // Put everything back as it was (the previous output and the user's entries in OUT).
            await recover(p).catch(() => undefined); // a leftover .OUT.carry makes the next build finish this
            throw e;
          }
          await rm(p.carry, { force: true });
          notice = await removeOld(p).catch((e: unknown) =>
            e instanceof GadError ? `${e.message}; ${e.hint ?? ''}` : describeError(e),
          );
        } else {
          await rename(p.work, p.abs);
        }
        done = true;
        releaseLock(p.lock);
        return notice;
      },
      async abort(how?: { keepWork?: boolean }) {
        if (done) return;
        done = true;
        try {
          // Never delete the work dir while it may hold the user's entries of an unfinished commit.
          let recovered = true;
          await recover(p).catch(() => (recovered = false));
          if (recovered && !how?.keepWork) await rm(p.work, { recursive: true, force: true });
        } finally {
          releaseLock(p.lock);
        }
      },
    };
    return session;
  } catch (e) {
    releaseLock(p.lock);
    if (environmentErrorCode(e) && !(e instanceof GadError))
      throw environmentError(e, { doing: `cannot prepare the output ${p.abs}`, where: p.parent });
    throw e;
  }
}
