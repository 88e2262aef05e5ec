/**
 * The EasyR1 profile's launch: a config.yaml (the base config — `--base-config`, the build's own `--config`, or a
 * copy of EasyR1's example — with the build's `data:` section on top) and `python -m verl.trainer.main config=...`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import YAML from 'yaml';
import { GadError } from '../core/errors.js';
import { commentText } from '../core/quote/shell.js';
import { omegaCliValue, omegaLiterals, omegaRead } from '../core/quote/omegaconf.js';
import { yamlText } from '../core/quote/yaml.js';
import { packagePath } from '../core/paths.js';
import type { Manifest, ShardInfo } from '../core/types.js';
import { sha256 } from '../core/hash.js';
import { EASYR1_COMMIT, easyr1DefaultConfig } from './easyr1-defaults.js';
import { easyr1Sections, isEasyR1Config, isPlainObject } from './easyr1-sections.js';
import { formatOverride } from './hydra.js';
import { type LaunchPlan, type PlanContext, type TrainOptions, RUN_DIR } from './launch-plan.js';
import { hfSplitOf } from './read-manifest.js';
import { errorMessage } from '../core/guards.js';

/** Deep-merge `over` onto `base` (objects merge, everything else replaces); dotted keys are expanded. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [rawKey, v] of Object.entries(over)) {
    const path = rawKey.split('.');
    const key = path[0]!;
    const value = path.length > 1 ? path.slice(1).reduceRight<unknown>((acc, k) => ({ [k]: acc }), v) : v;
    const cur = out[key];
    if (isPlainObject(cur) && isPlainObject(value)) out[key] = deepMerge(cur, value);
    else out[key] = isPlainObject(value) ? deepMerge({}, value) : value;
  }
  return out;
}

/** The value at a dotted path of a nested config, or undefined. */
export function pickPath(config: Record<string, unknown>, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((acc, k) => (isPlainObject(acc) ? acc[k] : undefined), config);
}

/**
 * How EasyR1's loader is told to read one split of the build. A single shard is passed as its file
 * (EasyR1 loads a file as split `train`, whatever its name). Several shards are passed as the shard
 * folder with `@split`: EasyR1 calls `load_dataset("parquet", data_dir=DIR, split=SPLIT)`, and HF
 * datasets assigns `train-00000-of-00002.parquet` to `train`, `test-*` to `test`, `val-*`/`validation-*`
 * to `validation` (it picks the file type from the folder's first entry, so the folder must hold only
 * parquet files).
 */
export function easyr1DataPath(outDir: string, split: string, shards: ShardInfo[]): string {
  const [only] = shards;
  if (shards.length === 1 && only) return resolve(outDir, only.file);
  const dirs = [...new Set(shards.map((s) => dirname(resolve(outDir, s.file))))];
  const hf = hfSplitOf(split);
  const [dir] = dirs;
  if (dirs.length !== 1 || !hf || dir === undefined) {
    throw new GadError(`EasyR1 cannot load the ${shards.length} shards of split "${split}" as one dataset`, {
      hint:
        dirs.length !== 1
          ? 'the shards lie in different folders: rebuild with all shards in data/'
          : 'name the split train, test or validation (HF datasets only recognises those in a folder), rebuild with one shard per split, or override data.train_files/val_files',
    });
  }
  if (existsSync(dir)) {
    const entries = readdirSync(dir);
    const foreign = entries.filter((f) => !f.endsWith('.parquet'));
    if (foreign.length) {
      throw new GadError(
        `${dir} holds non-parquet files (${foreign.slice(0, 3).join(', ')}): EasyR1 would read the folder with the wrong loader`,
        {
          hint: 'remove them from the shard folder',
        },
      );
    }
    const same = entries.filter((f) => {
      const m = /^(.+?)-\d{5}-of-\d{5}\.parquet$/.exec(f);
      return m?.[1] !== undefined && hfSplitOf(m[1]) === hf;
    });
    const ours = new Set(shards.map((s) => basename(s.file)));
    const extra = same.filter((f) => !ours.has(f));
    if (extra.length) {
      throw new GadError(`${dir} has files EasyR1 would add to split "${hf}": ${extra.slice(0, 3).join(', ')}`, {
        hint: 'remove stale shards from the folder (rebuild into an empty folder)',
      });
    }
  }
  return `${dir}@${hf}`;
}

