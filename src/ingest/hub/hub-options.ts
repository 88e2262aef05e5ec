/** Hub client options: the config's `hub:` values with the environment applied as huggingface_hub reads it. */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { GadError } from '../../core/errors.js';
import { DEFAULT_REVISION, HUB_URL, hfHome, hfHubCacheDir } from '../../core/hf-paths.js';

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
  /**
   * Seconds the Hub may stay silent (to connect and answer, then between two pieces of an answer) before it is
   * given up; default env HF_HUB_ETAG_TIMEOUT (API answers) / HF_HUB_DOWNLOAD_TIMEOUT (file downloads), else 10
   * as in huggingface_hub.
   */
  timeout?: number;
  /** Largest JSON answer or file listing (all its pages together), in MB; default 64. */
  maxAnswerMb?: number;
  /** Most pages of one file listing; default 1000 (a million files at the Hub's 1000 a page). */
  maxPages?: number;
  /** Hosts (`host` or `host:port`) besides the endpoint's that may receive the token; default none. */
  tokenHosts?: string[];
}

export interface ResolvedHubOptions {
  endpoint: string;
  token: string | undefined;
  cacheDir: string;
  offline: boolean;
  revision: string;
  /** Seconds of silence before an API answer (info, listing) / a file download is given up. */
  timeouts: { api: number; download: number };
  maxAnswerBytes: number;
  maxPages: number;
  tokenHosts: string[];
  /** One-line notes for the user (e.g. the token kept from a host); each key said once. */
  note?: (key: string, message: string) => void;
}

/** huggingface_hub's DEFAULT_ETAG_TIMEOUT and DEFAULT_DOWNLOAD_TIMEOUT (constants.py), in seconds. */
export const DEFAULT_HUB_TIMEOUT = 10;
export const DEFAULT_MAX_ANSWER_MB = 64;
export const DEFAULT_MAX_PAGES = 1000;

const TRUE = new Set(['1', 'on', 'yes', 'true']);

/** A positive number of seconds from an environment variable (unset or empty: null; `0` means the default, as in huggingface_hub). */
function envSeconds(env: NodeJS.ProcessEnv, name: string): number | null {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return null;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0)
    throw new GadError(`${name}=${JSON.stringify(raw.slice(0, 40))} is not a number of seconds`, {
      hint: `set ${name} to a whole number of seconds (huggingface_hub's default is ${DEFAULT_HUB_TIMEOUT}), or unset it`,
    });
  return n === 0 ? null : n;
}

/**
 * The cache folder must be a folder or not exist yet: `HF_HOME` (or `HF_HUB_CACHE`) naming a file would make every
 * write fail with ENOTDIR deep in a download. Said up front, naming the variable.
 */
async function checkCacheDir(cacheDir: string, env: NodeJS.ProcessEnv, fromOption: boolean): Promise<void> {
  for (let p = resolve(cacheDir); ; p = dirname(p)) {
    let isDir: boolean;
    try {
      isDir = (await stat(p)).isDirectory();
    } catch {
      if (dirname(p) === p) return;
      continue;
    }
    if (isDir) return;
    const by = fromOption
      ? 'hub.cache_dir'
      : env.HF_HUB_CACHE
        ? 'HF_HUB_CACHE'
        : env.HUGGINGFACE_HUB_CACHE
          ? 'HUGGINGFACE_HUB_CACHE'
          : env.HF_HOME
            ? 'HF_HOME'
            : 'the default cache location';
    throw new GadError(`the Hugging Face cache ${cacheDir} (from ${by}) cannot be used: ${p} is a file, not a folder`, {
      hint: `point ${by === 'the default cache location' ? 'HF_HOME' : by} at a folder (or move the file ${p} away)`,
    });
  }
}

/** Options with the environment applied the way huggingface_hub reads it. */
export async function resolveHubOptions(
  opts: HubOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedHubOptions> {
  const cacheDir = opts.cacheDir || hfHubCacheDir(env);
  await checkCacheDir(cacheDir, env, Boolean(opts.cacheDir));
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
  const timeouts = {
    api: opts.timeout ?? envSeconds(env, 'HF_HUB_ETAG_TIMEOUT') ?? DEFAULT_HUB_TIMEOUT,
    download: opts.timeout ?? envSeconds(env, 'HF_HUB_DOWNLOAD_TIMEOUT') ?? DEFAULT_HUB_TIMEOUT,
  };
  return {
    endpoint,
    token,
    cacheDir,
    offline,
    revision: opts.revision || DEFAULT_REVISION,
    timeouts,
    maxAnswerBytes: Math.round((opts.maxAnswerMb ?? DEFAULT_MAX_ANSWER_MB) * 1024 * 1024),
    maxPages: opts.maxPages ?? DEFAULT_MAX_PAGES,
    tokenHosts: (opts.tokenHosts ?? []).map((h) => h.toLowerCase()),
  };
}
