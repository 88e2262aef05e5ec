/**
 * The `verl-gad` profile: the seed GAD launch script for Qwen3-VL (single node, FSDP, the discriminator as
 * verl's critic), value for value. Like the script, it reads its variables from the environment with the
 * script's defaults (`TRAIN_BATCH_SIZE=${TRAIN_BATCH_SIZE:-32}` ...); what the data decides (files, keys,
 * lengths, image_patch_size) comes from the build instead of the script's constants.
 */
import { resolve } from 'node:path';
import type { Manifest, ShardInfo } from '../core/types.js';
import { type Override, hydraString, hydraValue } from './hydra.js';

/** One variable the launch reads from the environment, as the seed script does (`VAR=${VAR:-default}`). */
export interface LaunchVar {
  name: string;
  /** The value used: the environment's when set there, else the default. */
  value: string;
  /** True when the value came from the environment. */
  fromEnv: boolean;
}

/** The seed script's token budget per GPU for dynamic micro-batches (actor and critic). */
export const SEED_MAX_TOKEN_LEN_PER_GPU = 12288;
/** The seed script's `actor_rollout_ref.rollout.prompt_length` (vLLM's prompt budget, above max_prompt_length). */
export const SEED_ROLLOUT_PROMPT_LENGTH = 16384;

