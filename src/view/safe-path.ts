/** Paths a request may name: inside the build folder, after `..`, percent-decoding and symlinks are resolved. */
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** The real path of `rel` inside `root` (a real path), or null when it is outside, absent or unreadable. */
export function insideRoot(root: string, rel: string): string | null {
  if (rel.includes('\0') || isAbsolute(rel)) return null;
  let real: string;
  try {
    real = realpathSync(resolve(root, rel));
  } catch {
    return null;
  }
  const r = relative(root, real);
  if (r === '' || r.startsWith(`..${sep}`) || r === '..' || isAbsolute(r)) return null;
  return real;
}
