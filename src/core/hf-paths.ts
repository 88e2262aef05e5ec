/**
 * Where huggingface_hub keeps its files, as its `constants.py` finds them, for the Hub client (datasets) and for
 * model folders in the cache. Not @huggingface/hub's getHFHubCachePath: it reads only process.env and takes a
 * set-but-empty variable as the path. Also what a Hub repo id looks like, and its folder name in the cache.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** A Hub repo id, `owner/name` (no `:config` or `@revision` suffix): datasets in source specs, models. */
export const HUB_REPO_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/*
 * @huggingface/hub's rule and defaults, written out here so that a build from local files does not load the Hub
 * client (about 0.05 s of CPU with its WebAssembly) for three values; test/ingest/hub-constants.test.ts checks
 * them against the library's getRepoFolderName, HUB_URL and DEFAULT_REVISION.
 */

/** A repo's folder in the hub cache: `models--owner--name`, `datasets--owner--name` (@huggingface/hub's rule). */
export function hubRepoFolderName(repo: string, type: 'model' | 'dataset'): string {
  return [`${type}s`, ...repo.split('/')].join('--');
}

/** The Hub's address when HF_ENDPOINT does not set another (@huggingface/hub's HUB_URL). */
export const HUB_URL = 'https://huggingface.co';

/** The revision read when none is given (@huggingface/hub's DEFAULT_REVISION). */
export const DEFAULT_REVISION = 'main';

/** `$HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`. */
export function hfHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface');
}

/** The hub cache folder: `$HF_HUB_CACHE`, `$HUGGINGFACE_HUB_CACHE`, else `hfHome()/hub`. */
export function hfHubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE || join(hfHome(env), 'hub');
}