/** Locate the format prompt the build used: the recorded file (absolute, in OUT_DIR, or bundled), else the bundled prompt by name. */
export async function findFormatPrompt(m: Manifest, outDir: string): Promise<{ path: string; text: string } | null> {
  const fp = m.formatPrompt;
  if (!fp || (!fp.file && (!fp.name || fp.name === 'none'))) return null;
  const candidates: string[] = [];
  if (fp.file) {
    if (isAbsolute(fp.file)) candidates.push(fp.file);
    candidates.push(resolve(outDir, fp.file), packagePath('prompts', fp.file));
  } else {
    candidates.push(packagePath('prompts', fp.name), packagePath('prompts', `${fp.name}.jinja`));
  }
  for (const p of candidates) {
    if (existsSync(p)) return { path: p, text: await readFile(p, 'utf8') };
  }
  throw new GadError(
    `the build's format prompt "${fp.file ?? fp.name}" was not found (looked in ${candidates.join(', ')})`,
    {
      hint: 'keep the format prompt file where the build found it, or rebuild the data',
    },
  );
}

/**
 * The EasyR1 base config from the `--config` file the build was made from (manifest `configFile`): its
 * PPOConfig sections as EasyR1 would load them (the data: keys EasyR1 knows; the build's values go on
 * top). Null when the file is not an EasyR1 config (a gad-data.yaml without worker:/algorithm:).
 */
async function readBuildConfig(
  outDir: string,
  rec: { path: string; sha256: string },
  notes: string[],
): Promise<Record<string, unknown> | null> {
  const p = resolve(outDir, rec.path);
  let text: string;
  try {
    text = await readFile(p, 'utf8');
  } catch {
    throw new GadError(`the build was made from the config ${p}, which cannot be read now`, {
      hint: 'restore that file, or pass --base-config with an EasyR1 config.yaml (its worker:, algorithm: and trainer: sections are used)',
    });
  }
  let parsed: unknown;
  try {
    parsed = YAML.parse(text);
  } catch (e) {
    throw new GadError(`the build's config ${p} is not valid YAML now: ${errorMessage(e).split('\n')[0]}`, {
      hint: 'fix the YAML, or pass --base-config',
    });
  }
  if (!isPlainObject(parsed) || !isEasyR1Config(parsed)) {
    notes.push(`the build's config ${rec.path} has no worker:/algorithm: sections (not an EasyR1 config)`);
    return null;
  }
  if (sha256(text) !== rec.sha256)
    notes.push(
      `the build's config ${rec.path} changed since the build: its current worker/algorithm/trainer sections are used`,
    );
  const base = easyr1Sections(parsed, rec.path, notes);
  notes.push(`base config: ${rec.path} (the build's --config); --base-config overrides it`);
  return base;
}

