/** Hub client options: the config's `hub:` values with the environment applied as huggingface_hub reads it. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_REVISION, HUB_URL } from '@huggingface/hub';
import { hfHome, hfHubCacheDir } from '../../core/hf-paths.js';

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
  const cacheDir = opts.cacheDir || hfHubCacheDir(env);
  let token = opts.token || env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined;
  if (!token) {
    try {
      token = (await readFile(env.HF_TOKEN_PATH || join(hfHome(env), 'token'), 'utf8')).trim() || undefined;
    } catch {
      token = undefined;
    }
  }
  const endpoint = (opts.endpoint || env.HF_ENDPOINT || HUB_URL).replace(/\/+$/, '');
  const offline = opts.offline ?? TRUE.has((env.HF_HUB_OFFLINE ?? '').toLowerCase());
  return { endpoint, token, cacheDir, offline, revision: opts.revision || DEFAULT_REVISION };
}
