/** One split of a Hub dataset as local parquet files, chosen as `datasets.load_dataset` chooses them. */
import { GadError } from '../../core/errors.js';
import { readTextOrNull } from '../../core/fs.js';
import { pickLayoutSplit, resolveLayout } from '../data-files.js';
import { repoStorage, writeRef } from './cache.js';
import { CONVERTED_PARQUET_REVISION, pathIsParquet, pickConverted } from './converted.js';
import { downloadToCache, fetchToCache, type DownloadProgress } from './download.js';
import { HubLimitError, HubNetworkError, HubRepoUnreachable } from './hub-errors.js';
import { listRemoteFiles, resolveCommit } from './listing.js';
import { COMMIT, repoPathProblem } from './names.js';
import type { ResolvedHubOptions } from './hub-options.js';
import { resolveOffline } from './offline.js';
import { convertedSplitFiles, ownFilesUsable, ownSplitFiles, type HubSplitFiles } from './split-files.js';
import { isObject } from '../../core/guards.js';

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
  if (o.offline) return resolveOffline({ repo, split, config, o, warn });
  try {
    return await resolveOnline({ repo, split, config, o, warn, onProgress: opts.onProgress });
  } catch (e) {
    if (!(e instanceof HubNetworkError)) throw e;
    // as huggingface_hub's snapshot_download: the Hub cannot be reached (no answer in time, refused, a server
    // error), but the cache holds the revision's snapshot with every file of the split → use it, say so once
    let cached: HubSplitFiles;
    try {
      cached = await resolveOffline({ repo, split, config, o, warn, fallback: true });
    } catch {
      throw e;
    }
    warn(
      `${repo}: ${e.message.replace(/\s*\n[\s\S]*$/, '')}; using the cached snapshot ${cached.commit.slice(0, 8)} of ${cached.revision} instead (set HF_HUB_OFFLINE=1 to skip the wait, or HF_ENDPOINT=https://hf-mirror.com to use a mirror)`,
    );
    return cached;
  }
}

async function resolveOnline(p: {
  repo: string;
  split: string;
  config: string | null;
  o: ResolvedHubOptions;
  warn: (m: string) => void;
  onProgress?: DownloadProgress;
}): Promise<HubSplitFiles> {
  const { repo, split, config, o, warn } = p;
  const opts = { onProgress: p.onProgress };
  if (o.token && !o.token.startsWith('hf_')) {
    throw new GadError('the Hub token (HF_TOKEN) does not look like a Hugging Face token (it must start with hf_)', {
      hint: 'check HF_TOKEN',
    });
  }
  const storage = repoStorage(o.cacheDir, repo);
  let commit: string;
  try {
    commit = await resolveCommit(repo, o.revision, o);
  } catch (e) {
    const cause = isObject(e) ? e.cause : undefined;
    const status = isObject(cause) && typeof cause.statusCode === 'number' ? cause.statusCode : undefined;
    if (e instanceof HubNetworkError || e instanceof HubLimitError) throw e;
    if (e instanceof GadError && (status === undefined || status === 401 || status === 404)) {
      throw new HubRepoUnreachable(e.message, { hint: e.hint, cause });
    }
    throw e;
  }
  const all = await listRemoteFiles(repo, commit, o);
  const card = all.find((f) => f.path === 'README.md');
  const readme = card ? await readTextOrNull(await downloadToCache(repo, commit, card, o)) : null;
  await writeRef(storage, o.revision, commit);
  const layout = resolveLayout(
    all.map((f) => f.path),
    readme,
    config,
    repo,
  );
  if (ownFilesUsable(layout)) {
    const chosen = pickLayoutSplit(layout, split, repo);
    const byPath = new Map(all.map((f) => [f.path, f]));
    const out: HubSplitFiles['files'] = [];
    for (const p of chosen) {
      const f = byPath.get(p)!;
      const got = await fetchToCache(repo, commit, f, o, opts.onProgress);
      out.push({ repoPath: f.path, localPath: got.path, bytes: f.size, ...(got.sha256 ? { sha256: got.sha256 } : {}) });
    }
    return ownSplitFiles({ repo, revision: o.revision, commit, layout, files: out });
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
    pickConverted({
      paths: files.map((f) => f.path),
      repo,
      split,
      config,
      preferred: layout.configs.length ? layout.config : null,
      warn,
    }),
  );
  const out: HubSplitFiles['files'] = [];
  for (const f of files) {
    if (!chosen.has(f.path)) continue;
    const got = await fetchToCache(repo, conv, f, o, opts.onProgress);
    out.push({ repoPath: f.path, localPath: got.path, bytes: f.size, ...(got.sha256 ? { sha256: got.sha256 } : {}) });
  }
  await writeRef(storage, CONVERTED_PARQUET_REVISION, conv);
  return convertedSplitFiles({ repo, commit: conv, chosen: [...chosen], files: out });
}
