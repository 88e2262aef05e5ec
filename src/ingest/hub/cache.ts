/**
 * The cache layout Python's huggingface_hub uses (`<cache>/datasets--owner--name/{blobs/<etag>,
 * snapshots/<commit>/<path>, refs/<revision>}`): the repo's folder, snapshot links, refs, what a snapshot holds.
 * The folder name is `@huggingface/hub`'s (`getRepoFolderName`). Its `scanCachedRepo` is not used to read a
 * snapshot: it stats every blob of every cached revision where one revision is needed, and throws when `refs/` is
 * missing (a cache holding only a commit) or a stray file sits in `snapshots/`; its symlink helper is not exported.
 */
import { copyFile, mkdir, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { GadError } from '../../core/errors.js';
import { exists } from '../../core/fs.js';
import { HF_MIRROR_EXAMPLE } from '../../core/hf-hints.js';
import { hubRepoFolderName } from '../../core/hf-paths.js';
import { COMMIT } from './names.js';
import type { HubSplitFiles } from './split-files.js';

/** `datasets--owner--name` */
export function repoFolderName(repo: string): string {
  return hubRepoFolderName(repo, 'dataset');
}

/** The cache folder of one dataset repo. */
export function repoStorage(cacheDir: string, repo: string): string {
  return join(cacheDir, repoFolderName(repo));
}

/** `snapshots/<commit>/<path>` → the blob: a relative symlink, a copy where links cannot be made. */
export async function linkSnapshot(blobPath: string, pointerPath: string): Promise<void> {
  await mkdir(dirname(pointerPath), { recursive: true });
  await rm(pointerPath, { force: true });
  try {
    await symlink(relative(dirname(pointerPath), blobPath), pointerPath);
  } catch {
    await copyFile(blobPath, pointerPath);
  }
}

/** `refs/<revision>` → the commit it resolved to (nothing for a commit, nothing written when unchanged). */
export async function writeRef(storage: string, revision: string, commit: string): Promise<void> {
  if (revision === commit) return;
  const refPath = join(storage, 'refs', revision);
  await mkdir(dirname(refPath), { recursive: true });
  let current: string | null = null;
  try {
    current = (await readFile(refPath, 'utf8')).trim();
  } catch {
    current = null;
  }
  if (current !== commit) await writeFile(refPath, commit);
}

/** Every file below `root` (links included), as `/`-separated paths relative to it; none when it is missing. */
export async function walkFiles(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(join(root, rel), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walkFiles(root, r)));
    else if (e.isFile() || e.isSymbolicLink()) out.push(r);
  }
  return out;
}

/** The cached commit of a revision (a ref file, or the commit itself) whose snapshot exists, or null. */
export async function cachedCommit(storage: string, revision: string): Promise<string | null> {
  if (COMMIT.test(revision)) return (await exists(join(storage, 'snapshots', revision))) ? revision : null;
  try {
    const c = (await readFile(join(storage, 'refs', revision), 'utf8')).trim();
    return COMMIT.test(c) && (await exists(join(storage, 'snapshots', c))) ? c : null;
  } catch {
    return null;
  }
}

/** The snapshot paths of `paths` at a commit with their sizes; a missing blob is an error. */
export async function localFiles(storage: string, commit: string, paths: string[]): Promise<HubSplitFiles['files']> {
  const out: HubSplitFiles['files'] = [];
  for (const p of paths) {
    const localPath = join(storage, 'snapshots', commit, p);
    let bytes = 0;
    try {
      bytes = (await stat(localPath)).size;
    } catch (e) {
      throw new GadError(`cached file ${p} of ${storage} points to a missing blob`, {
        hint: `unset HF_HUB_OFFLINE to download it again (through a mirror: HF_ENDPOINT=${HF_MIRROR_EXAMPLE})`,
        cause: e,
      });
    }
    out.push({ repoPath: p, localPath, bytes });
  }
  return out;
}
