/**
 * Where a model's files are: a bundled profile (`fixtures/models/<name>/`), a local folder, or a Hub id in the
 * Hugging Face cache (found as transformers' `from_pretrained` would) or in the ModelScope cache (as
 * `modelscope download` and ms-swift store it), offline: nothing is ever downloaded.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { ModelSource } from '../core/defaults.js';
import { GadError } from '../core/errors.js';
import { HUB_REPO_ID, hfHubCacheDir, hubRepoFolderName } from '../core/hf-paths.js';
import { modelDownloadHint } from '../core/hf-hints.js';
import { findInModelscopeCache, modelscopeCacheDir } from './modelscope-cache.js';

/** Models shipped in `fixtures/models/<name>/`, usable offline with `--model <name>`. */
export const BUNDLED_MODELS: readonly string[] = ['qwen2.5-vl', 'qwen3-vl'];

/** A Hugging Face cache folder (`models--Org--Name`) resolves to the snapshot `refs/main` names (or its only snapshot). */
export function resolveHfCacheDir(dir: string, given: string): string {
  const snaps = join(dir, 'snapshots');
  if (existsSync(join(dir, 'tokenizer.json')) || !existsSync(snaps)) return dir;
  const ref = join(dir, 'refs', 'main');
  if (existsSync(ref)) {
    const commit = readFileSync(ref, 'utf8').trim();
    if (commit && existsSync(join(snaps, commit))) return join(snaps, commit);
  }
  const entries = readdirSync(snaps).filter((e) => statSync(join(snaps, e)).isDirectory());
  if (entries.length === 1) return join(snaps, entries[0]!);
  throw new GadError(
    `model folder ${given} is a Hugging Face cache folder with ${entries.length} snapshots and no refs/main`,
    {
      hint: `give one snapshot folder: ${given}/snapshots/<commit>`,
    },
  );
}

/**
 * Hub model ids whose files the bundled profiles are, byte for byte: only these ids may fall back to a bundled
 * profile when the model is not in the Hugging Face cache. (The bundled `qwen3-vl` set is assembled from public
 * copies — see fixtures/models/qwen3-vl/SOURCE.txt — so no Hub id maps to it.)
 */
export const BUNDLED_HUB_IDS: Readonly<Record<string, { profile: string; revision: string }>> = {
  'Qwen/Qwen2.5-VL-7B-Instruct': { profile: 'qwen2.5-vl', revision: 'cc594898137f460bfe9f0759e9844b3ce807cfb5' },
};

export interface LocatedModel {
  /** What loadModelProfile takes: a bundled name or a folder. */
  path: string;
  /** Which kind of place the files came from. */
  kind: 'bundled' | 'local' | 'hf-cache' | 'modelscope-cache';
  /**
   * The folder a trainer should load the model from when the name alone would not find it: set for a model in the
   * ModelScope cache (verl and EasyR1 load Hub ids from the Hugging Face Hub, not from there).
   */
  localDir?: string;
  /** The model as the user named it (a Hub id stays a Hub id). */
  name: string;
  /** Where the files come from, for the log and the manifest (`describe` formats the folder, e.g. relative). */
  from: string;
  describe(fmt: (path: string) => string): string;
}

/**
 * Find the files of a model as transformers' `from_pretrained(model)` would, offline: a bundled name, a local
 * folder (relative to `cwd`), or a Hub id in the Hugging Face cache (`models--owner--name/snapshots/<rev>/`).
 * Nothing is downloaded. A Hub id that is not cached falls back to a bundled profile only when the bundled
 * files are that model's (BUNDLED_HUB_IDS); otherwise a GadError says how to provide the files.
 */
export function locateModel(
  ref: string,
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; key?: string; source?: ModelSource } = {},
): LocatedModel {
  const cwd = opts.cwd ?? process.cwd();
  const key = opts.key ?? '--model';
  const source = opts.source ?? 'auto';
  const located = (
    path: string,
    kind: LocatedModel['kind'],
    what: (f: (p: string) => string) => string,
    localDir?: string,
  ): LocatedModel => ({
    path,
    kind,
    name: ref,
    from: what((p) => p),
    describe: what,
    ...(localDir ? { localDir } : {}),
  });
  if (BUNDLED_MODELS.includes(ref)) return located(ref, 'bundled', () => `bundled profile (${key})`);
  const local = isAbsolute(ref) ? ref : resolve(cwd, ref);
  if (existsSync(local)) return located(local, 'local', (f) => `local folder ${f(local)} (${key})`);
  if (!HUB_REPO_ID.test(ref) || ref.startsWith('.')) {
    throw new GadError(`model folder not found: ${ref} (${key}; resolved to ${local})`, {
      hint: `give a folder with tokenizer.json, tokenizer_config.json and preprocessor_config.json (relative paths are resolved against the working directory), or a bundled model: ${BUNDLED_MODELS.join(', ')}`,
    });
  }
  const cached = join(hfHubCacheDir(opts.env), hubRepoFolderName(ref, 'model'));
  if (source !== 'modelscope' && existsSync(join(cached, 'snapshots')))
    return located(cached, 'hf-cache', (f) => `Hugging Face cache ${f(cached)} (${key})`);
  const ms = source !== 'hf' ? findInModelscopeCache(ref, opts.env) : null;
  if (ms) return located(ms, 'modelscope-cache', (f) => `ModelScope cache ${f(ms)} (${key})`, ms);
  const bundled = source !== 'modelscope' ? BUNDLED_HUB_IDS[ref] : undefined;
  if (bundled) {
    return located(
      bundled.profile,
      'bundled',
      () =>
        `bundled profile ${bundled.profile}: the files of ${ref} at revision ${bundled.revision.slice(0, 8)} (${key}; not in the Hugging Face cache)`,
    );
  }
  const bundledNote = /qwen3-vl/i.test(ref)
    ? ` The bundled qwen3-vl profile is an assembled set (not byte-checked against ${ref}); pass --model qwen3-vl to use it knowingly.`
    : '';
  const searched = [
    source !== 'modelscope' ? `the Hugging Face cache (${cached})` : '',
    source !== 'hf' ? `the ModelScope cache (${modelscopeCacheDir(opts.env)})` : '',
  ].filter(Boolean);
  throw new GadError(
    `model ${ref} (${key}) is not a local folder and not in ${searched.join(' nor ')}; gad-data never downloads models.${bundledNote}`,
    { hint: `pass --model DIR (or ${BUNDLED_MODELS.join(' / ')}), or ${modelDownloadHint(ref)}` },
  );
}
