/**
 * gad-data.yaml: EasyR1's `data:` keys as they are, gad-data's own keys beside them. Flags override the
 * file; the file overrides the defaults. Validation errors name the key and what it accepts. This module reads
 * and resolves a config; the keys themselves are one table, src/config/keys.ts, and the schema, the build
 * flags, the example config and the docs' table are generated from it (src/config/).
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve, isAbsolute } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { GadError } from '../core/errors.js';
import { packagePath } from '../core/paths.js';
import type { ResizePipeline, Target } from '../core/types.js';
import { defaultPipelineFor } from '../core/defaults.js';
import { GAD_DATA_KEYS, parseConfig, type ConfigInput, type GadConfig } from './schema.js';
import { errorMessage, isRecord } from '../core/guards.js';

// The key table and what is generated from it (src/config/): import them from here.
export {
  configSchema,
  defaultTeacherEnding,
  flagParser,
  parseConfig,
  type ConfigInput,
  type GadConfig,
} from './schema.js';
export { EXAMPLE_CONFIG } from './example.js';
export { CONFIG_KEYS } from './keys.js';

/** The bundled default dataset, used when no train_files are given anywhere. */
export function embeddedDefault(): ConfigInput {
  return {
    data: {
      train_files: packagePath('fixtures', 'sample', 'train.jsonl'),
      val_files: packagePath('fixtures', 'sample', 'test.jsonl'),
      prompt_key: 'problem',
      answer_key: 'answer',
      image_key: 'images',
      max_prompt_length: 2048,
      max_response_length: 1024,
      format_prompt: 'math',
    },
    id_key: 'id',
    data_source: 'gad-data/sample-geometry',
    model: 'qwen3-vl',
    teacher: { file: packagePath('fixtures', 'sample', 'teacher.jsonl'), id_key: 'id', response_key: 'response' },
  };
}

/** Read a YAML config file (relative paths inside it are resolved against the working directory, as EasyR1 does). */
export function readConfigFile(path: string): { raw: Record<string, unknown>; dir: string; path: string } {
  if (!existsSync(path))
    throw new GadError(`config file not found: ${path}`, { hint: 'write one with `gad-data init`', exitCode: 2 });
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new GadError(`${path} is not valid YAML: ${errorMessage(e).split('\n')[0]}`, { exitCode: 2 });
  }
  if (raw !== null && !isRecord(raw)) {
    throw new GadError(`${path}: the top level must be a mapping (data:, model:, ...)`, { exitCode: 2 });
  }
  return { raw: raw ?? {}, dir: dirname(resolve(path)), path: resolve(path) };
}

/** Deep-merge b over a (plain objects merged, everything else replaced; undefined in b ignored). */
export function mergeConfig(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined) continue;
    const av = out[k];
    if (isPlain(av) && isPlain(v)) out[k] = mergeConfig(av, v);
    else out[k] = v;
  }
  return out;
}
const isPlain = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** The keys of an EasyR1 `data:` section that gad-data ignores (for a notice). */
export function ignoredDataKeys(cfg: GadConfig): string[] {
  return Object.entries(cfg.data)
    .filter(([k, v]) => !GAD_DATA_KEYS.includes(k) && v !== undefined)
    .map(([k]) => k);
}

/**
 * Older EasyR1 `data:` keys that change the prompt the trainer renders, which gad-data does not apply: set, the
 * counts would be for another prompt, so a config that sets one is refused (null or empty is fine).
 */
const PROMPT_KEYS_NOT_APPLIED: Record<string, string> = {
  format_prompt_path:
    'rename it to data.format_prompt (the same .jinja file, with EasyR1 semantics), which gad-data applies and counts',
  system_prompt:
    'gad-data does not add a system message to text prompts, so the counts would miss it: remove it, or put the text in a format prompt (data.format_prompt) or in the chat template (data.override_chat_template)',
};

