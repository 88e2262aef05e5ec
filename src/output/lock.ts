/**
 * The lock file beside an output (`.OUT.lock`): held from openOutput (or an export's open) to commit/abort, so a
 * second build or export cannot write the same folder.
 *
 * Creation is atomic with its content: the record is written to a file of our own and hard-linked to the lock
 * name (link fails when the name exists), so no other process ever reads a lock that is being written. The
 * record holds a random token (the owner proof): the holder checks it before its commit and releases only its
 * own lock. While held, the lock's modification time is refreshed every `lease / 4` (the lease).
 *
 * A lock held by another process is taken over (with a notice saying so) only when its holder is surely gone:
 * - the same machine (host name, boot id and pid namespace alike): the process is not running (or its pid
 *   now belongs to another process: start time differs);
 * - another machine: the lock was not refreshed for the lease (`GAD_DATA_LOCK_LEASE` seconds, default 300),
 *   or the lock was taken by the same scheduler task as ours (Slurm job + array task id [+ step, rank], or a Kubernetes
 *   Indexed Job pod's host name + completion index): a scheduler starts a task's retry only after the previous
 *   attempt ended.
 * An unreadable lock (not written by this version) is taken over when older than 30 s.
 */
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  readlinkSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { GadError, environmentError, environmentErrorCode } from '../core/errors.js';
import { testDelaySync } from '../core/test-hold.js';
import { errnoCode, errorMessage } from '../core/guards.js';

export interface LockInfo {
  pid: number;
  host: string;
  started: string;
  /** What holds it: `build` (build, merge, part) or `export`. */
  what?: string;
  /** Owner proof: random per lock taken. */
  token?: string;
  /** /proc/sys/kernel/random/boot_id and the pid namespace: with `host`, which machine the pid belongs to. */
  boot?: string;
  pidns?: string;
  /** Start time of the process (/proc/PID/stat field 22), to tell a reused pid. */
  pidStart?: string;
  /** The scheduler task that took it (Slurm job + array task, Kubernetes Indexed Job pod). */
  task?: string;
}

const readQuiet = (f: () => string): string => {
  try {
    return f().trim();
  } catch {
    return '';
  }
};

function procStart(pid: number): string {
  const stat = readQuiet(() => readFileSync(`/proc/${pid}/stat`, 'utf8'));
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return rest[19] ?? ''; // field 22 of /proc/PID/stat; fields after ')' start at field 3
}

/** The scheduler task this process runs as, or undefined. */
export function schedulerTask(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const job = env.SLURM_ARRAY_JOB_ID ?? env.SLURM_JOB_ID;
  // (the step and rank too: two ranks of one job are not retries of each other)
  if (job)
    return `slurm:${job}:${env.SLURM_ARRAY_TASK_ID ?? ''}${env.SLURM_STEP_ID ? `.${env.SLURM_STEP_ID}` : ''}${env.SLURM_PROCID && env.SLURM_PROCID !== '0' ? `#${env.SLURM_PROCID}` : ''}`;
  if (env.JOB_COMPLETION_INDEX !== undefined) return `k8s:${hostname()}:${env.JOB_COMPLETION_INDEX}`;
  return undefined;
}

/** The lease in ms (`GAD_DATA_LOCK_LEASE` seconds, default 300). */
export function leaseMs(): number {
  const s = Number(process.env.GAD_DATA_LOCK_LEASE);
  return (Number.isFinite(s) && s > 0 ? s : 300) * 1000;
}

const UNREADABLE_STALE_MS = 30_000;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === 'EPERM';
  }
}

function me(what: string): LockInfo {
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    started: new Date().toISOString(),
    what,
    token: randomBytes(12).toString('hex'),
    boot: readQuiet(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')),
    pidns: readQuiet(() => readlinkSync('/proc/self/ns/pid')),
    pidStart: procStart(process.pid),
  };
  const task = schedulerTask();
  if (task) info.task = task;
  return info;
}

/** Locks this process holds: path → token and the lease timer. */
const held = new Map<string, { token: string; timer: NodeJS.Timeout }>();

/** Why the holder of `h` is gone (the lock may be taken over), or null while it may be alive. */
function goneBecause(h: LockInfo | null, ageMs: number, mine: LockInfo): string | null {
  if (!h || typeof h.pid !== 'number' || typeof h.host !== 'string')
    return ageMs > UNREADABLE_STALE_MS ? `unreadable lock, untouched for ${Math.round(ageMs / 1000)}s` : null;
  const legacy = h.boot === undefined && h.pidns === undefined;
  const sameMachine = h.host === mine.host && (legacy || (h.boot === mine.boot && h.pidns === mine.pidns));
  if (sameMachine) {
    if (h.pid === process.pid)
      return h.token !== undefined && [...held.values()].some((x) => x.token === h.token)
        ? null
        : 'its pid is this process now';
    if (!pidAlive(h.pid)) return `process ${h.pid} is not running`;
    const start = h.pidStart && mine.pidStart ? procStart(h.pid) : '';
    if (start && start !== h.pidStart) return `pid ${h.pid} is another process now`;
    return null;
  }
  if (h.task && h.task === mine.task) return `a retry of the same scheduler task (${h.task}) on another machine`;
  const lease = leaseMs();
  if (ageMs > lease)
    return `held on another machine and not refreshed for ${Math.round(ageMs / 1000)}s (lease ${lease / 1000}s)`;
  return null;
}

