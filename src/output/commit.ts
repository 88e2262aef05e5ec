/**
 * The siblings of an output folder and the two halves of a commit's safety: carrying the user's entries of OUT
 * into the work folder (`.OUT.carry` records them first) and rolling back a commit that did not finish
 * (`recover`), so a crash at any point leaves either the old or the new output whole (see output.ts).
 */
import { closeSync, existsSync, fsyncSync, lstatSync, openSync, readlinkSync, renameSync, writeSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { GadError, describeError } from '../core/errors.js';
import { testHold } from '../core/test-hold.js';
import { exists } from '../core/fs.js';
import { releaseLock, takeLock } from './lock.js';
import { OWNED_NAMES } from './ownership.js';

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

export function siblings(outDir: string) {
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
export type Siblings = ReturnType<typeof siblings>;

/** Whether something exists at `path`, a symlink itself included (lstat). */
const lexists = (path: string): Promise<boolean> => exists(path, { follow: false });

/**
 * The names recorded in `.OUT.carry`, or null when there is none. The record is written atomically; should it
 * still be unreadable, every entry of the work dir that a build does not write is taken as the user's.
 */
async function readCarry(p: Siblings, ownedNames: readonly string[]): Promise<string[] | null> {
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
  const owned = new Set(ownedNames);
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
export async function recover(p: Siblings, ownedNames: readonly string[] = OWNED_NAMES): Promise<string[]> {
  const notes: string[] = [];
  if (!(await lexists(p.abs)) && (await lexists(p.old))) {
    await rename(p.old, p.abs);
    notes.push(`restored the previous output from ${p.old} (a build was interrupted while committing)`);
  }
  await rm(`${p.carry}.tmp`, { force: true }); // a record cut while being written: nothing was moved yet
  const carried = await readCarry(p, ownedNames);
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
  const taken = takeLock(p.lock, p.abs);
  try {
    if (!pending()) return taken;
    const notes = taken ? [taken, ...(await recover(p))] : await recover(p);
    return notes.length ? notes.join('; ') : null;
  } finally {
    releaseLock(p.lock);
  }
}

/**
 * The swap of a commit: with OUT present, record and carry the user's entries (`foreign`) into the work dir,
 * rename OUT → .OUT.old and the work dir → OUT, then remove .OUT.old; otherwise just rename the work dir into place.
 * A failure on the way puts everything back as it was. Returns a notice (the previous output moved aside) or null.
 */
export async function swapIntoPlace(
  p: Siblings,
  now: { exists: boolean; foreign: string[] },
  ownedNames: readonly string[] = OWNED_NAMES,
): Promise<string | null> {
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
      await recover(p, ownedNames).catch(() => undefined); // a leftover .OUT.carry makes the next build finish this
      throw e;
    }
    await rm(p.carry, { force: true });
    notice = await removeOld(p).catch((e: unknown) =>
      e instanceof GadError ? `${e.message}; ${e.hint ?? ''}` : describeError(e),
    );
  } else {
    await rename(p.work, p.abs);
  }
  return notice;
}
