/**
 * What a Hub (or a mirror posing as one) may name: a commit, a file id, a path inside a repo. Everything it sends
 * is checked against these before it names a file in the cache.
 */
import { isAbsolute, relative, sep } from 'node:path';
import { REGEX_COMMIT_HASH } from '@huggingface/hub';

/** A commit id: 40 lowercase hex digits. */
export const COMMIT = REGEX_COMMIT_HASH;
/** File ids the Hub sends: a git blob sha1 (40 hex) or an LFS sha256 (64 hex), lowercase. */
export const OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * Why `p` cannot be a path inside a repo (null when it can): the Hub lists relative, `/`-separated paths
 * without `.`/`..`/empty segments, backslashes or NUL. Such a path joined under `snapshots/<commit>/`
 * stays there.
 */
export function repoPathProblem(p: unknown): string | null {
  if (typeof p !== 'string' || !p) return 'an empty or non-text path';
  if (p.includes('\0')) return 'a path with a NUL character';
  if (p.includes('\\')) return 'a path with a backslash';
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) return 'an absolute path';
  for (const seg of p.split('/')) {
    if (seg === '..') return "a path with a '..' segment";
    if (seg === '.' || seg === '') return "a path with an empty or '.' segment";
  }
  return null;
}

/** `path` inside `root` (lexically, after normalisation). */
export function inside(root: string, path: string): boolean {
  const r = relative(root, path);
  return r !== '' && r !== '..' && !r.startsWith('..' + sep) && !isAbsolute(r);
}
