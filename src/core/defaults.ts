/**
 * Defaults that `build`, `validate` and `report` must agree on, in one place: the resize pipeline each target
 * trainer runs before the processor, and the format prompt applied to a text prompt column.
 */
import type { ResizePipeline, Target } from './types.js';

/**
 * The pipeline each trainer runs before the processor. verl 0.4.0 through 0.7 and HEAD pass every image through
 * qwen-vl-utils' `fetch_image` (checked in their `verl/utils/dataset/vision_utils.py` and `rl_dataset.py`; from
 * 0.6.1 with `data.image_patch_size`, 16 for Qwen3-VL, which `gad-data train` sets); EasyR1 runs its own
 * `process_image`.
 */
export function defaultPipelineFor(target: Target): ResizePipeline {
  return target === 'easyr1' ? 'easyr1' : 'qwen-vl-utils';
}

/**
 * The format prompt applied to a text prompt column when none is configured (EasyR1's example config uses
 * `math`). A verl message-list prompt already holds its instruction: it gets no format prompt unless one is
 * asked for explicitly.
 */
export const DEFAULT_FORMAT_PROMPT = 'math';

/**
 * The format prompt `validate` / `report FILES` apply before counting when none is given: verl files hold the
 * final prompt (nothing is applied, whatever is given); EasyR1 files the raw problem, formatted with this.
 */
export function defaultFormatPromptFor(target: Target): string {
  return target === 'verl' ? 'none' : DEFAULT_FORMAT_PROMPT;
}

/** Who runs each pipeline, for the report and the manifest. */
export function trainerOfPipeline(pipeline: ResizePipeline): string {
  if (pipeline === 'easyr1') return 'EasyR1 (process_image pre-resize, then the processor)';
  if (pipeline === 'qwen-vl-utils') return 'verl 0.4.1 to 0.7 and HEAD (qwen-vl-utils fetch_image with data.image_patch_size = the model patch, then the processor)';
  return 'any trainer given images already at their target size (the processor alone)';
}
