/**
 * gad-data.yaml: EasyR1's `data:` keys as they are, gad-data's own keys beside them. Flags override the
 * file; the file overrides the defaults. Validation errors name the key and what it accepts.
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve, isAbsolute } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { closest, distance } from 'fastest-levenshtein';
import { GadError } from './core/errors.js';
import { packagePath } from './core/paths.js';
import type { ResizePipeline, Target } from './core/types.js';
import { EASYR1_DATA_CONFIG_FIELDS } from './easyr1-data-keys.js';
import { DEFAULT_FORMAT_PROMPT, PIPELINE_NAMES, defaultPipelineFor } from './core/defaults.js';

/** A list or a single string (EasyR1 writes `train_files: hiyouga/geometry3k@train`). */
const files = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const shown = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : v === undefined ? 'nothing' : String(v));
const countRule = (i: { input?: unknown }) => `takes a whole number of 1 or more, got ${shown(i.input)}`;
/** A count (a token length, pixels, ...): one rule, one message, for gad-data.yaml and the flags (see `flagParser`). */
const posInt = z.number({ error: countRule }).int({ error: countRule }).positive({ error: countRule });
const pixels = posInt.nullable();

/** Byte sizes as numbers or strings such as `500MB`, `1.5GB`, `200 MiB`. */
const byteSize = z.union([
  z.number().int().positive(),
  z.string().transform((s, ctx) => {
    const n = parseByteSize(s);
    if (n === null) {
      ctx.addIssue({ code: 'custom', message: `not a size: "${s}" (write e.g. 500MB, 2GB or a number of bytes)` });
      return z.NEVER;
    }
    return n;
  }),
]);

export function parseByteSize(s: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$/i.exec(s);
  if (!m) return null;
  const unit = (m[2] ?? '').toLowerCase().replace(/b$/, '');
  const pow = { '': 0, k: 1, m: 2, g: 3, t: 4, ki: 1, mi: 2, gi: 3, ti: 4 }[unit];
  if (pow === undefined) return null;
  const base = unit.endsWith('i') ? 1024 : 1000;
  return Math.round(Number(m[1]) * base ** pow);
}

/** EasyR1's data section. Keys EasyR1 has that gad-data does not use are accepted and listed as ignored; others are errors. */
const dataSchema = z
  .object({
    ...Object.fromEntries(EASYR1_DATA_CONFIG_FIELDS.map((k) => [k, z.unknown().optional()])),
    train_files: files.optional(),
    val_files: files.nullable().optional(),
    prompt_key: z.string().min(1).default('problem'),
    answer_key: z.string().min(1).default('answer'),
    image_key: z.string().min(1).default('images'),
    image_dir: z.string().nullable().default(null),
    max_prompt_length: posInt.default(2048),
    max_response_length: posInt.default(2048),
    format_prompt: z.string().nullable().default(DEFAULT_FORMAT_PROMPT),
    /** EasyR1: a file whose text replaces the model's chat template (tokenizer and processor). */
    override_chat_template: z.string().min(1).nullable().default(null),
    min_pixels: pixels.default(null),
    max_pixels: pixels.default(null),
    filter_overlong_prompts: z.boolean().default(true),
    seed: z.number().int().default(1),
  })
  .strict();

const teacherSchema = z
  .object({
    file: z.string().nullable().default(null),
    id_key: z.string().nullable().default(null),
    response_key: z.string().nullable().default(null),
    column: z.string().nullable().default(null),
    ending: z.enum(['keep', 'strip', 'append']).default('keep'),
  })
  .strict();

const hubSchema = z
  .object({
    revision: z.string().nullable().default(null),
    endpoint: z.string().nullable().default(null),
    cache_dir: z.string().nullable().default(null),
    offline: z.boolean().nullable().default(null),
    token: z.string().nullable().default(null),
  })
  .strict();