/** What the profile needs from the build and the command line. */
export interface GadContext {
  manifest: Manifest;
  outDir: string;
  trainShards: ShardInfo[];
  valShards: ShardInfo[];
  nGpus: number;
  /** `--keep-filter-overlong`. */
  filter: boolean;
  /** `--model-path` / `--reward-model-path` (they beat $MODEL_PATH / $REWARD_MODEL_PATH). */
  generator?: string;
  discriminator?: string;
  /** The build's model, MODEL_PATH's default ('' when the build's model cannot be launched). */
  buildModel?: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The seed script's overrides, in its order. An override whose value comes from a variable carries
 * `from: NAME` (the exported script writes `key="$NAME"` for it). Returns the variables in the script's
 * order and notes for anything that differs from the script because the data decided it.
 */
export function seedGadOverrides(c: GadContext): { overrides: Override[]; vars: LaunchVar[]; notes: string[] } {
  const m = c.manifest;
  const vars: LaunchVar[] = [];
  const notes: string[] = [];
  // `str`: a string (path, name) written as a Hydra string; the others are Hydra text as typed (numbers, lists).
  const v = (name: string, dflt: string, o: { flag?: string; str?: boolean } = {}): LaunchVar & { raw: string } => {
    const envValue = c.env[name];
    const [raw, fromEnv] =
      o.flag !== undefined
        ? [o.flag, false]
        : envValue !== undefined && envValue !== ''
          ? [envValue, true]
          : [dflt, false];
    const lv = { name, value: o.str ? hydraString(raw) : raw, fromEnv, raw };
    vars.push({ name, value: lv.value, fromEnv });
    return lv;
  };
  const files = (s: ShardInfo[]) => hydraValue(s.map((x) => resolve(c.outDir, x.file)));

  // The script's variables, in its order. The generator defaults to the build's model; the discriminator has no
  // default (the script's are its author's checkpoints): pre-flight says to pass it.
  const MODEL_PATH = v('MODEL_PATH', c.buildModel ?? '', { flag: c.generator, str: true });
  const REWARD_MODEL_PATH = v('REWARD_MODEL_PATH', '', { flag: c.discriminator, str: true });
  const TRAIN_FILES = v('TRAIN_FILES', files(c.trainShards));
  const VAL_FILES = v('VAL_FILES', files(c.valShards));
  const EXP_NAME = v('EXP_NAME', 'qwen3_vl_gad_exp1', { str: true });
  const SAVE_DIR = v('SAVE_DIR', `/tmp/${EXP_NAME.raw}`, { str: true });
  const SWANLAB_PROJECT = v('SWANLAB_PROJECT', 'qwen3_vl_gad_exp', { str: true });
  const TRAIN_BATCH_SIZE = v('TRAIN_BATCH_SIZE', '32');
  const VAL_BATCH_SIZE = v('VAL_BATCH_SIZE', '100');
  const MAX_PROMPT_LENGTH = v('MAX_PROMPT_LENGTH', String(m.limits.maxPromptLength));
  const MAX_RESPONSE_LENGTH = v('MAX_RESPONSE_LENGTH', String(m.limits.maxResponseLength));
  const PPO_MINI_BATCH_SIZE = v('PPO_MINI_BATCH_SIZE', '32');
  const ROLLOUT_N = v('ROLLOUT_N', '8');
  const ACTOR_LR = v('ACTOR_LR', '1e-6');
  const CRITIC_LR = v('CRITIC_LR', '1e-6');
  const GEN_TP = v('GEN_TP', String(Math.max(1, Math.min(2, c.nGpus))));

  for (const [lv, what] of [
    [TRAIN_FILES, 'train'],
    [VAL_FILES, 'validation'],
  ] as const) {
    if (lv.fromEnv) notes.push(`$${lv.name} is set: the ${what} files are ${lv.value}, not the build's shards`);
  }
  for (const [lv, built] of [
    [MAX_PROMPT_LENGTH, m.limits.maxPromptLength],
    [MAX_RESPONSE_LENGTH, m.limits.maxResponseLength],
  ] as const) {
    if (lv.fromEnv && Number(lv.value) !== built)
      notes.push(
        `$${lv.name}=${lv.value} differs from the build's limit ${built} (the rows were counted and filtered against ${built})`,
      );
  }

  // verl's dynamic micro-batches need max_token_len >= prompt + response (seqlen_balancing asserts it).
  // The build's limits, or the variables' when they are larger.
  const num = (x: string) => (Number.isFinite(Number(x)) ? Number(x) : 0);
  const seqLen = Math.max(
    m.limits.maxPromptLength + m.limits.maxResponseLength,
    num(MAX_PROMPT_LENGTH.value) + num(MAX_RESPONSE_LENGTH.value),
  );
  const tokenLen = Math.max(SEED_MAX_TOKEN_LEN_PER_GPU, seqLen);
  if (tokenLen > SEED_MAX_TOKEN_LEN_PER_GPU) {
    notes.push(
      `ppo_max_token_len_per_gpu raised from the seed's ${SEED_MAX_TOKEN_LEN_PER_GPU} to ${tokenLen} = max_prompt_length + max_response_length (verl requires max_token_len >= prompt + response)`,
    );
  }
  const promptLen = Math.max(SEED_ROLLOUT_PROMPT_LENGTH, m.limits.maxPromptLength, num(MAX_PROMPT_LENGTH.value));
  if (promptLen > SEED_ROLLOUT_PROMPT_LENGTH)
    notes.push(
      `rollout.prompt_length raised from the seed's ${SEED_ROLLOUT_PROMPT_LENGTH} to max_prompt_length ${promptLen}`,
    );

  const o: Override[] = [];
  const set = (key: string, value: string) => o.push({ key, value });
  const fromVar = (key: string, lv: LaunchVar) => o.push({ key, value: lv.value, from: lv.name });
  set('algorithm.adv_estimator', 'grpo');
  fromVar('data.train_files', TRAIN_FILES);
  fromVar('data.train_batch_size', TRAIN_BATCH_SIZE);
  fromVar('data.val_files', VAL_FILES);
  fromVar('data.val_batch_size', VAL_BATCH_SIZE);
  // The data decides: the build's columns and the model's patch size (`++`: added when this verl has no such key).
  set('data.prompt_key', hydraValue(m.columns.prompt));
  set('data.image_key', hydraValue(m.columns.images));
  set('++data.image_patch_size', String(m.model.patchSize));
  fromVar('data.max_prompt_length', MAX_PROMPT_LENGTH);
  fromVar('data.max_response_length', MAX_RESPONSE_LENGTH);
  // The build already counted every prompt exactly and dropped the overlong ones: verl's filter would only
  // recount them, and a prompt that does not fit is a bug to see, not to cut (the seed: True / 'right').
  set('data.filter_overlong_prompts', c.filter ? 'True' : 'False');
  set('data.truncation', 'error');
  fromVar('actor_rollout_ref.model.path', MODEL_PATH);
  set('actor_rollout_ref.model.use_remove_padding', 'True');
  set('actor_rollout_ref.model.enable_gradient_checkpointing', 'True');
  fromVar('actor_rollout_ref.actor.optim.lr', ACTOR_LR);
  set('actor_rollout_ref.actor.grad_clip', '0.2');
  fromVar('actor_rollout_ref.actor.ppo_mini_batch_size', PPO_MINI_BATCH_SIZE);
  set('actor_rollout_ref.actor.use_dynamic_bsz', 'True');
  set('actor_rollout_ref.actor.ppo_max_token_len_per_gpu', String(tokenLen));
  set('actor_rollout_ref.actor.use_kl_loss', 'True');
  set('actor_rollout_ref.actor.entropy_coeff', '0.0');
  set('actor_rollout_ref.actor.kl_loss_coef', '0.001');
  set('actor_rollout_ref.actor.kl_loss_type', 'low_var_kl');
  set('actor_rollout_ref.actor.ulysses_sequence_parallel_size', '1');
  set('actor_rollout_ref.actor.fsdp_config.param_offload', 'False');
  set('actor_rollout_ref.actor.fsdp_config.optimizer_offload', 'False');
  set('actor_rollout_ref.ref.fsdp_config.param_offload', 'False');
  if (tokenLen > SEED_MAX_TOKEN_LEN_PER_GPU) {
    // verl interpolates these from the actor's budget; set them too for forks that do not.
    set('actor_rollout_ref.rollout.log_prob_max_token_len_per_gpu', String(tokenLen));
    set('actor_rollout_ref.ref.log_prob_max_token_len_per_gpu', String(tokenLen));
  }
  set('actor_rollout_ref.rollout.name', 'vllm');
  fromVar('actor_rollout_ref.rollout.tensor_model_parallel_size', GEN_TP);
  set('actor_rollout_ref.rollout.temperature', '0.8');
  set('actor_rollout_ref.rollout.gpu_memory_utilization', '0.7');
  fromVar('actor_rollout_ref.rollout.n', ROLLOUT_N);
  set('+actor_rollout_ref.rollout.engine_kwargs.vllm.disable_mm_preprocessor_cache', 'True');
  set('actor_rollout_ref.rollout.enforce_eager', 'False');
  set('actor_rollout_ref.rollout.free_cache_engine', 'False');
  set('actor_rollout_ref.rollout.prompt_length', String(promptLen));
  fromVar('actor_rollout_ref.rollout.response_length', MAX_RESPONSE_LENGTH);
  fromVar('critic.model.path', REWARD_MODEL_PATH);
  set('reward_model.use_reward_loop', 'False');
  set('critic.model.use_remove_padding', 'True');
  fromVar('critic.optim.lr', CRITIC_LR);
  set('critic.ppo_max_token_len_per_gpu', String(tokenLen));
  set('critic.grad_clip', '0.2');
  set('algorithm.kl_ctrl.kl_coef', '0.001');
  set('trainer.val_before_train', 'True');
  set('trainer.critic_warmup', '0');
  set('trainer.logger', hydraValue(['console', 'swanlab']));
  fromVar('trainer.project_name', SWANLAB_PROJECT);
  fromVar('trainer.experiment_name', EXP_NAME);
  set('trainer.n_gpus_per_node', String(c.nGpus));
  set('trainer.nnodes', '1');
  set('trainer.save_freq', '200');
  set('trainer.test_freq', '200');
  set('trainer.default_hdfs_dir', 'null');
  set('trainer.total_epochs', '4');
  fromVar('trainer.default_local_dir', SAVE_DIR);
  return { overrides: o, vars, notes };
}
