/**
 * The lock file beside an output (`.OUT.lock`, { pid, host, started }): held from openOutput to commit/abort, so
 * a second build cannot write the same output. A lock whose process is gone (same host) is stale and taken over.
 */
import { closeSync, fsyncSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { GadError, environmentError, environmentErrorCode } from '../core/errors.js';

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

export function takeLock(lockPath: string, outDir: string): void {
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

export function releaseLock(lockPath: string): void {
  try {
    const held = JSON.parse(readFileSync(lockPath, 'utf8')) as LockInfo;
    if (held.pid === process.pid && held.host === hostname()) unlinkSync(lockPath);
  } catch {
    /* not ours or gone */
  }
}