export const configSchema = z
  .object({
    data: dataSchema.default(dataSchema.parse({})),
    model: z.string().min(1).default('qwen3-vl'),
    target: z.enum(['verl', 'easyr1']).default('verl'),
    pipeline: z.enum(PIPELINE_NAMES).nullable().default(null),
    teacher: teacherSchema.nullable().default(null),
    out: z.string().min(1).default('gad-data-out'),
    shard_size: byteSize.default(500_000_000),
    test_ratio: z.number().min(0).max(0.9).nullable().default(null),
    id_key: z.string().nullable().default(null),
    image_bytes_key: z.string().nullable().default(null),
    /** Licence of the data, for the dataset card (an SPDX id such as apache-2.0 or cc-by-4.0). */
    license: z.string().min(1).nullable().default(null),
    /** The data_source value written on every row (verl picks the reward function by it); null: the source's own column, the hub repo id, or the file name. */
    data_source: z.string().min(1).nullable().default(null),
    image_placement: z.enum(['prepend', 'append', 'none']).default('prepend'),
    image_format: z.enum(['keep', 'png', 'jpeg']).default('keep'),
    /** When images are resized before they are written (auto: only those over the trainer's first-step max_pixels). */
    resize: z.enum(['auto', 'always', 'never']).default('auto'),
    max_input_pixels: posInt.default(178_956_970),
    /** Seconds one image may take to decode and resize before its row is dropped. */
    image_timeout: z.number().positive().default(60),
    /** Read image paths that lead (also through symlinks) outside image_dir / the data file's folder / the Hub cache. */
    allow_outside_paths: z.boolean().default(false),
    single_image: z.boolean().default(true),
    /** Drop rows without an image (`no_image`); false keeps text-only rows (counted without image tokens). */
    require_image: z.boolean().default(false),
    /** verl target: pass every other input column and every extra_info field through unchanged. */
    passthrough: z.boolean().default(true),
    dedupe: z.boolean().default(true),
    max_drop_ratio: z.number().min(0).max(1).default(0.5),
    keep_ratio: z.number().gt(0).max(1).default(0.99),
    concurrency: posInt.nullable().default(null),
    hub: hubSchema.default({ revision: null, endpoint: null, cache_dir: null, offline: null, token: null }),
    /** Overrides for `gad-data train` (Hydra keys for verl, EasyR1 config sections for easyr1). */
    trainer: z.record(z.string(), z.unknown()).default({}),
    /** EasyR1 config sections that gad-data does not use but accepts, so an EasyR1 config file loads as is. */
    algorithm: z.unknown().optional(),
    worker: z.unknown().optional(),
  })
  .strict();

export type GadConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** The EasyR1 data keys gad-data reads. Others (video_key, rollout_batch_size, ...) are accepted and ignored. */
export const GAD_DATA_KEYS = [
  'train_files',
  'val_files',
  'prompt_key',
  'answer_key',
  'image_key',
  'image_dir',
  'max_prompt_length',
  'max_response_length',
  'format_prompt',
  'min_pixels',
  'max_pixels',
  'filter_overlong_prompts',
  'seed',
  'override_chat_template',
] as const;
/** @deprecated the old name of GAD_DATA_KEYS. */
export const EASYR1_DATA_KEYS = GAD_DATA_KEYS;

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

/** The keys a config section takes (top level: ''), from the schema itself. */
function knownKeys(section: string): string[] {
  const shapes: Record<string, Record<string, unknown>> = {
    '': configSchema.shape,
    data: dataSchema.shape,
    teacher: teacherSchema.shape,
    hub: hubSchema.shape,
  };
  return Object.keys(shapes[section] ?? {});
}

/**
 * "did you mean" for an unknown key: the same key in another section (`max_prompt_length` at the top level →
 * `data.max_prompt_length`), else the closest key of its own section when it is a plausible typo.
 */
export function suggestKey(section: string, key: string): string | null {
  for (const other of ['', 'data', 'teacher', 'hub']) {
    if (other !== section && knownKeys(other).includes(key)) return other ? `${other}.${key}` : key;
  }
  const keys = knownKeys(section);
  if (!keys.length) return null;
  const best = closest(key, keys);
  const d = distance(key.toLowerCase(), best.toLowerCase());
  if (d > Math.max(2, Math.floor(key.length / 3))) return null;
  return section ? `${section}.${best}` : best;
}

