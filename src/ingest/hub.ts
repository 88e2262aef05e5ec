/**
 * Hugging Face Hub datasets through `@huggingface/hub`, cached in the layout Python's huggingface_hub
 * uses (`<cache>/datasets--owner--name/{blobs/<etag>, snapshots/<commit>/<path>, refs/<revision>}`),
 * so a dataset downloaded by Python is reused here and the other way round.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import {
  lstat,
  mkdir,
  readFile,
  readdir,
  rename,
  rm,
  stat,
  symlink,
  copyFile,
  writeFile,
  realpath,
} from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { datasetInfo, downloadFile, listFiles } from '@huggingface/hub';
import { GadError, describeError } from '../core/errors.js';
import { cardConfigs, defaultConfigName, pickLayoutSplit, resolveLayout, type ResolvedLayout } from './data-files.js';

export interface HubOptions {
  /** Hub URL; default env HF_ENDPOINT, else https://huggingface.co. */
  endpoint?: string;
  /** Access token; default env HF_TOKEN (or the token file under HF_HOME). Never printed. */
  token?: string;
  /** Hub cache folder; default env HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub. */
  cacheDir?: string;
  /** Cache only, no network; default env HF_HUB_OFFLINE=1. */
  offline?: boolean;
  /** Branch, tag or commit; default `main`. */
  revision?: string;
}

export interface ResolvedHubOptions {
  endpoint: string;
  token: string | undefined;
  cacheDir: string;
  offline: boolean;
  revision: string;
}

export type DownloadProgress = (e: { stage: 'download'; file: string; bytes: number; total: number | null }) => void;

const TRUE = new Set(['1', 'on', 'yes', 'true']);
const COMMIT = /^[0-9a-f]{40}$/;
/** File ids the Hub sends: a git blob sha1 (40 hex) or an LFS sha256 (64 hex), lowercase. */
const OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
export const CONVERTED_PARQUET_REVISION = 'refs/convert/parquet';

/** Options with the environment applied the way huggingface_hub reads it. */
export async function resolveHubOptions(
  opts: HubOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedHubOptions> {
  const hfHome = env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface');
  const cacheDir = opts.cacheDir || env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE || join(hfHome, 'hub');
  let token = opts.token || env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined;
  if (!token) {
    try {
      token = (await readFile(env.HF_TOKEN_PATH || join(hfHome, 'token'), 'utf8')).trim() || undefined;
    } catch {
      token = undefined;
    }
  }
  const endpoint = (opts.endpoint || env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, '');
  const offline = opts.offline ?? TRUE.has((env.HF_HUB_OFFLINE ?? '').toLowerCase());
  return { endpoint, token, cacheDir, offline, revision: opts.revision || 'main' };
}

/** `datasets--owner--name` */
export function repoFolderName(repo: string): string {
  return ['datasets', ...repo.split('/')].join('--');
}

export interface HubSplitFiles {
  repo: string;
  /** The revision asked for (`main`, a tag, or `refs/convert/parquet` when the converted branch was used). */
  revision: string;
  commit: string;
  /** Local snapshot paths, in repo path order. */
  files: Array<{ repoPath: string; localPath: string; bytes: number }>;
  /** true when the files came from the `refs/convert/parquet` branch. */
  converted: boolean;
  /** The dataset config the split belongs to (`default` when the card declares none). */
  config: string;
  /** The split's files came from the card's `configs:` (`card`), the file-name conventions, or the converted branch. */
  layout: 'card' | 'conventions' | 'converted';
}

/** Strip anything token-like from a message (defence in depth: errors from the client carry URLs only). */
function scrub(msg: string, token: string | undefined): string {
  let m = msg;
  if (token) m = m.split(token).join('***');
  return m.replace(/hf_[A-Za-z0-9]{8,}/g, 'hf_***');
}

function hubError(what: string, e: unknown, o: ResolvedHubOptions): GadError {
  const status = (e as { statusCode?: number }).statusCode;
  let hint: string | undefined;
  if (status === 401 || status === 403)
    hint = 'the dataset may be private or gated: set HF_TOKEN to a token that can read it';
  else if (status === 404) hint = 'check the dataset id and --revision';
  else if (status === undefined) hint = `cannot reach ${o.endpoint}; set HF_HUB_OFFLINE=1 to use the local cache only`;
  return new GadError(`${what}: ${scrub(describeError(e), o.token)}`, { hint, cause: e });
}

/** The endpoint as shown in messages (any user:password@ in it removed). */
function shownEndpoint(endpoint: string): string {
  try {
    const u = new URL(endpoint);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/+$/, '');
  } catch {
    return endpoint.replace(/\/\/[^/@]*@/, '//');
  }
}

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

