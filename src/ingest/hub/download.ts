/**
 * One file of a dataset repo into the cache: resumed, with progress, checked against the id and size the listing
 * gave. `@huggingface/hub`'s own `downloadFileToCacheDir` writes the same layout but is not used: it restarts an
 * interrupted download from zero (no Range resume of `blobs/<id>.incomplete`), reports no progress, never checks
 * the bytes against the listed id or size (a mirror's endless body fills the disk) and asks `paths-info` once per
 * file. Its `downloadFile` (the byte source, xet included) is used, with our `fetch` (time-outs, caps, token hosts).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { downloadFile } from '@huggingface/hub';
import { GadError } from '../../core/errors.js';
import { hfDownloadHint } from '../../core/hf-hints.js';
import { exists } from '../../core/fs.js';
import { linkSnapshot, repoStorage } from './cache.js';
import { HubLimitError, HubNetworkError, cacheDiskError, hubError, mirrorError, shownEndpoint } from './hub-errors.js';
import { hubFetch, shownBytes } from './fetch.js';
import type { RemoteFile } from './listing.js';
import { COMMIT, OID, inside, repoPathProblem } from './names.js';
import type { ResolvedHubOptions } from './hub-options.js';
import { fileChunks } from '../../core/file-chunks.js';

export type DownloadProgress = (e: { stage: 'download'; file: string; bytes: number; total: number | null }) => void;

/**
 * The id the Hub gives these bytes: for a 64-hex (LFS) id their sha256, for a 40-hex id their git blob
 * sha1 (`sha1("blob <size>\0" + bytes)`), so a downloaded file can be checked against its listed id.
 */
async function contentIdOf(path: string, kind: 'sha256' | 'git-sha1'): Promise<string> {
  const h = createHash(kind === 'sha256' ? 'sha256' : 'sha1');
  if (kind === 'git-sha1') h.update(`blob ${(await stat(path)).size}\0`);
  for await (const c of fileChunks(path)) h.update(c);
  return h.digest('hex');
}

/**
 * Download one file of a dataset repo at a commit into the cache (blob + snapshot symlink), resuming
 * a `blobs/<etag>.incomplete` left by an interrupted run with a Range request. Returns the snapshot path.
 */
export async function downloadToCache(
  repo: string,
  commit: string,
  file: RemoteFile,
  o: ResolvedHubOptions,
  onProgress?: DownloadProgress,
): Promise<string> {
  return (await fetchToCache(repo, commit, file, o, onProgress)).path;
}

/**
 * `downloadToCache`, also giving the sha256 of the bytes when this call downloaded an LFS file and checked them
 * against its id (null when the file was already in the cache: those bytes are not checked again here).
 */
export async function fetchToCache(
  repo: string,
  commit: string,
  file: RemoteFile,
  o: ResolvedHubOptions,
  onProgress?: DownloadProgress,
): Promise<{ path: string; sha256: string | null }> {
  try {
    return await fetchFile(repo, commit, file, o, onProgress);
  } catch (e) {
    // a full or unwritable cache disk is said as such (it used to read "cannot reach <endpoint>")
    throw cacheDiskError(e, o, `cannot download ${file.path} from ${repo}`) ?? e;
  }
}

