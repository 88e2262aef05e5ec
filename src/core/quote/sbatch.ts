/**
 * `#SBATCH` option values, as sbatch reads them from a batch script: each `#SBATCH` line is split into words like a
 * command line (whitespace separates, `"` groups, `\` escapes the next character, an unescaped `#` starts a
 * comment), and sbatch reads the script line by line, so a value cannot hold a line break: that is refused.
 */
import { GadError } from '../errors.js';

/** A value in double quotes with `\`, `"`, `#` and `'` escaped: one word to sbatch, exactly `value`. */
export function sbatchValue(value: string, what: string): string {
  if (/[\n\r\0]/.test(value)) {
    throw new GadError(
      `${what} holds a line break (${JSON.stringify(value)}): a Slurm #SBATCH line cannot carry it, and the rest would be read as more lines of the script`,
      { hint: `choose ${what} without line breaks`, exitCode: 2 },
    );
  }
  return `"${value.replace(/[\\"#']/g, (c) => `\\${c}`)}"`;
}

/** One `#SBATCH --option=value` line with the value quoted for sbatch. */
export function sbatchLine(option: string, value: string, what: string): string {
  return `#SBATCH ${option}=${sbatchValue(value, what)}`;
}

/** A literal file name inside a Slurm filename pattern (`--output`): `%` is written `%%`. */
export function slurmLiteral(name: string): string {
  return name.replace(/%/g, '%%');
}
