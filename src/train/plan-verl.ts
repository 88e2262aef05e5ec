/**
 * The verl profiles' launch: `python -m verl.trainer.main_ppo` with Hydra overrides — the GAD seed script's for
 * verl-gad (verl-gad.ts), the usual GRPO settings for verl-grpo — then the config's and the command line's overrides.
 */
import { basename, resolve } from 'node:path';
import type { Manifest, ShardInfo } from '../core/types.js';
import {
  type Override,
  flattenToOverrides,
  formatOverride,
  hydraValue,
  lookupOverride,
  mergeOverrides,
  unquoteHydra,
} from './hydra.js';
import type { LaunchPlan, PlanContext, TrainOptions } from './launch-plan.js';
import { seedGadOverrides } from './verl-gad.js';

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

export function planVerl(plan: LaunchPlan, opts: TrainOptions, c: PlanContext & { discriminator: string }): void {
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
      buildModel: c.buildModel,
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
  plan.paths = (
    [
      ['data.train_files', 'data'],
      ['data.val_files', 'data'],
      ['custom_reward_function.path', 'file'],
    ] as const
  ).map(([key, kind]) => ({ key, kind, value: get(key) }));
  if (profile === 'verl-gad') plan.models.discriminator = get('critic.model.path') ?? '';
  plan.nGpusPerNode = Number(get('trainer.n_gpus_per_node') ?? nGpus);
  plan.batchSize = Number(get('data.train_batch_size') ?? 0) || undefined;
}
