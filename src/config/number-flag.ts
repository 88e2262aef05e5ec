/**
 * The parser of a command's numeric flag that is no config key, in a file of its own: a command that takes only such
 * flags (`gad-data export`) does not load the config schema (zod).
 */
import { usageError } from '../core/errors.js';

/**
 * The parser of a command's numeric flag that is no config key (`--n-gpus`, `--parts`, `--hours`, ...): at least
 * `min`, and a whole number unless `fraction` (a count refuses `2.5`). Anything else is a usage error (exit 2).
 */
export function numberFlag(flag: string, min: number, opts: { fraction?: boolean } = {}): (v: string) => number {
  const what = opts.fraction ? 'a number' : 'a whole number';
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min || (!opts.fraction && !Number.isInteger(n)))
      throw usageError(`${flag} takes ${what} of ${min} or more, got "${v}"`);
    return n;
  };
}
