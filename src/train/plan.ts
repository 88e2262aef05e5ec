import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import YAML from 'yaml';
import { GadError } from '../core/errors.js';
import { packagePath } from '../core/paths.js';
import type { Manifest, ShardInfo } from '../core/types.js';
import { sha256 } from '../core/hash.js';
import { EASYR1_COMMIT, EASYR1_DATA_KEYS, easyr1DefaultConfig } from './easyr1-defaults.js';
import {
  type Override,
  flattenToOverrides,
  formatOverride,
  hydraValue,
  lookupOverride,
  mergeOverrides,
  parseOverride,
  shellQuote,
  unquoteHydra,
} from './hydra.js';
import { hfSplitOf, pickSplits, readBuildManifest, shardsOf } from './manifest.js';
import { type LaunchVar, seedGadOverrides } from './verl-gad.js';

export type TrainProfile = 'verl-gad' | 'verl-grpo' | 'easyr1';
export const TRAIN_PROFILES: readonly TrainProfile[] = ['verl-gad', 'verl-grpo', 'easyr1'];

export interface TrainOptions {
  profile: TrainProfile;
  /** The build's output folder (holds manifest.json and data/). */
  data: string;
  dryRun?: boolean;
  /** Python interpreter; default $PYTHON, else `python3`. */
  python?: string;
  /** Generator / policy model (verl `actor_rollout_ref.model.path`, EasyR1 `worker.actor.model.model_path`); default $MODEL_PATH. */
  modelPath?: string;
  /** GAD discriminator (verl `critic.model.path`); default $REWARD_MODEL_PATH. */
  rewardModelPath?: string;
  /** EasyR1 base config (YAML) the build's `data:` section is merged onto; default: a built-in copy of EasyR1's example. */
  baseConfig?: string;
  /** Keep the trainer's own overlong-prompt filter on (off by default: the build already dropped overlong rows). */
  keepFilterOverlong?: boolean;
  /** Skip the sha256 check of the shards (existence and size are still checked). */
  noVerify?: boolean;
  /** Trailing `key=value` overrides; they win over everything. */
  overrides?: string[];
  /** gad-data.yaml `trainer:` section: nested or dotted keys, applied over the profile's defaults. */
  configOverrides?: Record<string, unknown>;
  /** Environment for the trainer (default process.env); variables we set are kept when already present here. */
  env?: NodeJS.ProcessEnv;
  /** GPUs per node (`trainer.n_gpus_per_node`); default 2 for verl profiles, the base config's for EasyR1. */
  nGpus?: number;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Folder the trainer runs in; default process.cwd(). */
  cwd?: string;
  /** Write the launch as a bash script to this file (in the seed script's shape) instead of launching. */
  exportScript?: string;
}

export interface LaunchPlan {
  /** argv including the interpreter: `python3 -m verl.trainer.main_ppo k=v ...`. */
  command: string[];
  /** The variables we set (final values: a value already in the caller's environment wins). */
  env: Record<string, string>;
  /** A config file the launch needs (EasyR1), written before the run (and by --dry-run). */
  configFile?: { path: string; text: string };
  cwd: string;
  profile?: TrainProfile;
  /** Absolute build folder. */
  outDir?: string;
  manifest?: Manifest;
  /** Other files written with the config (EasyR1's format prompt copy). */
  files?: Array<{ path: string; text: string }>;
  /** Where the run's output is copied. */
  logFile?: string;
  /** Model paths as the trainer will receive them (after all overrides); '' when none was given. */
  models?: { generator: string; discriminator?: string };
  /** GPUs per node the trainer is told to use (after all overrides). */
  nGpusPerNode?: number;
  /** Rows per training step (train_batch_size / rollout_batch_size) after overrides. */
  batchSize?: number;
  /** Things worth knowing about the plan (e.g. validation falls back to the train split). */
  notes: string[];
  /** The variables the launch read from the environment (verl-gad: the seed script's), for `--export-script`. */
  vars?: LaunchVar[];
  /** verl: the final overrides (command after the interpreter and module), with the variable each value came from. */
  overrides?: Override[];
}

/** Environment the original GAD script exports; a value already in the caller's environment wins. */
export const TRAINER_ENV_DEFAULTS: Readonly<Record<string, string>> = {
  HYDRA_FULL_ERROR: '1',
  TOKENIZERS_PARALLELISM: 'true',
  NCCL_TIMEOUT: '36000',
};

