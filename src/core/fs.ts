/** Small file-system helpers shared by the stages (no stage logic here). */
import { lstat, readFile, stat } from 'node:fs/promises';

/** Whether something exists at `path`; `follow: false` looks at a symlink itself (lstat), not at its target. */
export async function exists(path: string, opts: { follow?: boolean } = {}): Promise<boolean> {
  try {
    await (opts.follow === false ? lstat(path) : stat(path));
    return true;
  } catch {
    return false;
  }
}

/** A file's UTF-8 text, or null when it cannot be read. */
export async function readTextOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}
