/**
 * The fields of EasyR1's `DataConfig` (`verl/trainer/config.py` in hiyouga/EasyR1): the union over the file's
 * history, from its first version (2025-02) to the latest read (commit b44b311, 2026-07-30), so a config
 * written for any EasyR1 release loads. gad-data reads some of them (the `data.` keys of the key table,
 * src/config/keys-sections.ts); the others are accepted and listed as ignored. Any key outside this list and
 * gad-data's own is a config error.
 * Update by reading the dataclass again when EasyR1 adds a field.
 */
export const EASYR1_DATA_CONFIG_FIELDS = [
  'train_files',
  'val_files',
  'prompt_key',
  'answer_key',
  'image_key',
  'video_key',
  'image_dir',
  'video_fps',
  'max_prompt_length',
  'max_response_length',
  'rollout_batch_size',
  'mini_rollout_batch_size',
  'val_batch_size',
  'format_prompt',
  'format_prompt_path',
  'override_chat_template',
  'system_prompt',
  'shuffle',
  'seed',
  'min_pixels',
  'max_pixels',
  'filter_overlong_prompts',
  'filter_overlong_prompts_workers',
  'return_raw_input_ids',
  'return_raw_prompt',
] as const;