/** The folder under OUT_DIR holding what `train` writes besides train.log (EasyR1 config, prompt copy). */
export const RUN_DIR = 'train';

/**
 * Read the build's manifest and turn it into the trainer's command line (and, for EasyR1, its config
 * file). Reads files but writes nothing and starts no process.
 */
export async function planTraining(opts: TrainOptions): Promise<LaunchPlan> {
  if (!TRAIN_PROFILES.includes(opts.profile)) {
    throw new GadError(`unknown training profile "${opts.profile}"`, {
      hint: `use one of: ${TRAIN_PROFILES.join(', ')}`,
    });
  }
  const outDir = resolve(opts.data);
  const manifest = await readBuildManifest(outDir);
  const baseEnv = opts.env ?? process.env;
  const python = opts.python ?? baseEnv.PYTHON ?? 'python3';
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(TRAINER_ENV_DEFAULTS)) env[k] = baseEnv[k] ?? v;
  const cwd = resolve(opts.cwd ?? process.cwd());
  const notes: string[] = [];
  let trailing: Override[];
  try {
    trailing = (opts.overrides ?? []).map(parseOverride);
  } catch (e) {
    throw new GadError((e as Error).message, { hint: 'trailing arguments after `--` are key=value trainer overrides' });
  }
  const generator = opts.modelPath ?? baseEnv.MODEL_PATH ?? '';
  const discriminator = opts.rewardModelPath ?? baseEnv.REWARD_MODEL_PATH ?? '';
  const { train, val } = pickSplits(manifest);
  const trainShards = shardsOf(manifest, train);
  let valShards = val ? shardsOf(manifest, val) : [];
  if (!val) {
    notes.push('the build has no validation split: validating on the train split (override data.val_files to change)');
    valShards = trainShards;
  }
  const plan: LaunchPlan = {
    command: [],
    env,
    cwd,
    profile: opts.profile,
    outDir,
    manifest,
    logFile: join(outDir, 'train.log'),
    notes,
  };

  if (opts.profile === 'easyr1') {
    await planEasyR1(plan, opts, { manifest, outDir, python, generator, trainShards, valShards, val, trailing });
  } else {
    planVerl(plan, opts, { manifest, outDir, python, generator, discriminator, trainShards, valShards, trailing });
  }
  return plan;
}

/** verl-grpo: the GAD launch script's knobs without the discriminator, with the usual PPO batch/memory settings filled in. */
function verlDefaults(
  profile: 'verl-grpo',
  m: Manifest,
  ctx: { outDir: string; nGpus: number; trainFiles: string[]; valFiles: string[]; filter: boolean; generator: string },
): Override[] {
  const o: Array<[string, unknown]> = [
    ['algorithm.adv_estimator', 'grpo'],
    ['data.train_files', ctx.trainFiles],
    ['data.val_files', ctx.valFiles],
    ['data.prompt_key', m.columns.prompt],
    ['data.image_key', m.columns.images],
    ['data.train_batch_size', 32],
    ['data.max_prompt_length', m.limits.maxPromptLength],
    ['data.max_response_length', m.limits.maxResponseLength],
    ['data.filter_overlong_prompts', ctx.filter],
    // The build already counted every prompt exactly: a prompt that does not fit is a bug to see, not to cut.
    ['data.truncation', 'error'],
    // `++`: added when this verl has no such key (older than the key), set when it has.
    ['++data.image_patch_size', m.model.patchSize],
    ['actor_rollout_ref.model.path', ctx.generator],
    ['actor_rollout_ref.model.use_remove_padding', true],
    ['actor_rollout_ref.model.enable_gradient_checkpointing', true],
    ['actor_rollout_ref.actor.optim.lr', 1e-6],
    ['actor_rollout_ref.actor.ppo_mini_batch_size', 16],
    ['actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu', 2],
    ['actor_rollout_ref.actor.use_kl_loss', true],
    ['actor_rollout_ref.actor.kl_loss_coef', 0.01],
    ['actor_rollout_ref.actor.kl_loss_type', 'low_var_kl'],
    ['actor_rollout_ref.actor.entropy_coeff', 0],
    ['actor_rollout_ref.actor.grad_clip', 1.0],
    ['actor_rollout_ref.actor.fsdp_config.param_offload', false],
    ['actor_rollout_ref.actor.fsdp_config.optimizer_offload', false],
    ['actor_rollout_ref.rollout.name', 'vllm'],
    ['actor_rollout_ref.rollout.n', 5],
    ['actor_rollout_ref.rollout.temperature', 1.0],
    ['actor_rollout_ref.rollout.tensor_model_parallel_size', Math.max(1, Math.min(2, ctx.nGpus))],
    ['actor_rollout_ref.rollout.gpu_memory_utilization', 0.5],
    ['actor_rollout_ref.rollout.prompt_length', m.limits.maxPromptLength],
    ['actor_rollout_ref.rollout.response_length', m.limits.maxResponseLength],
    ['actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu', 4],
    ['actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu', 4],
    ['actor_rollout_ref.ref.fsdp_config.param_offload', true],
  ];
  o.push(
    ['algorithm.use_kl_in_reward', false],
    ['trainer.critic_warmup', 0],
    ['trainer.logger', ['console', 'swanlab']],
    ['trainer.project_name', 'grpo'],
    ['trainer.experiment_name', `${basename(ctx.outDir)}-${m.model.family}-grpo`],
    ['trainer.n_gpus_per_node', ctx.nGpus],
    ['trainer.nnodes', 1],
    ['trainer.save_freq', 200],
    ['trainer.test_freq', 200],
    ['trainer.total_epochs', 15],
  );
  return o.map(([key, value]) => ({ key, value: hydraValue(value) }));
}