export async function planEasyR1(
  plan: LaunchPlan,
  opts: TrainOptions,
  c: PlanContext & { val: string | null },
): Promise<void> {
  const m = c.manifest;
  let base: Record<string, unknown>;
  let usedDefaults = false;
  if (opts.baseConfig) {
    const p = resolve(opts.baseConfig);
    let text: string;
    try {
      text = await readFile(p, 'utf8');
    } catch {
      throw new GadError(`base config ${p} cannot be read`, {
        hint: 'pass --base-config with an EasyR1 config.yaml (e.g. examples/config.yaml)',
      });
    }
    let parsed: unknown;
    try {
      parsed = YAML.parse(text);
    } catch (e) {
      throw new GadError(`base config ${p} is not valid YAML: ${errorMessage(e).split('\n')[0]}`, {
        hint: 'fix the YAML',
      });
    }
    if (!isPlainObject(parsed))
      throw new GadError(`base config ${p} is not a YAML mapping`, { hint: 'pass an EasyR1 config.yaml' });
    base = parsed;
  } else {
    const recorded = m.configFile ? await readBuildConfig(c.outDir, m.configFile, plan.notes) : null;
    usedDefaults = !recorded;
    base = recorded ?? easyr1DefaultConfig();
    if (!recorded)
      plan.notes.push(
        `no --base-config: using gad-data's copy of EasyR1's example config (EasyR1 ${EASYR1_COMMIT.slice(0, 7)}) for everything the build does not decide`,
      );
  }
  const runDir = join(c.outDir, RUN_DIR);
  const prompt = await findFormatPrompt(m, c.outDir);
  let promptCopy: string | null = null;
  if (prompt) {
    promptCopy = join(runDir, 'format_prompt.jinja');
    plan.files = [{ path: promptCopy, text: prompt.text }];
  }
  // a build made with data.override_chat_template counted with that template: the run must render with it too
  let templateCopy: string | null = null;
  if (m.model.chatTemplateFile) {
    const src = resolve(c.outDir, m.model.chatTemplateFile);
    templateCopy = join(runDir, 'chat_template.jinja');
    plan.files = [...(plan.files ?? []), { path: templateCopy, text: await readFile(src, 'utf8') }];
  }
  const data: Record<string, unknown> = {
    train_files: easyr1DataPath(c.outDir, 'train', c.trainShards),
    val_files: easyr1DataPath(c.outDir, c.val ?? 'train', c.valShards),
    prompt_key: m.columns.prompt,
    answer_key: m.columns.answer,
    image_key: m.columns.images,
    max_prompt_length: m.limits.maxPromptLength,
    max_response_length: m.limits.maxResponseLength,
    format_prompt: promptCopy,
    ...(templateCopy ? { override_chat_template: templateCopy } : {}),
    min_pixels: m.resize.minPixels,
    max_pixels: m.resize.maxPixels,
    filter_overlong_prompts: opts.keepFilterOverlong === true,
  };
  // EasyR1 merges its config file onto PPOConfig's defaults section by section; `-c` with an EasyR1 config is
  // one more such layer over the base. The build's data: values and its model go on top of both.
  if (opts.easyr1Config) base = deepMerge(base, easyr1Sections(opts.easyr1Config, 'the -c config', plan.notes));
  const fill: Record<string, unknown> = { data };
  if (c.generator) {
    const given = pickPath(base, 'worker.actor.model.model_path');
    if (typeof given === 'string' && given && given !== c.generator)
      plan.notes.push(
        `worker.actor.model.model_path ${given} of the config is replaced by ${c.generator}${opts.modelPath || c.generator !== c.buildModel ? '' : " (the build's model)"}; pass --model-path (or the key after --) to launch another`,
      );
    fill['worker.actor.model.model_path'] = c.generator;
  }
  if (opts.nGpus !== undefined) fill['trainer.n_gpus_per_node'] = opts.nGpus;
  if (usedDefaults) fill['trainer.experiment_name'] = `${basename(c.outDir)}-${m.model.family}-grpo`;
  // What gad-data writes (paths, column names, the model) is data, not OmegaConf syntax: `${` is escaped.
  let config = deepMerge(base, omegaLiterals(fill));
  if (opts.configOverrides) config = deepMerge(config, opts.configOverrides);
  const configPath = join(runDir, 'config.yaml');
  const header = `# Written by gad-data train (profile easyr1) from ${commentText(join(basename(c.outDir), 'manifest.json'))}.\n# data: comes from the build; edit the build, not this file.\n`;
  plan.configFile = { path: configPath, text: header + yamlText(config) };
  plan.command = [
    c.python,
    '-m',
    'verl.trainer.main',
    `config=${omegaCliValue(configPath)}`,
    ...c.trailing.map(formatOverride),
  ];

  const pick = (dotted: string): unknown => {
    const t = c.trailing.filter((o) => o.key === dotted && o.value !== null).pop();
    const v: unknown = t ? YAML.parse(t.value!) : pickPath(config, dotted);
    return typeof v === 'string' ? omegaRead(v) : v;
  };
  plan.paths = (
    [
      ['data.train_files', 'data'],
      ['data.val_files', 'data'],
      ['data.format_prompt', 'file'],
      ['data.override_chat_template', 'file'],
      ['worker.reward.reward_function', 'function'],
    ] as const
  ).map(([key, kind]) => ({ key, kind, value: pick(key) }));
  const gen = pick('worker.actor.model.model_path');
  plan.models = { generator: typeof gen === 'string' ? gen : '' };
  const n = Number(pick('trainer.n_gpus_per_node'));
  plan.nGpusPerNode = Number.isFinite(n) && n > 0 ? n : undefined;
  const b = Number(pick('data.rollout_batch_size'));
  plan.batchSize = Number.isFinite(b) && b > 0 ? b : undefined;
}
