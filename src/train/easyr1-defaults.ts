import { EASYR1_DATA_CONFIG_FIELDS } from '../core/easyr1-data-keys.js';

/** The EasyR1 commit whose `examples/config.yaml` and `PPOConfig` the defaults below follow. */
export const EASYR1_COMMIT = 'b44b311b669bf1fd1aa2fc36f2251482ba33cb16';

/** Fields of EasyR1's `DataConfig` that it removed before EASYR1_COMMIT. */
const REMOVED_DATA_KEYS: readonly string[] = [
  'format_prompt_path',
  'system_prompt',
  'return_raw_input_ids',
  'return_raw_prompt',
];

/** The keys of EasyR1's `DataConfig` at EASYR1_COMMIT (its main.py rejects any other `data.` key). */
export const EASYR1_DATA_KEYS: readonly string[] = EASYR1_DATA_CONFIG_FIELDS.filter(
  (k) => !REMOVED_DATA_KEYS.includes(k),
);

/**
 * The settings of EasyR1's example `config.yaml` (hiyouga/EasyR1 at EASYR1_COMMIT), used for everything the
 * build does not decide when there is no base config. Written out here, not read from EasyR1; every key
 * loads in that commit's `PPOConfig` (test/train/easyr1-config.test.ts checks it against the key tree).
 * Differences from the example: `trainer.logger` is the seed EasyR1 launch's `['console', 'swanlab']`, and
 * `worker.actor.model.model_path` is null (the example names a text-only model): pass --model-path or set
 * $MODEL_PATH. The `data:` section is replaced by the build's values; `reward_function` is resolved by
 * EasyR1 relative to the folder the trainer is started from (run `gad-data train` from the EasyR1 checkout,
 * or override it).
 */
export function easyr1DefaultConfig(): Record<string, unknown> {
  return {
    data: {
      train_files: 'hiyouga/math12k@train',
      val_files: 'hiyouga/math12k@test',
      prompt_key: 'problem',
      answer_key: 'answer',
      image_key: 'images',
      video_key: 'videos',
      image_dir: null,
      video_fps: 2.0,
      max_prompt_length: 2048,
      max_response_length: 2048,
      rollout_batch_size: 512,
      mini_rollout_batch_size: null,
      val_batch_size: 1024,
      format_prompt: './examples/format_prompt/math.jinja',
      override_chat_template: null,
      shuffle: true,
      seed: 1,
      min_pixels: 262144,
      max_pixels: 4194304,
      filter_overlong_prompts: true,
    },
    algorithm: {
      adv_estimator: 'grpo',
      disable_kl: false,
      use_kl_loss: true,
      kl_penalty: 'low_var_kl',
      kl_coef: 1.0e-2,
      online_filtering: false,
      filter_key: 'overall',
      filter_low: 0.01,
      filter_high: 0.99,
    },
    worker: {
      actor: {
        global_batch_size: 128,
        micro_batch_size_per_device_for_update: 1,
        micro_batch_size_per_device_for_experience: 2,
        max_grad_norm: 1.0,
        padding_free: true,
        dynamic_batching: true,
        ulysses_size: 1,
        model: {
          model_path: null,
          enable_gradient_checkpointing: true,
          trust_remote_code: false,
          freeze_vision_tower: false,
          lora: { rank: 0, alpha: 64, target_modules: 'all-linear', exclude_modules: '.*visual.*' },
        },
        optim: { lr: 1.0e-6, weight_decay: 1.0e-2, strategy: 'adamw', lr_warmup_ratio: 0.0 },
        fsdp: { enable_full_shard: true, enable_cpu_offload: false, enable_rank0_init: true },
        offload: { offload_params: true, offload_optimizer: true },
      },
      rollout: {
        n: 5,
        temperature: 1.0,
        top_p: 1.0,
        limit_images: 0,
        gpu_memory_utilization: 0.6,
        enforce_eager: false,
        enable_chunked_prefill: false,
        tensor_parallel_size: 2,
        disable_tqdm: false,
        val_override_config: { temperature: 0.6, top_p: 0.95, n: 1 },
      },
      ref: {
        fsdp: { enable_full_shard: true, enable_cpu_offload: true, enable_rank0_init: true },
        offload: { offload_params: false },
      },
      reward: {
        reward_function: './examples/reward_function/math.py:compute_score',
      },
    },
    trainer: {
      total_epochs: 15,
      max_steps: null,
      project_name: 'easy_r1',
      experiment_name: 'qwen2_5_7b_math_grpo',
      logger: ['console', 'swanlab'],
      nnodes: 1,
      n_gpus_per_node: 8,
      max_try_make_batch: 20,
      val_freq: 5,
      val_before_train: true,
      val_only: false,
      val_generations_to_log: 3,
      save_freq: 5,
      save_limit: 3,
      save_model_only: false,
      save_checkpoint_path: null,
      load_checkpoint_path: null,
      find_last_checkpoint: true,
    },
  };
}