/** What every profile's planner gets from planTraining. */
interface PlanContext {
  manifest: Manifest;
  outDir: string;
  python: string;
  generator: string;
  trainShards: ShardInfo[];
  valShards: ShardInfo[];
  trailing: Override[];
}

function planVerl(plan: LaunchPlan, opts: TrainOptions, c: PlanContext & { discriminator: string }): void {
  const profile = opts.profile as 'verl-gad' | 'verl-grpo';
  const nGpus = opts.nGpus ?? 2;
  const files = (s: ShardInfo[]) => s.map((x) => resolve(c.outDir, x.file));
  let list: Override[];
  if (profile === 'verl-gad') {
    const seed = seedGadOverrides({
      manifest: c.manifest,
      outDir: c.outDir,
      trainShards: c.trainShards,
      valShards: c.valShards,
      nGpus,
      filter: opts.keepFilterOverlong === true,
      generator: opts.modelPath,
      discriminator: opts.rewardModelPath,
      env: opts.env ?? process.env,
    });
    list = seed.overrides;
    plan.vars = seed.vars;
    plan.notes.push(...seed.notes);
  } else {
    list = verlDefaults(profile, c.manifest, {
      outDir: c.outDir,
      nGpus,
      trainFiles: files(c.trainShards),
      valFiles: files(c.valShards),
      filter: opts.keepFilterOverlong === true,
      generator: c.generator,
    });
  }
  if (opts.configOverrides) list = mergeOverrides(list, flattenToOverrides(opts.configOverrides));
  list = mergeOverrides(list, c.trailing);
  plan.command = [c.python, '-m', 'verl.trainer.main_ppo', ...list.map(formatOverride)];
  plan.overrides = list;
  const get = (k: string) => {
    const v = lookupOverride(list, k);
    return v === undefined ? undefined : unquoteHydra(v);
  };
  plan.models = { generator: get('actor_rollout_ref.model.path') ?? '' };
  if (profile === 'verl-gad') plan.models.discriminator = get('critic.model.path') ?? '';
  plan.nGpusPerNode = Number(get('trainer.n_gpus_per_node') ?? nGpus);
  plan.batchSize = Number(get('data.train_batch_size') ?? 0) || undefined;
}

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

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
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
  if (shards.length === 1) return resolve(outDir, shards[0]!.file);
  const dirs = [...new Set(shards.map((s) => dirname(resolve(outDir, s.file))))];
  const hf = hfSplitOf(split);
  if (dirs.length !== 1 || !hf) {
    throw new GadError(`EasyR1 cannot load the ${shards.length} shards of split "${split}" as one dataset`, {
      hint:
        dirs.length !== 1
          ? 'the shards lie in different folders: rebuild with all shards in data/'
          : 'name the split train, test or validation (HF datasets only recognises those in a folder), rebuild with one shard per split, or override data.train_files/val_files',
    });
  }
  const dir = dirs[0]!;
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
      return m && hfSplitOf(m[1]!) === hf;
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
    throw new GadError(`the build's config ${p} is not valid YAML now: ${(e as Error).message.split('\n')[0]}`, {
      hint: 'fix the YAML, or pass --base-config',
    });
  }
  if (!isPlainObject(parsed) || !(isPlainObject(parsed.worker) || isPlainObject(parsed.algorithm))) {
    notes.push(`the build's config ${rec.path} has no worker:/algorithm: sections (not an EasyR1 config)`);
    return null;
  }
  if (sha256(text) !== rec.sha256)
    notes.push(
      `the build's config ${rec.path} changed since the build: its current worker/algorithm/trainer sections are used`,
    );
  const base: Record<string, unknown> = {};
  for (const k of ['data', 'worker', 'algorithm', 'trainer'] as const) if (parsed[k] !== undefined) base[k] = parsed[k];
  if (isPlainObject(base.data)) {
    const data = base.data;
    const unknown = Object.keys(data).filter((k) => !(EASYR1_DATA_KEYS as readonly string[]).includes(k));
    base.data = Object.fromEntries(Object.entries(data).filter(([k]) => !unknown.includes(k)));
    if (unknown.length)
      notes.push(
        `data keys of ${rec.path} that EasyR1's DataConfig does not have were left out: ${unknown.join(', ')}`,
      );
  }
  const other = Object.keys(parsed).filter((k) => !(k in base));
  notes.push(
    `base config: ${rec.path} (the build's --config${other.length ? `; not EasyR1 keys, left out: ${other.join(', ')}` : ''}); --base-config overrides it`,
  );
  return base;
}