function formatIssues(err: z.ZodError, origin: string): string {
  return err.issues
    .map((i) => {
      const key = i.path.join('.') || '(top level)';
      if (i.code === 'unrecognized_keys') {
        const section = i.path.join('.');
        const where = section ? `${section}.` : '';
        return i.keys
          .map((k) => {
            const s = suggestKey(section, k);
            return `  ${where + k}: unknown key${s ? ` (did you mean ${s}?)` : ' (check the spelling; see `gad-data init` for every key)'}`;
          })
          .join('\n');
      }
      return `  ${key}: ${i.message}`;
    })
    .join('\n')
    .replace(/^/, `invalid configuration (${origin}):\n`);
}

/**
 * A flag's value checked by the same schema as the config key it sets, so `--max-prompt-length 0` and
 * `max_prompt_length: 0` are refused by one rule with one message. `key` is `data.max_prompt_length` or a
 * top-level key; numeric text is read as a number, anything else is passed as text (and refused as in YAML).
 */
export function flagParser(flag: string, key: string): (value: string) => unknown {
  const [a, b] = key.split('.') as [string, string | undefined];
  const schema =
    b === undefined
      ? (configSchema.shape as Record<string, z.ZodType>)[a]
      : a === 'data'
        ? (dataSchema.shape as Record<string, z.ZodType>)[b]
        : undefined;
  if (!schema) throw new Error(`flagParser: no config key ${key}`);
  return (value: string) => {
    const n = value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
    const r = schema.safeParse(n);
    if (r.success) return r.data;
    throw new GadError(
      `${flag} ${r.error.issues[0]?.message ?? 'invalid value'} (the config key ${key} follows the same rule)`,
      { exitCode: 2 },
    );
  };
}

/** Parse and validate a config object. */
export function parseConfig(input: unknown, origin = 'config'): GadConfig {
  const r = configSchema.safeParse(input ?? {});
  if (!r.success) throw new GadError(formatIssues(r.error, origin), { hint: 'fix the key named above', exitCode: 2 });
  return r.data;
}

/** Read a YAML config file (relative paths inside it are resolved against the working directory, as EasyR1 does). */
export function readConfigFile(path: string): { raw: Record<string, unknown>; dir: string; path: string } {
  if (!existsSync(path))
    throw new GadError(`config file not found: ${path}`, { hint: 'write one with `gad-data init`', exitCode: 2 });
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new GadError(`${path} is not valid YAML: ${(e as Error).message.split('\n')[0]}`, { exitCode: 2 });
  }
  if (raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new GadError(`${path}: the top level must be a mapping (data:, model:, ...)`, { exitCode: 2 });
  }
  return { raw: (raw ?? {}) as Record<string, unknown>, dir: dirname(resolve(path)), path: resolve(path) };
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
  return Object.keys(cfg.data).filter(
    (k) => !(GAD_DATA_KEYS as readonly string[]).includes(k) && (cfg.data as Record<string, unknown>)[k] !== undefined,
  );
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

/** The resize pipeline a build uses when `pipeline` is not set (one place: core/defaults.ts). */
export function defaultBuildPipeline(target: Target): ResizePipeline {
  return defaultPipelineFor(target);
}

/** The built-in defaults of every key (what a build uses when neither gad-data.yaml nor a flag sets it). */
export function configDefaults(): GadConfig {
  return configSchema.parse({});
}

