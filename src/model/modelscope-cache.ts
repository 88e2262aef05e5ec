/**
 * Where ModelScope keeps a model it downloaded, as its own code lays the cache out (modelscope/utils/file_utils.py,
 * modelscope/hub/utils/utils.py), so that `--model Qwen/Qwen3-VL-8B-Instruct` finds what `modelscope download` or
 * ms-swift (`--use_hf false`, its default) put on the machine:
 * - the cache root is `$MODELSCOPE_CACHE`, else `~/.cache/modelscope/hub`;
 * - current versions store a model in `<root>/models/<owner>/<name>`, older ones in `<root>/<owner>/<name>` (and,
 *   when `MODELSCOPE_CACHE` named the folder above `hub/`, `<root>/hub/<owner>/<name>`);
 * - a `.` in the id is stored as `___` (`Qwen/Qwen2___5-VL-7B-Instruct`).
 * A folder counts only when it holds the files a build needs (tokenizer.json), so a download that stopped early is
 * not taken for the model.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `$MODELSCOPE_CACHE` (with `~` expanded, as ModelScope expands it), else `~/.cache/modelscope/hub`. */
export function modelscopeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const set = env.MODELSCOPE_CACHE;
  if (set) return set === '~' || set.startsWith('~/') ? join(homedir(), set.slice(1)) : set;
  return join(homedir(), '.cache', 'modelscope', 'hub');
}

/** The id as ModelScope stores it on disk: every `.` becomes `___`. */
export function modelscopeMaskedId(id: string): string {
  return id.replace(/\./g, '___');
}

/** Every folder ModelScope may have stored `id` in, most recent layout first. */
export function modelscopeCandidates(id: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const root = modelscopeCacheDir(env);
  const names = [...new Set([modelscopeMaskedId(id), id])];
  const bases = [join(root, 'models'), root, join(root, 'hub')];
  return bases.flatMap((base) => names.map((n) => join(base, ...n.split('/'))));
}

/** The first candidate folder that holds a model's tokenizer, or null. */
export function findInModelscopeCache(id: string, env: NodeJS.ProcessEnv = process.env): string | null {
  return modelscopeCandidates(id, env).find((dir) => existsSync(join(dir, 'tokenizer.json'))) ?? null;
}