async function fetchFile(
  repo: string,
  commit: string,
  file: RemoteFile,
  o: ResolvedHubOptions,
  onProgress?: DownloadProgress,
): Promise<{ path: string; sha256: string | null }> {
  const storage = repoStorage(o.cacheDir, repo);
  // checked here, where it matters: nothing from the mirror may name a file outside the cache
  if (!COMMIT.test(commit)) throw mirrorError(o, `'${commit.slice(0, 80)}' as the commit of ${repo}`);
  const badPath = repoPathProblem(file.path);
  if (badPath)
    throw mirrorError(o, `${badPath} for a file of ${repo} (${JSON.stringify(String(file.path).slice(0, 120))})`);
  if (!OID.test(file.etag))
    throw mirrorError(o, `the file id ${JSON.stringify(file.etag.slice(0, 80))} for ${file.path} of ${repo}`);
  const pointer = join(storage, 'snapshots', commit, file.path);
  const blobPath = join(storage, 'blobs', file.etag);
  if (!inside(join(storage, 'snapshots', commit), pointer) || !inside(join(storage, 'blobs'), blobPath)) {
    throw mirrorError(o, `a file name that leads outside the cache for ${file.path} of ${repo}`);
  }
  if (await exists(pointer)) return { path: pointer, sha256: null };
  await mkdir(dirname(blobPath), { recursive: true });
  if (await exists(blobPath)) {
    await linkSnapshot(blobPath, pointer);
    return { path: pointer, sha256: null };
  }
  const incomplete = `${blobPath}.incomplete`;
  let have = 0;
  try {
    have = (await stat(incomplete)).size;
  } catch {
    have = 0;
  }
  const fetcher = hubFetch({
    o,
    kind: 'download',
    what: `${file.path} of ${repo}, listed at ${shownBytes(file.size)}`,
    // each answer (the bytes; xet's reconstruction plan and ranges): the exact bound is the listed size,
    // checked below on what is written
    maxBytes: Math.max(file.size, o.maxAnswerBytes),
    limit: 'its listed size',
    raise: 'nothing of it was kept',
  });
  let blob: Blob | null;
  try {
    blob = await downloadFile({
      repo: { type: 'dataset', name: repo },
      path: file.path,
      revision: commit,
      hubUrl: o.endpoint,
      accessToken: o.token,
      fetch: fetcher,
    });
  } catch (e) {
    throw hubError(`cannot download ${file.path} from ${repo}`, fetcher.failure ?? e, o);
  }
  if (!blob)
    throw new GadError(`${file.path} is listed in ${repo}@${commit.slice(0, 8)} but the Hub says it does not exist`, {
      hint: `run again later; ${hfDownloadHint()}`,
    });
  // the listing's size bounds what is written: a mirror's other size (or an endless body) is refused
  if (blob.size !== file.size)
    throw mirrorError(o, `a size of ${blob.size} bytes for ${file.path} of ${repo}, listed at ${file.size} bytes`);
  const total = file.size;
  if (have > total) {
    await rm(incomplete, { force: true });
    have = 0;
  }
  let bytes = have;
  onProgress?.({ stage: 'download', file: `${repo}/${file.path}`, bytes, total });
  if (have < total) {
    const part = have > 0 ? blob.slice(have) : blob;
    let last = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        if (bytes > total) {
          cb(
            new HubLimitError(
              `the Hub at ${shownEndpoint(o.endpoint)} sent more than the listed ${shownBytes(total)} (${total} bytes) for ${file.path} of ${repo}; stopped, and the partial file was removed`,
              {
                hint: `${shownEndpoint(o.endpoint)} is not behaving like the Hugging Face Hub (a broken or hostile mirror?): check HF_ENDPOINT / hub.endpoint (e.g. HF_ENDPOINT=https://hf-mirror.com), or unset it; HF_HUB_OFFLINE=1 uses only the local cache`,
              },
            ),
          );
          return;
        }
        const now = Date.now();
        if (now - last > 200) {
          last = now;
          onProgress?.({ stage: 'download', file: `${repo}/${file.path}`, bytes, total });
        }
        cb(null, chunk);
      },
    });
    try {
      await pipeline(
        Readable.fromWeb(part.stream() as import('node:stream/web').ReadableStream<Uint8Array>),
        counter,
        createWriteStream(incomplete, { flags: have > 0 ? 'a' : 'w' }),
      );
    } catch (e) {
      // nothing of an answer over its listed size (or over a cap) is kept for a resume
      const cause = e instanceof HubLimitError ? e : (fetcher.failure ?? e);
      if (cause instanceof HubLimitError) await rm(incomplete, { force: true });
      // a stalled body: what came is kept and resumed by the next run
      if (cause instanceof HubNetworkError)
        throw new HubNetworkError(
          `download of ${file.path} from ${repo} was interrupted (${bytes} of ${total} bytes kept; run again to resume): ${cause.message}`,
          { hint: cause.hint, cause },
        );
      throw hubError(
        `download of ${file.path} from ${repo} was interrupted (${bytes} of ${total} bytes kept; run again to resume)`,
        cause,
        o,
      );
    }
  }
  const got = (await stat(incomplete)).size;
  if (got !== total) {
    throw new GadError(
      `download of ${file.path} from ${repo} is incomplete (${got} of ${total} bytes); run again to resume`,
      { hint: `run again to resume; ${hfDownloadHint()}` },
    );
  }
  // the bytes must be the ones the listing named (sha256 for LFS ids, git blob sha1 otherwise); a mismatch is
  // removed, so nothing unverified ever gets the blob's final name
  const kind = file.etag.length === 64 ? 'sha256' : 'git-sha1';
  const h = await contentIdOf(incomplete, kind);
  if (h !== file.etag) {
    await rm(incomplete, { force: true });
    const ep = shownEndpoint(o.endpoint);
    throw new GadError(
      `download of ${file.path} from ${repo} at ${ep} does not match its listed id (${kind} ${h.slice(0, 12)}… ≠ ${file.etag.slice(0, 12)}…); the file was removed`,
      {
        hint: `run again; if it repeats, ${ep} serves other bytes than it lists (a broken or hostile mirror?): check HF_ENDPOINT / hub.endpoint (e.g. HF_ENDPOINT=https://hf-mirror.com); HF_HUB_OFFLINE=1 uses only the local cache`,
      },
    );
  }
  await rename(incomplete, blobPath);
  await linkSnapshot(blobPath, pointer);
  onProgress?.({ stage: 'download', file: `${repo}/${file.path}`, bytes: total, total });
  return { path: pointer, sha256: kind === 'sha256' ? h : null };
}
