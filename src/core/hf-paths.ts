/**
 * Where huggingface_hub keeps its files, as its `constants.py` finds them, for the Hub client (datasets) and for
 * model folders in the cache. Not @huggingface/hub's getHFHubCachePath: it reads only process.env and takes a
 * set-but-empty variable as the path.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `$HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`. */
export function hfHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface');
}

/** The hub cache folder: `$HF_HUB_CACHE`, `$HUGGINGFACE_HUB_CACHE`, else `hfHome()/hub`. */
export function hfHubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE || join(hfHome(env), 'hub');
}
