/** The usage checks of `validate FILES`: its files and flags, before any file is read (exit 2 with the fix). */
import { usageError } from '../core/errors.js';
import type { ValidateOptions } from './validate-types.js';

const NEEDS_MODEL_HINT = 'add --model qwen2.5-vl, --model qwen3-vl or a model folder';

export function checkValidateOptions(files: string[], opts: ValidateOptions): void {
  if (!files.length) throw usageError('no files to validate', 'gad-data validate FILE.parquet... --target verl|easyr1');
  if (opts.target !== 'verl' && opts.target !== 'easyr1')
    throw usageError(`unknown target ${String(opts.target)}`, 'use --target verl or --target easyr1');
  for (const [flag, value] of [
    ['--max-prompt-length', opts.maxPromptLength],
    ['--max-response-length', opts.maxResponseLength],
  ] as const)
    if (value !== undefined && !opts.model) throw usageError(`${flag} needs --model to count tokens`, NEEDS_MODEL_HINT);
  if ((opts.minPixels !== undefined || opts.maxPixels !== undefined) && !opts.model)
    throw usageError('--min-pixels / --max-pixels need --model to resize and count', NEEDS_MODEL_HINT);
}