function refusePromptChangingKeys(cfg: GadConfig): void {
  for (const [key, fix] of Object.entries(PROMPT_KEYS_NOT_APPLIED)) {
    const data: Record<string, unknown> = cfg.data;
    const v = data[key];
    if (v === undefined || v === null || v === '') continue;
    throw new GadError(`data.${key} is set: older EasyR1 releases use it to change the prompt, and gad-data does not`, {
      hint: fix,
      exitCode: 2,
    });
  }
}

/** Everything resolved: paths absolute, defaults that depend on other keys filled. */
export interface ResolvedConfig extends GadConfig {
  pipeline: ResizePipeline;
  target: Target;
  /** Folder relative paths were resolved against. */
  baseDir: string;
  trainSpecs: string[];
  valSpecs: string[];
  /** True when the build runs on the bundled sample (no train_files given). */
  embedded: boolean;
  /** True when data.format_prompt was given (file or flag): it is then applied to message-list prompts too. */
  formatPromptExplicit: boolean;
  /** Which key named the model: `--model`, `model` (config file), `worker.actor.model.model_path` (EasyR1), or `default`. */
  modelKey: string;
  /** The config file read (absolute), if any: the manifest records it for `train`. */
  configFile?: string | null;
}

/** EasyR1's `worker.actor.model.model_path` of a config layer, if it is a non-empty string. */
function easyr1ModelPath(raw: Record<string, unknown>): string | null {
  const w = raw.worker;
  const a = isPlain(w) ? w.actor : undefined;
  const m = isPlain(a) ? a.model : undefined;
  const p = isPlain(m) ? m.model_path : undefined;
  return typeof p === 'string' && p.trim() ? p.trim() : null;
}

const HUB_ID = /^[\w.-]+\/[\w.-]+(:[^\s@/:]+)?(@[^/@]+)?$/;

/** A spec is a hub id (`owner/name[:config][@split]`) unless a local path of that name exists; else a path made absolute. */
function resolveSpec(spec: string, baseDir: string): string {
  if (isAbsolute(spec)) return spec;
  const at = spec.indexOf('@');
  if (HUB_ID.test(spec) && !existsSync(resolve(baseDir, at < 0 ? spec : spec.slice(0, at)))) return spec;
  return resolve(baseDir, spec);
}

/**
 * Relative paths of a config file are resolved against the working directory, as EasyR1 resolves them
 * (`get_abs_path` = `os.path.abspath`). A path that is missing there but exists beside the config file is
 * an error that says so, instead of silently reading something else or going to the Hub.
 */
function checkRelativeToCwd(key: string, value: string, cwd: string, fileDir: string | null): void {
  if (!fileDir || fileDir === cwd || isAbsolute(value)) return;
  const body = key.endsWith('_files') ? value.replace(/@[^/@]*$/, '') : value;
  if (existsSync(resolve(cwd, body)) || !existsSync(resolve(fileDir, body))) return;
  throw new GadError(
    `${key}: ${value} does not exist in the working directory ${cwd}, only beside the config file (${resolve(fileDir, body)})`,
    {
      hint: 'relative paths in a config are resolved against the working directory, as EasyR1 does: run gad-data from the folder EasyR1 runs from (the repo root), or write the path relative to it',
      exitCode: 2,
    },
  );
}

/**
 * Combine defaults, an optional config file and flag overrides into a resolved config.
 * Relative paths of the file and of the flags are resolved against `cwd` (EasyR1's rule); the file's folder
 * only serves to explain a path that exists there but not in `cwd`.
 */
