/** A Hub split from the cache alone (HF_HUB_OFFLINE=1): the cached snapshot's card and files, no network. */
import { join } from 'node:path';
import { GadError } from '../../core/errors.js';
import { readTextOrNull } from '../../core/fs.js';
import { HF_MIRROR_EXAMPLE } from '../../core/hf-hints.js';
import { cardConfigs, defaultConfigName } from '../dataset-card.js';
import { pickLayoutSplit, resolveLayout } from '../data-files.js';
import { cachedCommit, localFiles, repoStorage, walkFiles } from './cache.js';
import { CONVERTED_PARQUET_REVISION, pathIsParquet, pickConverted } from './converted.js';
import { HubRepoUnreachable } from './hub-errors.js';
import { COMMIT } from './names.js';
import type { ResolvedHubOptions } from './hub-options.js';
import { convertedSplitFiles, ownFilesUsable, ownSplitFiles, type HubSplitFiles } from './split-files.js';

/** Offline: resolve the split from the cached snapshot (its README.md and the files cached), no network. */
export async function resolveOffline(p: {
  repo: string;
  split: string;
  config: string | null;
  o: ResolvedHubOptions;
  warn: (m: string) => void;
  /** The Hub could not be reached and the cache is tried instead (not HF_HUB_OFFLINE). */
  fallback?: boolean;
}): Promise<HubSplitFiles> {
  const { repo, split, config, o, warn } = p;
  const storage = repoStorage(o.cacheDir, repo);
  const where = `${repo} (cached${p.fallback ? '' : ', HF_HUB_OFFLINE=1'})`;
  const tried: string[] = [o.revision];
  const commit = await cachedCommit(storage, o.revision);
  let preferred: string | null = config;
  // the snapshot holds only what was downloaded: a card naming files that were never fetched (a repo read
  // through its converted branch) is no error here as long as the converted branch is cached
  let layoutError: unknown = null;
  if (commit) {
    const snap = join(storage, 'snapshots', commit);
    const paths = await walkFiles(snap);
    const readme = paths.includes('README.md') ? await readTextOrNull(join(snap, 'README.md')) : null;
    try {
      preferred ??= defaultConfigName(cardConfigs(readme, where), where);
    } catch {
      /* reported by resolveLayout below */
    }
    try {
      const layout = resolveLayout(paths, readme, config, where);
      if (ownFilesUsable(layout)) {
        const chosen = pickLayoutSplit(layout, split, where);
        refuseIncompleteSeries(chosen, where);
        return ownSplitFiles({
          repo,
          revision: o.revision,
          commit,
          layout,
          files: await localFiles(storage, commit, chosen),
        });
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
        const chosen = pickConverted({ paths, repo, split, config, preferred, warn });
        return convertedSplitFiles({ repo, commit: conv, chosen, files: await localFiles(storage, conv, chosen) });
      }
    }
  }
  if (layoutError) throw layoutError;
  throw new HubRepoUnreachable(
    `HF_HUB_OFFLINE=1 but ${repo} at revision ${o.revision} is not in the cache (${storage}; looked for refs ${tried.join(', ')})`,
    {
      hint: `run once with network access (unset HF_HUB_OFFLINE; through a mirror: HF_ENDPOINT=${HF_MIRROR_EXAMPLE}), or point HF_HOME / HF_HUB_CACHE at the cache that holds it`,
    },
  );
}

const SERIES = /^(.*)-(\d{5})-of-(\d{5})\.[^/]+$/;

/**
 * The cache holds only what an earlier run downloaded: a split whose shards are named `…-00000-of-00003.parquet`
 * with one of them absent (a download that stopped) would silently build from part of the split. Refused.
 */
export function refuseIncompleteSeries(paths: string[], where: string): void {
  const series = new Map<string, { total: number; have: Set<number> }>();
  for (const p of paths) {
    const m = SERIES.exec(p);
    if (!m) continue;
    const key = `${m[1]}:${m[3]}`;
    const s = series.get(key) ?? { total: Number(m[3]), have: new Set<number>() };
    s.have.add(Number(m[2]));
    series.set(key, s);
  }
  for (const [key, s] of series) {
    const missing = Array.from({ length: s.total }, (_, i) => i).filter((i) => !s.have.has(i));
    if (!missing.length) continue;
    const prefix = key.slice(0, key.lastIndexOf(':'));
    const name = (i: number) => `${prefix}-${String(i).padStart(5, '0')}-of-${String(s.total).padStart(5, '0')}`;
    throw new GadError(
      `${where}: the cache holds ${s.have.size} of the ${s.total} shards of ${prefix} (missing ${missing.slice(0, 3).map(name).join(', ')}${missing.length > 3 ? ', …' : ''}), so the split would be built from part of its rows`,
      {
        hint: `run once with network access (unset HF_HUB_OFFLINE; through a mirror: HF_ENDPOINT=${HF_MIRROR_EXAMPLE}) to finish the download, or point HF_HOME / HF_HUB_CACHE at a cache that holds every shard`,
        exitCode: 2,
      },
    );
  }
}
