/**
 * The realpath of an image file for the containment rule, with one `realpath` per folder instead of one per file:
 * Node's `realpathSync` walks every component of the path with an `lstat` each (6–8 system calls per image), while
 * a file's realpath is its folder's realpath joined with its name unless the file itself is a symlink. So: the
 * folder's realpath (cached), whether the file is a symlink, and the full walk only when it is. The answer is the
 * same as `realpathSync`'s, null where it throws (a missing file or folder, a broken link).
 *
 * Whether a file is a symlink: an `lstat` of it, or, once a folder has had many files looked up, the folder's
 * listing (`opendir`: the entry types the kernel returns with the names, about a tenth of an `lstat` per file; an
 * entry of unknown type is `lstat`ed by Node). A name the listing does not hold (a file made later, a name spelled
 * otherwise on a case- or normalization-insensitive disk) takes the `lstat`; each name is answered from the listing
 * once, then dropped from it. A folder is listed only when that is cheaper than the `lstat`s it saves: after
 * `listAfter` look-ups, and only when it holds at most `listBudget` times as many entries as were looked up so far
 * (else it is tried again after four times as many look-ups), so a huge folder read for a few rows is not listed.
 *
 * The cache lives for one build (`createRealPath()` per ingest): a folder moved or relinked, or a file replaced by
 * a symlink, while the build reads is not followed, as a realpath taken earlier would not be either (the file is
 * read after its check in any case).
 */
import { lstatSync, opendirSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export type RealPath = (absolutePath: string) => string | null;

export interface RealPathOptions {
  /** Look-ups in one folder before its listing is read (default 256). */
  listAfter?: number;
  /** A listing is kept when the folder has at most this many entries per look-up so far (default 8). */
  listBudget?: number;
}

interface Folder {
  real: string | null;
  lookups: number;
  /** Look-ups at which the listing is tried (next). */
  listAt: number;
  /** Name → is a symlink, for names not yet looked up; null when not listed. */
  names: Map<string, boolean> | null;
}

function realOrNull(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

/** The folder's entries (name → is a symlink), or null when it has more than `max` or cannot be read. */
function listFolder(dir: string, max: number): Map<string, boolean> | null {
  let d;
  try {
    d = opendirSync(dir, { bufferSize: 256 });
  } catch {
    return null;
  }
  const names = new Map<string, boolean>();
  let entries = 0;
  try {
    for (let e = d.readSync(); e !== null; e = d.readSync()) {
      if (++entries > max) return null;
      // A name that is not UTF-8 comes back with U+FFFD in it, and could then spell another file's name: such
      // names are left to the lstat. A name met twice counts as a symlink (the full walk is right either way).
      if (e.name.includes('\uFFFD')) continue;
      names.set(e.name, names.has(e.name) || e.isSymbolicLink());
    }
  } catch {
    return null;
  } finally {
    d.closeSync();
  }
  return names;
}

/** Is `p` a symlink (null: it does not exist or cannot be looked at), from the folder's listing or an `lstat`. */
function isLink(p: string, folder: Folder, dir: string, opts: Required<RealPathOptions>): boolean | null {
  folder.lookups++;
  if (folder.names === null && folder.lookups >= folder.listAt) {
    folder.names = listFolder(dir, folder.lookups * opts.listBudget);
    folder.listAt = folder.names === null ? folder.lookups * 4 : Infinity;
  }
  if (folder.names !== null) {
    const name = basename(p);
    const link = folder.names.get(name);
    if (link !== undefined) {
      folder.names.delete(name);
      return link;
    }
  }
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return null;
  }
}

/** A realpath function with its own folder cache. `absolutePath` must be absolute and normalised (`resolve`d). */
export function createRealPath(options: RealPathOptions = {}): RealPath {
  const opts = { listAfter: options.listAfter ?? 256, listBudget: options.listBudget ?? 8 };
  const folders = new Map<string, Folder>();
  return (p) => {
    const dir = dirname(p);
    if (dir === p) return realOrNull(p); // the root folder
    let folder = folders.get(dir);
    if (folder === undefined) {
      folder = { real: realOrNull(dir), lookups: 0, listAt: opts.listAfter, names: null };
      folders.set(dir, folder);
    }
    if (folder.real === null) return null;
    const link = isLink(p, folder, dir, opts);
    if (link === null) return null;
    // A symlink takes the full walk, as before.
    if (link) return realOrNull(p);
    return join(folder.real, basename(p));
  };
}