async function planEasyR1(
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
      throw new GadError(`base config ${p} is not valid YAML: ${(e as Error).message.split('\n')[0]}`, {
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
  const fill: Record<string, unknown> = { data };
  if (c.generator) fill['worker.actor.model.model_path'] = c.generator;
  if (opts.nGpus !== undefined) fill['trainer.n_gpus_per_node'] = opts.nGpus;
  if (usedDefaults) fill['trainer.experiment_name'] = `${basename(c.outDir)}-${m.model.family}-grpo`;
  let config = deepMerge(base, fill);
  if (opts.configOverrides) config = deepMerge(config, opts.configOverrides);
  const configPath = join(runDir, 'config.yaml');
  const header = `# Written by gad-data train (profile easyr1) from ${join(basename(c.outDir), 'manifest.json')}.\n# data: comes from the build; edit the build, not this file.\n`;
  plan.configFile = { path: configPath, text: header + YAML.stringify(config) };
  plan.command = [c.python, '-m', 'verl.trainer.main', `config=${configPath}`, ...c.trailing.map(formatOverride)];

  const pick = (dotted: string): unknown => {
    const t = c.trailing.filter((o) => o.key === dotted && o.value !== null).pop();
    if (t) return YAML.parse(t.value!);
    return dotted.split('.').reduce<unknown>((acc, k) => (isPlainObject(acc) ? acc[k] : undefined), config);
  };
  const gen = pick('worker.actor.model.model_path');
  plan.models = { generator: typeof gen === 'string' ? gen : '' };
  const n = Number(pick('trainer.n_gpus_per_node'));
  plan.nGpusPerNode = Number.isFinite(n) && n > 0 ? n : undefined;
  const b = Number(pick('data.rollout_batch_size'));
  plan.batchSize = Number.isFinite(b) && b > 0 ? b : undefined;
}

/** The command shell-quoted, one argument per line with `\` continuations, then the config file(s). */
export function formatDryRun(plan: LaunchPlan): string {
  const lead = plan.command[1] === '-m' ? 3 : 1;
  const words = [
    ...Object.entries(plan.env).map(([k, v]) => `${k}=${shellQuote(v)}`),
    plan.command.slice(0, lead).map(shellQuote).join(' '),
    ...plan.command.slice(lead).map(shellQuote),
  ];
  const lines = words.map((w, j) => (j === 0 ? '' : '  ') + w + (j < words.length - 1 ? ' \\' : ''));
  let out = `# cd ${shellQuote(plan.cwd)}\n` + lines.join('\n') + '\n';
  for (const f of plan.files ?? []) out += `\n# ${f.path}\n${f.text}${f.text.endsWith('\n') ? '' : '\n'}`;
  if (plan.configFile)
    out += `\n# ${plan.configFile.path}\n${plan.configFile.text}${plan.configFile.text.endsWith('\n') ? '' : '\n'}`;
  for (const n of plan.notes) out += `# note: ${n}\n`;
  return out;
}