/** A mirror (HF_ENDPOINT) answered something the Hub never sends: exit 2 naming it. */
function mirrorError(o: ResolvedHubOptions, what: string): GadError {
  const ep = shownEndpoint(o.endpoint);
  return new GadError(`the Hub at ${ep} sent ${what}; refusing it (nothing was written outside the cache)`, {
    hint: `${ep} is not behaving like the Hugging Face Hub (a broken or hostile mirror?): check HF_ENDPOINT / hub.endpoint, or unset it to use https://huggingface.co`,
  });
}

/** `path` inside `root` (lexically, after normalisation). */
function inside(root: string, path: string): boolean {
  const r = relative(root, path);
  return r !== '' && r !== '..' && !r.startsWith('..' + sep) && !isAbsolute(r);
}

function pathIsParquet(p: string): boolean {
  return p.toLowerCase().endsWith('.parquet');
}

/** Resolve a revision to its commit (network). */
async function resolveCommit(repo: string, revision: string, o: ResolvedHubOptions): Promise<string> {
  if (COMMIT.test(revision)) return revision;
  let sha: unknown;
  try {
    const info = await datasetInfo({
      name: repo,
      revision,
      hubUrl: o.endpoint,
      accessToken: o.token,
      additionalFields: ['sha'],
    });
    sha = (info as { sha?: unknown }).sha;
  } catch (e) {
    throw hubError(`cannot resolve ${repo} at revision ${revision}`, e, o);
  }
  // the commit names the cache folder snapshots/<commit>: only a 40-hex commit id is accepted
  if (typeof sha !== 'string' || !COMMIT.test(sha)) {
    throw mirrorError(
      o,
      `${sha === undefined || sha === null ? 'no commit' : `'${String(sha).slice(0, 80)}' as the commit`} for ${repo} at revision ${revision} (a commit is 40 lowercase hex digits)`,
    );
  }
  return sha;
}

interface RemoteFile {
  path: string;
  size: number;
  etag: string;
}

/**
 * In the `refs/convert/parquet` branch (`<config>/<split>/NNNN.parquet`, `<config>/partial-<split>/…` when the
 * Hub converted only the first rows): the files of one config and split. The config: the one asked for, else
 * the repo's default (`preferred`), else `default`, else the only one; anything else is an error listing them.
 */
function pickConverted(
  paths: string[],
  repo: string,
  split: string,
  config: string | null,
  preferred: string | null,
  warn: (m: string) => void,
): string[] {
  const byConfig = new Map<string, string[]>();
  for (const p of paths) {
    const parts = p.split('/');
    if (parts.length < 2) continue;
    const list = byConfig.get(parts[0]!) ?? [];
    list.push(p);
    byConfig.set(parts[0]!, list);
  }
  const configs = [...byConfig.keys()].sort();
  const where = `${repo} (${CONVERTED_PARQUET_REVISION})`;
  let chosen: string;
  if (config !== null) {
    if (!byConfig.has(config))
      throw new GadError(
        `config '${config}' does not exist in ${where}; available configs: ${configs.join(', ') || '(none)'}`,
      );
    chosen = config;
  } else if (preferred && byConfig.has(preferred)) chosen = preferred;
  else if (byConfig.has('default')) chosen = 'default';
  else if (configs.length === 1) chosen = configs[0]!;
  else {
    throw new GadError(`${where} has several configs and none is the default; pick one: ${configs.join(', ')}`, {
      hint: `write the config in the source spec: ${repo}:${configs[0]}@${split}`,
    });
  }
  const splits = new Map<string, { files: string[]; partial: boolean }>();
  for (const p of byConfig.get(chosen)!) {
    const parts = p.split('/');
    let name: string;
    let partial = false;
    if (parts.length === 3) {
      name = parts[1]!;
      if (name.startsWith('partial-')) {
        name = name.slice('partial-'.length);
        partial = true;
      }
    } else if (parts.length === 2) {
      // older layout: <config>/<dataset>-<split>[-NNNNN-of-NNNNN].parquet
      const m = /-([^-]+?)(?:-\d{5}-of-\d{5})?\.parquet$/.exec(parts[1]!);
      if (!m) continue;
      name = m[1]!;
    } else continue;
    const e = splits.get(name) ?? { files: [], partial: false };
    e.files.push(p);
    e.partial ||= partial;
    splits.set(name, e);
  }
  const got = splits.get(split);
  if (!got) {
    const have = [...splits.keys()].sort();
    throw new GadError(
      `split '${split}' does not exist in ${where} config '${chosen}'; available splits: ${have.join(', ') || '(none found)'}`,
      {
        hint: have.length ? `write ${repo}@${have[0]} (or another listed split)` : 'check the dataset id',
      },
    );
  }
  if (got.partial) {
    warn(
      `${where}: split '${split}' of config '${chosen}' is a PARTIAL conversion (the Hub converted only its first rows): the build gets fewer rows than load_dataset('${repo}') would`,
    );
  }
  return got.files.sort();
}