/** teacher.ending when a teacher section does not set it. */
export function defaultTeacherEnding(): 'keep' | 'strip' | 'append' {
  return teacherSchema.parse({}).ending;
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
  if (HUB_ID.test(spec) && !existsSync(resolve(baseDir, spec.split('@')[0]!))) return spec;
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
  if (embedded) merged = mergeConfig(embeddedDefault() as Record<string, unknown>, merged);
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

/** The commented example written by `gad-data init`. */
export const EXAMPLE_CONFIG = `# gad-data.yaml — build a GAD / GRPO dataset for verl or EasyR1.
# The data: section takes EasyR1's keys as they are, so an EasyR1 config file works too:
#   gad-data build --config examples/config.yaml
data:
  train_files: hiyouga/geometry3k@train   # hub id@split, file.parquet, dir, *.parquet, .jsonl/.json; or a list
  val_files: hiyouga/geometry3k@test
  prompt_key: problem          # a text column, or verl's \`prompt\` message list
  answer_key: answer
  image_key: images
  image_dir: null              # folder that relative image paths are resolved against
  max_prompt_length: 2048      # rows whose exact prompt length (image tokens included) is over this are dropped
  max_response_length: 2048    # teacher responses over this are dropped (GAD)
  # format_prompt: math        # math | r1v | none | path/to/format.jinja (EasyR1 semantics); unset: math for a text
                               # prompt, none for a verl message-list prompt (set, it is applied to both)
  override_chat_template: null # a file whose text replaces the model's chat template (EasyR1 semantics)
  min_pixels: null             # the trainer's pixel bounds for the chosen pipeline (null: its default)
  max_pixels: null
  filter_overlong_prompts: true
  seed: 1                      # seeds the --test-ratio split

model: qwen3-vl                # qwen3-vl | qwen2.5-vl (bundled) | path to a model folder / checkpoint
target: verl                   # verl (GAD rows carry teacher_response) | easyr1
pipeline: null                 # processor | easyr1 | qwen-vl-utils (null: qwen-vl-utils for verl, easyr1 for easyr1)
out: gad-data-out              # output folder (a valid HF dataset repo: data/*.parquet, README.md, manifest.json)
shard_size: 500MB
test_ratio: null               # e.g. 0.05 carves a test split from train by a seeded hash of the row id
id_key: null                   # column holding a row id (for the teacher join and reports)
license: null                  # licence of the data for the dataset card (e.g. apache-2.0, cc-by-4.0)
data_source: null              # data_source written on every row (verl picks its reward function by it, e.g. hiyouga/geometry3k)
image_bytes_key: null          # a separate list<binary> column holding the image bytes (data-juicer style)
image_placement: prepend       # where <image> goes when the text has none: prepend | append | none
image_format: keep             # keep (original bytes when nothing changes) | png | jpeg
resize: auto                   # auto (only images over the trainer's max_pixels, shrunk as it would) | always | never
max_input_pixels: 178956970    # larger images are dropped (decompression bombs)
image_timeout: 60              # seconds one image may take to decode and resize; slower ones are dropped
allow_outside_paths: false     # true reads image paths leading outside image_dir / the data file's folder (absolute, symlinks)
single_image: true             # drop rows with more than one image
require_image: false           # drop rows without an image (no_image); false keeps text-only rows
passthrough: true              # verl: keep every other input column and extra_info field unchanged
dedupe: true                   # drop duplicate rows (same prompt text and image) and test rows equal to train rows
max_drop_ratio: 0.5            # exit 1 when a larger share of rows is dropped
keep_ratio: 0.99               # the report recommends the smallest max_prompt_length (multiple of 256) keeping this share

teacher:                       # GAD: the teacher's responses
  file: null                   # jsonl or parquet; joined on id_key (or row index when there is none)
  id_key: null
  response_key: null           # default: response or teacher_response
  column: null                 # or: a column of the source holding the response
  ending: keep                 # keep | strip | append: what to do with a trailing <|im_end|>

hub:
  revision: null               # branch, tag or commit of hub datasets (recorded as a commit in the manifest)
  endpoint: null               # default: $HF_ENDPOINT or https://huggingface.co
  cache_dir: null              # default: $HF_HUB_CACHE or $HF_HOME/hub (shared with Python's huggingface_hub)
  offline: null                # default: $HF_HUB_OFFLINE
  token: null                  # prefer $HF_TOKEN; never written to any output

trainer: {}                    # overrides for \`gad-data train\` (e.g. trainer.total_epochs: 2)
`;