function readLock(lockPath: string): { info: LockInfo | null; raw: string; ageMs: number } | null {
  let raw: string;
  let ageMs: number;
  try {
    raw = readFileSync(lockPath, 'utf8');
    ageMs = Date.now() - statSync(lockPath).mtimeMs;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return null;
    throw e;
  }
  try {
    return { info: JSON.parse(raw) as LockInfo, raw, ageMs };
  } catch {
    return { info: null, raw, ageMs };
  }
}

const unlinkQuiet = (p: string): void => {
  try {
    unlinkSync(p);
  } catch {
    /* gone already */
  }
};

/** link(src, dst): true when made, false when dst exists. */
function linkExcl(src: string, dst: string): boolean {
  try {
    linkSync(src, dst);
    return true;
  } catch (e) {
    if (errnoCode(e) === 'EEXIST') return false;
    throw e;
  }
}

/**
 * Remove a stale lock whose content was `raw`, serialized through `LOCK.takeover` (made exclusively, so two
 * processes judging the same lock stale never remove each other's fresh one). True when removed.
 */
function removeStale(lockPath: string, raw: string, tmp: string): boolean {
  const guard = `${lockPath}.takeover`;
  if (!linkExcl(tmp, guard)) {
    try {
      if (Date.now() - statSync(guard).mtimeMs > UNREADABLE_STALE_MS) unlinkQuiet(guard);
    } catch {
      /* gone */
    }
    return false;
  }
  try {
    const now = readLock(lockPath);
    if (now && now.raw !== raw) return false; // someone took it meanwhile
    unlinkQuiet(lockPath);
    return true;
  } finally {
    unlinkQuiet(guard);
  }
}

function ago(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)}s` : `${Math.round(ms / 60_000)} min`;
}

/**
 * Take the lock of `outDir` at `lockPath` for a `what` (build / export). Returns a notice when a stale lock was
 * taken over, else null; throws a GadError naming the holder when another process holds it.
 */
export function takeLock(lockPath: string, outDir: string, what = 'build'): string | null {
  const mine = me(what);
  const tmp = `${lockPath}.${mine.pid}-${mine.token}`;
  const text = JSON.stringify(mine);
  try {
    const fd = openSync(tmp, 'wx');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    unlinkQuiet(tmp);
    if (environmentErrorCode(e))
      throw environmentError(e, { doing: `cannot create the lock file of the output ${outDir}`, where: lockPath });
    throw new GadError(`cannot create the lock file ${lockPath}: ${errorMessage(e)}`, {
      hint: 'check that the output folder is writable',
    });
  }
  let notice: string | null = null;
  try {
    testDelaySync('lock-write');
    for (let attempt = 0; attempt < 5; attempt++) {
      if (linkExcl(tmp, lockPath)) {
        const timer = setInterval(() => refresh(lockPath, mine.token!), Math.min(leaseMs() / 4, 30_000));
        timer.unref();
        held.set(lockPath, { token: mine.token!, timer });
        return notice;
      }
      const cur = readLock(lockPath);
      if (!cur) continue; // released meanwhile
      const why = goneBecause(cur.info, cur.ageMs, mine);
      if (!why) {
        const h = cur.info;
        const by = h
          ? `pid ${h.pid} on ${h.host} since ${h.started}${h.task ? ` (task ${h.task})` : ''}, refreshed ${ago(cur.ageMs)} ago`
          : `a lock file being written (${ago(cur.ageMs)} old)`;
        throw new GadError(`another ${h?.what ?? 'build'} is writing ${outDir}: locked by ${by} (${lockPath})`, {
          hint: `wait for it to finish, or choose another output folder; a lock of a process gone on another machine is taken over once not refreshed for ${leaseMs() / 1000}s (GAD_DATA_LOCK_LEASE), at once by a retry of the same Slurm/Kubernetes task; if that process is surely gone, delete the lock file`,
          exitCode: 2,
        });
      }
      if (removeStale(lockPath, cur.raw, tmp)) {
        const h = cur.info;
        notice = `took over the lock ${lockPath}${h ? ` of pid ${h.pid} on ${h.host} (since ${h.started})` : ''}: ${why}`;
      }
    }
  } finally {
    unlinkQuiet(tmp);
  }
  throw new GadError(`could not take the lock ${lockPath} (it keeps changing)`, {
    hint: 'is another build or export starting right now?',
  });
}

function refresh(lockPath: string, token: string): void {
  try {
    if (readLock(lockPath)?.info?.token !== token) return;
    const now = new Date();
    utimesSync(lockPath, now, now);
  } catch {
    /* the commit or check will say */
  }
}

/**
 * Owner proof before a commit: throws (exit 1, nothing replaced) when the lock at `lockPath` is no longer this
 * process's (it was taken over, e.g. after this process stood still for longer than the lease).
 */
export function assertLockHeld(lockPath: string, outDir: string): void {
  const mine = held.get(lockPath);
  const now = readLock(lockPath);
  if (mine && now?.info?.token === mine.token) return;
  const by = now?.info ? `pid ${now.info.pid} on ${now.info.host}` : 'nobody';
  throw new GadError(
    `lost the lock of ${outDir} before writing it into place: the lock ${lockPath} is now held by ${by}; nothing was replaced`,
    { hint: 'another run took the folder over; check which result you want and rerun', exitCode: 1 },
  );
}

export function releaseLock(lockPath: string): void {
  const mine = held.get(lockPath);
  if (!mine) return;
  clearInterval(mine.timer);
  held.delete(lockPath);
  try {
    if (readLock(lockPath)?.info?.token === mine.token) unlinkSync(lockPath);
  } catch {
    /* not ours or gone */
  }
}
