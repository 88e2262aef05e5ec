/** Hub client options: the config's `hub:` values with the environment applied as huggingface_hub reads it. */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_REVISION, HUB_URL } from '@huggingface/hub';

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

const TRUE = new Set(['1', 'on', 'yes', 'true']);

/** Options with the environment applied the way huggingface_hub reads it. */
export async function resolveHubOptions(
  opts: HubOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedHubOptions> {
  // Not @huggingface/hub's getHFHubCachePath: it reads only process.env and takes a set-but-empty variable as the path.
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
  const endpoint = (opts.endpoint || env.HF_ENDPOINT || HUB_URL).replace(/\/+$/, '');
  const offline = opts.offline ?? TRUE.has((env.HF_HUB_OFFLINE ?? '').toLowerCase());
  return { endpoint, token, cacheDir, offline, revision: opts.revision || DEFAULT_REVISION };
}
