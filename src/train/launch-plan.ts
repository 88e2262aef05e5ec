/**
 * What `gad-data train` plans for the verl and EasyR1 profiles: the options, the launch plan (command, environment,
 * files written before the run), and what each profile's planner is handed.
 */
import type { Manifest, ShardInfo } from '../core/types.js';
import type { Override } from './hydra.js';
import type { LaunchVar } from './verl-gad.js';

/** A build profile of the trainer-profile table (TRAINER_PROFILES, profiles/profile-table.ts): verl-gad, verl-grpo, easyr1. */
export type TrainProfile = string;

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
  /** An EasyR1 config given with `-c` (profile easyr1): its sections are merged over the base config, as EasyR1 merges. */
  easyr1Config?: Record<string, unknown>;
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
  models?: { generator: string; discriminator?: string; noModelWhy?: string };
  /** GPUs per node the trainer is told to use (after all overrides). */
  nGpusPerNode?: number;
  /** Rows per training step (train_batch_size / rollout_batch_size) after overrides. */
  batchSize?: number;
  /** The path-valued settings the trainer gets (after all overrides), checked by pre-flight from `cwd`. */
  paths?: LaunchPath[];
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

/** What every profile's planner gets from planTraining. */
export interface PlanContext {
  manifest: Manifest;
  outDir: string;
  python: string;
  generator: string;
  /** The build's model when the trainer can load it, else ''. */
  buildModel?: string;
  trainShards: ShardInfo[];
  valShards: ShardInfo[];
  trailing: Override[];
}

/** One pre-flight check: what was checked, whether it passed, and what to do when not. */
export interface PreflightCheck {
  check: string;
  ok: boolean;
  message: string;
  /** A passed check worth reading before the launch (printed as WARN). */
  warn?: boolean;
}

/** One path-valued setting of the launch, its final value (after every override). */
export interface LaunchPath {
  key: string;
  value: unknown;
  /** `data`: EasyR1/verl data files (`path@split`, a Hub id passes); `function`: `path.py:name`; `file`: a file. */
  kind: 'data' | 'function' | 'file';
}
