/**
 * The realpath of an image file for the containment rule, with one `realpath` per folder instead of one per file:
 * Node's `realpathSync` walks every component of the path with an `lstat` each (6–8 system calls per image), while
 * a file's realpath is its folder's realpath joined with its name unless the file itself is a symlink. So: the
 * folder's realpath (cached), one `lstat` of the file, and the full walk only when the file is a symlink. The
 * answer is the same as `realpathSync`'s, null where it throws (a missing file or folder, a broken link).
 *
 * The cache lives for one build (`createRealPath()` per ingest): a folder moved or relinked while the build reads
 * is not followed, as a realpath taken earlier would not be either.
 */
import { lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export type RealPath = (absolutePath: string) => string | null;

function realOrNull(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

/** A realpath function with its own folder cache. `absolutePath` must be absolute and normalised (`resolve`d). */
export function createRealPath(): RealPath {
  const folders = new Map<string, string | null>();
  return (p) => {
    const dir = dirname(p);
    if (dir === p) return realOrNull(p); // the root folder
    let realDir = folders.get(dir);
    if (realDir === undefined) {
      realDir = realOrNull(dir);
      folders.set(dir, realDir);
    }
    if (realDir === null) return null;
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return null;
    }
    // A symlink (or anything else unusual) takes the full walk, as before.
    if (st.isSymbolicLink()) return realOrNull(p);
    return join(realDir, basename(p));
  };
}
