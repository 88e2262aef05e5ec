/**
 * The fix for each drop reason, as printed when a split loses most of its rows to one reason (split-check.ts):
 * what usually causes a whole split to go that way, and the key or flag that changes it.
 */
import type { DropReason } from '../core/types.js';

export const DROP_FIXES: Record<DropReason, string> = {
  prompt_too_long:
    'raise max_prompt_length (--max-prompt-length); the report shows what each length keeps and recommends one',
  response_too_long: 'raise max_response_length (--max-response-length) to fit the teacher responses',
  image_undecodable: 're-encode or replace the broken image files (the detail names the decoder error)',
  image_too_large: 'raise max_input_pixels (--max-input-pixels), or shrink the images before the build',
  aspect_ratio: 'the model refuses images longer than 200 times their width (or the reverse): crop or pad them',
  image_too_small: 'the images are smaller than the pipeline accepts: upscale them or check the image column',
  image_count_mismatch:
    'the <image> placeholders and the images disagree: check that image_key (--image-key) names the column holding the images, and image_dir (--image-dir) the folder their paths are relative to',
  multi_image: 'pass --multi-image (single_image: false) to keep rows with several images',
  no_image:
    'check that image_key (--image-key) names the column holding the images, or leave out --require-image to keep text-only rows',
  no_teacher_response:
    'the teacher file has no response for these rows: check that --id-key and --teacher-id-key name matching fields, and give the teacher file a split field (teacher.split_key) when ids repeat across splits',
  empty_prompt: 'check that prompt_key (--prompt-key) names the column holding the prompt',
  duplicate: 'the rows repeat (same prompt and image): deduplicate the input, or pass --no-dedupe to keep them',
  leak: 'the test rows equal train rows (is --val the train file?): give the real test split, or pass --no-dedupe',
  bad_row:
    'fix the rows the detail names (a broken JSON line, a cell that is not text, a message list or an image); check prompt_key and image_key',
  image_outside_root:
    'the image paths lead outside the data folder: set image_dir (--image-dir) to the folder holding the images, or pass --allow-outside-paths (allow_outside_paths: true) to read them where they are',
  duplicate_id:
    'choose an id_key (--id-key) whose values are unique within each split; when they repeat across splits (verl numbers extra_info.index from 0 in each split), give the teacher file a split field (teacher.split_key)',
};
