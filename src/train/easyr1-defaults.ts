/**
 * The settings EasyR1's example `config.yaml` starts from (EasyR1 mid-2026), used for everything the build
 * does not decide when the user gives no `--base-config`. Written out here, not read from EasyR1. The
 * `data:` section is replaced by the build's values; `score_function` is resolved by EasyR1 relative to the
 * folder the trainer is started from (run `gad-data train` from the EasyR1 checkout, or override it).
 */
export function easyr1DefaultConfig(): Record<string, unknown> {
  return {
    data: {
      train_files: 'hiyouga/math12k@train',
      val_files: 'hiyouga/math12k@test',
      prompt_key: 'problem',
      answer_key: 'answer',
      image_key: 'images',
      image_dir: null,
      max_prompt_length: 2048,
      max_response_length: 2048,
      rollout_batch_size: 512,
      val_batch_size: -1,
      format_prompt: null,
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
    },
    worker: {
      actor: {
        global_batch_size: 128,
        micro_batch_size_per_device_for_update: 4,
        micro_batch_size_per_device_for_experience: 16,
        max_grad_norm: 1.0,
        padding_free: true,
        ulysses_sequence_parallel_size: 1,
        model: {
          model_path: 'Qwen/Qwen2.5-VL-7B-Instruct',
          enable_gradient_checkpointing: true,
          trust_remote_code: false,
          freeze_vision_tower: false,
        },
        optim: { lr: 1.0e-6, weight_decay: 1.0e-2, strategy: 'adamw', lr_warmup_ratio: 0.0 },
        fsdp: { enable_full_shard: true, enable_cpu_offload: false, enable_rank0_init: true },
        offload: { offload_params: true, offload_optimizer: true },
      },
      rollout: {
        n: 5,
        temperature: 1.0,
        top_p: 0.99,
        gpu_memory_utilization: 0.6,
        enforce_eager: false,
        enable_chunked_prefill: false,
        tensor_parallel_size: 2,
        limit_images: 0,
        val_override_config: { temperature: 0.5, n: 1 },
      },
      ref: {
        fsdp: { enable_full_shard: true, enable_cpu_offload: true, enable_rank0_init: true },
        offload: { offload_params: false },
      },
      reward: {
        reward_type: 'function',
        score_function: './examples/score_function/math.py:compute_score',
      },
    },
    trainer: {
      total_epochs: 15,
      max_steps: null,
      logger: ['console', 'swanlab'],
      project_name: 'easy_r1',
      experiment_name: 'gad_data_grpo',
      n_gpus_per_node: 8,
      nnodes: 1,
      val_freq: 5,
      val_before_train: true,
      val_only: false,
      val_generations_to_log: 3,
      save_freq: 5,
      save_limit: 3,
      save_checkpoint_path: null,
      load_checkpoint_path: null,
    },
  };
}