/** Every file of a repo at a commit (the listing `datasets` resolves data files against). */
async function listRemoteFiles(repo: string, commit: string, o: ResolvedHubOptions): Promise<RemoteFile[]> {
  const out: RemoteFile[] = [];
  try {
    for await (const f of listFiles({
      repo: { type: 'dataset', name: repo },
      revision: commit,
      recursive: true,
      hubUrl: o.endpoint,
      accessToken: o.token,
    })) {
      if (f.type !== 'file') continue;
      const etag = f.lfs?.oid ?? f.oid;
      if (!etag) throw new Error(`no oid for ${f.path}`);
      out.push({ path: f.path, size: f.lfs?.size ?? f.size, etag });
    }
  } catch (e) {
    if (e instanceof GadError) throw e;
    throw hubError(`cannot list the files of ${repo}@${commit.slice(0, 8)}`, e, o);
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The split layout of a repo's main files, as `datasets` resolves it (card `configs:`, then the conventions). */
function layoutOf(paths: string[], readme: string | null, repo: string, config: string | null): ResolvedLayout {
  return resolveLayout(paths, readme, config, repo);
}

/** Use the repo's own files when they are parquet and hold data; else the converted branch. */
function ownFilesUsable(layout: ResolvedLayout): boolean {
  return layout.module === 'parquet' && [...layout.splits.values()].some((l) => l.length > 0);
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function linkSnapshot(blobPath: string, pointerPath: string): Promise<void> {
  await mkdir(dirname(pointerPath), { recursive: true });
  await rm(pointerPath, { force: true });
  try {
    await symlink(relative(dirname(pointerPath), blobPath), pointerPath);
  } catch {
    await copyFile(blobPath, pointerPath);
  }
}

async function writeRef(storage: string, revision: string, commit: string): Promise<void> {
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

/**
 * The id the Hub gives these bytes: for a 64-hex (LFS) id their sha256, for a 40-hex id their git blob
 * sha1 (`sha1("blob <size>\0" + bytes)`), so a downloaded file can be checked against its listed id.
 */
async function contentIdOf(path: string, kind: 'sha256' | 'git-sha1'): Promise<string> {
  const h = createHash(kind === 'sha256' ? 'sha256' : 'sha1');
  if (kind === 'git-sha1') h.update(`blob ${(await stat(path)).size}\0`);
  for await (const c of createReadStream(path)) h.update(c as Buffer);
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
  const storage = join(o.cacheDir, repoFolderName(repo));
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
  if (await exists(pointer)) return pointer;
  await mkdir(dirname(blobPath), { recursive: true });
  if (await exists(blobPath)) {
    await linkSnapshot(blobPath, pointer);
    return pointer;
  }
  const incomplete = `${blobPath}.incomplete`;
  let have = 0;
  try {
    have = (await stat(incomplete)).size;
  } catch {
    have = 0;
  }
  let blob: Blob | null;
  try {
    blob = await downloadFile({
      repo: { type: 'dataset', name: repo },
      path: file.path,
      revision: commit,
      hubUrl: o.endpoint,
      accessToken: o.token,
    });
  } catch (e) {
    throw hubError(`cannot download ${file.path} from ${repo}`, e, o);
  }
  if (!blob)
    throw new GadError(`${file.path} is listed in ${repo}@${commit.slice(0, 8)} but the Hub says it does not exist`);
  const total = blob.size;
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
      throw hubError(
        `download of ${file.path} from ${repo} was interrupted (${bytes} of ${total} bytes kept; run again to resume)`,
        e,
        o,
      );
    }
  }
  const got = (await stat(incomplete)).size;
  if (got !== total) {
    throw new GadError(
      `download of ${file.path} from ${repo} is incomplete (${got} of ${total} bytes); run again to resume`,
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
        hint: `run again; if it repeats, ${ep} serves other bytes than it lists (a broken or hostile mirror?): check HF_ENDPOINT / hub.endpoint`,
      },
    );
  }
  await rename(incomplete, blobPath);
  await linkSnapshot(blobPath, pointer);
  onProgress?.({ stage: 'download', file: `${repo}/${file.path}`, bytes: total, total });
  return pointer;
}

async function walkFiles(root: string, rel = ''): Promise<string[]> {
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

async function cachedCommit(storage: string, revision: string): Promise<string | null> {
  if (COMMIT.test(revision)) return (await exists(join(storage, 'snapshots', revision))) ? revision : null;
  try {
    const c = (await readFile(join(storage, 'refs', revision), 'utf8')).trim();
    return COMMIT.test(c) && (await exists(join(storage, 'snapshots', c))) ? c : null;
  } catch {
    return null;
  }
}

async function localFiles(storage: string, commit: string, paths: string[]): Promise<HubSplitFiles['files']> {
  const out: HubSplitFiles['files'] = [];
  for (const p of paths) {
    const localPath = join(storage, 'snapshots', commit, p);
    let bytes = 0;
    try {
      bytes = (await stat(localPath)).size;
    } catch (e) {
      throw new GadError(`cached file ${p} of ${storage} points to a missing blob`, {
        hint: 'unset HF_HUB_OFFLINE to download it again',
        cause: e,
      });
    }
    out.push({ repoPath: p, localPath, bytes });
  }
  return out;
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

/** The repo itself cannot be reached (not found, refused, no network, not cached offline): the spec may have meant a local path. */
export class HubRepoUnreachable extends GadError {}

/** Offline: resolve the split from the cached snapshot (its README.md and the files cached), no network. */
async function resolveOffline(
  repo: string,
  split: string,
  config: string | null,
  o: ResolvedHubOptions,
  warn: (m: string) => void,
): Promise<HubSplitFiles> {
  const storage = join(o.cacheDir, repoFolderName(repo));
  const where = `${repo} (cached, HF_HUB_OFFLINE=1)`;
  const tried: string[] = [o.revision];
  const commit = await cachedCommit(storage, o.revision);
  let preferred: string | null = config;
  // the snapshot holds only what was downloaded: a card naming files that were never fetched (a repo read
  // through its converted branch) is no error here as long as the converted branch is cached
  let layoutError: unknown = null;
  if (commit) {
    const snap = join(storage, 'snapshots', commit);
    const paths = await walkFiles(snap);
    const readme = paths.includes('README.md') ? await readText(join(snap, 'README.md')) : null;
    try {
      preferred ??= defaultConfigName(cardConfigs(readme, where), where);
    } catch {
      /* reported by resolveLayout below */
    }
    try {
      const layout = resolveLayout(paths, readme, config, where);
      if (ownFilesUsable(layout)) {
        const chosen = pickLayoutSplit(layout, split, where);
        return {
          repo,
          revision: o.revision,
          commit,
          converted: false,
          config: layout.config,
          layout: layout.from,
          files: await localFiles(storage, commit, chosen),
        };
      }
    } catch (e) {
      layoutError = e;
    }
  }
  if (!COMMIT.test(o.revision)) {
    tried.push(CONVERTED_PARQUET_REVISION);
    const conv = await cachedCommit(storage, CONVERTED_PARQUET_REVISION);
    if (conv) {
      const paths = (await walkFiles(join(storage, 'snapshots', conv))).filter(pathIsParquet);
      if (paths.length) {
        const chosen = pickConverted(paths, repo, split, config, preferred, warn);
        return {
          repo,
          revision: CONVERTED_PARQUET_REVISION,
          commit: conv,
          converted: true,
          config: chosen[0]!.split('/')[0]!,
          layout: 'converted',
          files: await localFiles(storage, conv, chosen),
        };
      }
    }
  }
  if (layoutError) throw layoutError;
  throw new HubRepoUnreachable(
    `HF_HUB_OFFLINE=1 but ${repo} at revision ${o.revision} is not in the cache (${storage}; looked for refs ${tried.join(', ')})`,
    {
      hint: 'run once with network access (unset HF_HUB_OFFLINE), or point HF_HOME / HF_HUB_CACHE at the cache that holds it',
    },
  );
}

/**
 * The local parquet files of one split of a Hub dataset, downloading what the cache lacks, chosen as
 * `datasets.load_dataset(repo, config, split=split)` chooses them: the revision is resolved to a commit, the
 * dataset card (README.md, cached like every file) is read for its `configs:`, else the file-name conventions
 * decide (`data/<split>-NNNNN-of-NNNNN.parquet`, `train/`, `*_test.parquet`, ...). When the repo's data files
 * are not parquet (or there are none), the Hub's `refs/convert/parquet` branch is used. `config` null = the
 * repo's default config.
 */
export async function resolveHubSplit(
  repo: string,
  split: string,
  o: ResolvedHubOptions,
  opts: { config?: string | null; onProgress?: DownloadProgress; onWarning?: (m: string) => void } = {},
): Promise<HubSplitFiles> {
  const warn = opts.onWarning ?? (() => {});
  const config = opts.config ?? null;
  // the revision names the cache file refs/<revision>: a branch or tag name, never a path out of refs/
  const badRev = repoPathProblem(o.revision);
  if (badRev)
    throw new GadError(
      `revision ${JSON.stringify(o.revision)} of ${repo} is not a branch, tag or commit name (${badRev})`,
      { hint: 'check --revision / hub.revision' },
    );
  if (o.offline) return resolveOffline(repo, split, config, o, warn);
  if (o.token && !o.token.startsWith('hf_')) {
    throw new GadError('the Hub token (HF_TOKEN) does not look like a Hugging Face token (it must start with hf_)', {
      hint: 'check HF_TOKEN',
    });
  }
  const storage = join(o.cacheDir, repoFolderName(repo));
  let commit: string;
  try {
    commit = await resolveCommit(repo, o.revision, o);
  } catch (e) {
    const status = ((e as Error).cause as { statusCode?: number } | undefined)?.statusCode;
    if (e instanceof GadError && (status === undefined || status === 401 || status === 404)) {
      throw new HubRepoUnreachable(e.message, { hint: e.hint, cause: (e as Error).cause });
    }
    throw e;
  }
  const all = await listRemoteFiles(repo, commit, o);
  const card = all.find((f) => f.path === 'README.md');
  const readme = card ? await readText(await downloadToCache(repo, commit, card, o)) : null;
  await writeRef(storage, o.revision, commit);
  const layout = layoutOf(
    all.map((f) => f.path),
    readme,
    repo,
    config,
  );
  if (ownFilesUsable(layout)) {
    const chosen = pickLayoutSplit(layout, split, repo);
    const byPath = new Map(all.map((f) => [f.path, f]));
    const out: HubSplitFiles['files'] = [];
    for (const p of chosen) {
      const f = byPath.get(p)!;
      const localPath = await downloadToCache(repo, commit, f, o, opts.onProgress);
      out.push({ repoPath: f.path, localPath, bytes: f.size });
    }
    return {
      repo,
      revision: o.revision,
      commit,
      converted: false,
      config: layout.config,
      layout: layout.from,
      files: out,
    };
  }
  const why = layout.module === null ? 'has no data files' : `holds ${layout.module} data files, not parquet`;
  if (COMMIT.test(o.revision))
    throw new GadError(`${repo}@${o.revision.slice(0, 8)} ${why}`, {
      hint: `give a branch (the converted parquet lives in ${CONVERTED_PARQUET_REVISION})`,
    });
  let conv: string;
  try {
    conv = await resolveCommit(repo, CONVERTED_PARQUET_REVISION, o);
  } catch (e) {
    throw new GadError(
      `${repo}@${o.revision} ${why}, and it has no ${CONVERTED_PARQUET_REVISION} branch to fall back on`,
      { hint: 'convert the data to parquet, or point at local files', cause: e },
    );
  }
  const files = (await listRemoteFiles(repo, conv, o)).filter((f) => pathIsParquet(f.path));
  if (!files.length)
    throw new GadError(`${repo} has no parquet files, neither at ${o.revision} nor in ${CONVERTED_PARQUET_REVISION}`);
  warn(
    `${repo}@${o.revision} ${why}; using the Hub's converted parquet (${CONVERTED_PARQUET_REVISION} @ ${conv.slice(0, 8)}), which holds the rows datasets would load`,
  );
  const chosen = new Set(
    pickConverted(
      files.map((f) => f.path),
      repo,
      split,
      config,
      layout.configs.length ? layout.config : null,
      warn,
    ),
  );
  const out: HubSplitFiles['files'] = [];
  for (const f of files) {
    if (!chosen.has(f.path)) continue;
    const localPath = await downloadToCache(repo, conv, f, o, opts.onProgress);
    out.push({ repoPath: f.path, localPath, bytes: f.size });
  }
  await writeRef(storage, CONVERTED_PARQUET_REVISION, conv);
  return {
    repo,
    revision: CONVERTED_PARQUET_REVISION,
    commit: conv,
    converted: true,
    config: [...chosen][0]!.split('/')[0]!,
    layout: 'converted',
    files: out,
  };
}

/** Real path of a cache entry (the blob behind the snapshot symlink). */
export async function blobOf(snapshotPath: string): Promise<string> {
  const st = await lstat(snapshotPath);
  return st.isSymbolicLink() ? realpath(snapshotPath) : snapshotPath;
}
