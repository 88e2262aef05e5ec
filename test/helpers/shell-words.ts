/**
 * The words a shell reads from a command line gad-data prints to run next (`npx gad-data ...`): the line is run by
 * `sh` with `npx gad-data` replaced by a `printf` of each word on its own line.
 */
import { execFileSync } from 'node:child_process';

export function shellWords(line: string): string[] {
  const cmd = line.trim().replace(/^npx gad-data /, "printf '%s\\n' ");
  return execFileSync('sh', ['-c', cmd], { encoding: 'utf8' }).split('\n');
}

/** The word after `flag` in the printed command `line`, as a shell reads it. */
export function shellFlagValue(line: string, flag: string): string | undefined {
  const words = shellWords(line);
  return words[words.indexOf(flag) + 1];
}
