/**
 * The model a build was made for, as the trainer can load it: the launch takes it unless the user names another
 * (`--model-path`, `$MODEL_PATH`, an override after `--`). The manifest records the model as the user named it
 * (`model.name`) and where its files came from (`model.source`; `model.localDir` for a model found in the ModelScope
 * cache, which the trainer is given as that folder).
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { HUB_REPO_ID } from '../core/hf-paths.js';
import type { Manifest } from '../core/types.js';

/** gad-data's bundled profiles (`--model qwen2.5-vl`): tokenizer and processor files only, no weights to train. */
const BUNDLED_PROFILES: readonly string[] = ['qwen2.5-vl', 'qwen3-vl'];

export interface BuildModel {
  /** What the trainer is given (a Hub id or a folder), or null when the build's model cannot be launched. */
  model: string | null;
  /** Why not, with the fix, when `model` is null; else where it came from. */
  why: string;
}

/** The build's model as a path or Hub id the trainer can load from `cwd` (the folder the trainer runs in). */
export function buildModelOf(m: Manifest, cwd: string): BuildModel {
  const name = m.model.name;
  const source = m.model.source ?? '';
  const named = `the build's model (manifest.json model.name ${name})`;
  if (!name || (BUNDLED_PROFILES.includes(name) && source.startsWith('bundled profile ('))) {
    return {
      model: null,
      why: `the build counted with gad-data's bundled ${name || m.model.family} profile (tokenizer and processor files, no weights): pass --model-path with the ${m.model.family} model you train, or set MODEL_PATH`,
    };
  }
  if (m.model.localDir) {
    const dir = m.model.localDir;
    if (existsSync(dir) && statSync(dir).isDirectory())
      return { model: dir, why: `${named}, from its folder in the ModelScope cache (${dir})` };
    return {
      model: null,
      why: `the build read ${name} from the ModelScope cache folder ${dir}, which is not found here (is the trainer on another machine?): pass --model-path with the model's folder on this machine, or set MODEL_PATH`,
    };
  }
  if (source.startsWith('local folder') || (!HUB_REPO_ID.test(name) && !source)) {
    const dir = isAbsolute(name) ? name : resolve(cwd, name);
    if (existsSync(dir) && statSync(dir).isDirectory()) return { model: dir, why: named };
    return {
      model: null,
      why: `the build's model was the local folder ${name}, which is not found from ${cwd} (the manifest records it relative to the build's working folder): pass --model-path with that folder, or set MODEL_PATH`,
    };
  }
  return { model: name, why: named };
}