export function resolveConfig(opts: {
  file?: { raw: Record<string, unknown>; dir: string; path?: string } | null;
  flags?: Record<string, unknown>;
  cwd?: string;
}): ResolvedConfig {
  const cwd = opts.cwd ?? process.cwd();
  const fileRaw = opts.file?.raw ?? {};
  const flagRaw = opts.flags ?? {};
  const hasTrain = (r: Record<string, unknown>) => isPlain(r.data) && r.data.train_files !== undefined;
  // The bundled sample only when no config file is given at all: a config file without train_files (or with
  // a typo such as train_file) is an error, never a build of the sample into the user's output folder.
  const embedded = !opts.file && !hasTrain(flagRaw);
  // Relative paths of the file and of flags are resolved against the working directory, as EasyR1 does.
  const fileLayer = opts.file ? relativize(fileRaw, cwd, opts.file.dir) : {};
  const flagLayer = relativize(flagRaw, cwd);
  let merged = mergeConfig(fileLayer, flagLayer);
  if (embedded) merged = mergeConfig(embeddedDefault(), merged);
  const cfg = parseConfig(merged, opts.file ? 'config file and flags' : 'flags');
  const toList = (v: string | string[] | null | undefined) => (v == null ? [] : Array.isArray(v) ? v : [v]);
  const trainSpecs = toList(cfg.data.train_files);
  if (trainSpecs.length === 0) {
    const where = opts.file ? (opts.file.path ?? 'the config file') : 'the config';
    throw new GadError(
      `no training data: data.train_files is not set in ${where} (the bundled sample is built only when no config file is given)`,
      {
        hint: `set data.train_files in ${opts.file?.path ?? 'gad-data.yaml'} or pass --train FILE`,
        exitCode: 2,
      },
    );
  }
  refusePromptChangingKeys(cfg);
  const pipeline: ResizePipeline = cfg.pipeline ?? defaultPipelineFor(cfg.target);
  const givesFormat = (r: Record<string, unknown>) => isPlain(r.data) && r.data.format_prompt !== undefined;
  // the model: --model, else the config's model:, else EasyR1's worker.actor.model.model_path (resolved later,
  // against the working directory or the Hugging Face cache, as from_pretrained does), else the default
  let modelKey = flagRaw.model !== undefined ? '--model' : fileRaw.model !== undefined ? 'model' : 'default';
  const easyr1Model = easyr1ModelPath(flagRaw) ?? easyr1ModelPath(fileRaw);
  if (modelKey === 'default' && easyr1Model && !embedded) {
    cfg.model = easyr1Model;
    modelKey = 'worker.actor.model.model_path';
  }
  return {
    ...cfg,
    modelKey,
    pipeline,
    formatPromptExplicit: givesFormat(fileRaw) || givesFormat(flagRaw),
    baseDir: cwd,
    trainSpecs,
    valSpecs: toList(cfg.data.val_files),
    embedded,
    out: resolve(cwd, cfg.out),
    configFile: opts.file?.path ?? null,
  };
}

/** Make the path-valued keys of one config layer absolute against `base` (the working directory). */
function relativize(
  raw: Record<string, unknown>,
  base: string,
  fileDir: string | null = null,
): Record<string, unknown> {
  const out = { ...raw };
  /** A path key made absolute against `base`, after checking it does not only exist beside the config file. */
  const path = (key: string, v: string) => {
    checkRelativeToCwd(key, v, base, fileDir);
    return resolve(base, v);
  };
  if (isPlain(out.data)) {
    const d = { ...out.data };
    for (const k of ['train_files', 'val_files'] as const) {
      const v = d[k];
      const one = (x: string) => {
        checkRelativeToCwd(`data.${k}`, x, base, fileDir);
        return resolveSpec(x, base);
      };
      if (typeof v === 'string') d[k] = one(v);
      else if (Array.isArray(v)) d[k] = v.map((s) => (typeof s === 'string' ? one(s) : s));
    }
    if (typeof d.image_dir === 'string') d.image_dir = path('data.image_dir', d.image_dir);
    if (typeof d.format_prompt === 'string' && /[/\\]|\.jinja$/.test(d.format_prompt))
      d.format_prompt = path('data.format_prompt', d.format_prompt);
    if (typeof d.override_chat_template === 'string')
      d.override_chat_template = path('data.override_chat_template', d.override_chat_template);
    out.data = d;
  }
  if (isPlain(out.teacher) && typeof out.teacher.file === 'string')
    out.teacher = { ...out.teacher, file: path('teacher.file', out.teacher.file) };
  if (
    typeof out.model === 'string' &&
    (out.model.startsWith('.') || out.model.startsWith('~') || existsSync(resolve(base, out.model)))
  )
    out.model = resolve(base, out.model);
  return out;
}
