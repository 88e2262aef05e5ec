/**
 * Test helper: a recording stand-in for Slurm's `sbatch`, put first on PATH. It reads the batch script (from the
 * file argument, else stdin, as `sbatch <<'EOF'` gives it), parses its `#SBATCH` lines as sbatch's opt.c does —
 * only before the first line that is not a comment or blank (after the `#!` line), each line split into words by
 * `_get_argument`'s rules: whitespace separates, `"` groups, `\` escapes the next character, an unescaped `#`
 * starts a comment — then appends {argv, options, script} to $FAKE_SBATCH_RECORD (JSON lines) and prints a job id,
 * as `sbatch --parsable` does. It runs nothing.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SCRIPT = String.raw`#!/usr/bin/env node
const fs = require('fs');
function getArguments(rest) {
  const out = [];
  let i = 0;
  for (;;) {
    while (i < rest.length && /\s/.test(rest[i])) i++;
    if (i >= rest.length) return out;
    let arg = '';
    let quoted = false;
    let escape = false;
    let comment = false;
    while (i < rest.length && (quoted || !/\s/.test(rest[i]))) {
      const c = rest[i];
      if (escape) { escape = false; arg += c; }
      else if (c === '\\') escape = true;
      else if (c === '"') quoted = !quoted;
      else if (c === '#') { comment = true; break; }
      else arg += c;
      i++;
    }
    if (arg.length) out.push(arg);
    if (comment) return out;
  }
}
function parse(script) {
  const options = [];
  const lines = script.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    if (n === 0 && line.startsWith('#!')) continue;
    if (line.startsWith('#SBATCH')) { options.push(...getArguments(line.slice(7))); continue; }
    if (/^\s*$/.test(line) || /^\s*#/.test(line)) continue;
    break;
  }
  return options;
}
const argv = process.argv.slice(2);
const file = argv.find((a, i) => !a.startsWith('-') && (i === 0 || !/^-[A-Za-z]$/.test(argv[i - 1])));
const script = file ? fs.readFileSync(file, 'utf8') : fs.readFileSync(0, 'utf8');
const rec = process.env.FAKE_SBATCH_RECORD;
const n = rec && fs.existsSync(rec) ? fs.readFileSync(rec, 'utf8').split('\n').filter(Boolean).length : 0;
fs.appendFileSync(rec, JSON.stringify({ argv, options: parse(script), script }) + '\n');
process.stdout.write(argv.includes('--parsable') ? String(1000 + n) + '\n' : 'Submitted batch job ' + (1000 + n) + '\n');
`;

export interface SbatchCall {
  argv: string[];
  /** The `#SBATCH` words, as sbatch reads them. */
  options: string[];
  script: string;
}

/** A bin folder holding the fake `sbatch`; calls are recorded in `record`. */
export function fakeSbatch(dir: string): { bin: string; record: string; calls: () => SbatchCall[] } {
  const bin = join(dir, 'fake-sbatch-bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'sbatch'), SCRIPT);
  chmodSync(join(bin, 'sbatch'), 0o755);
  const record = join(dir, 'sbatch-calls.jsonl');
  writeFileSync(record, '');
  return {
    bin,
    record,
    calls: () =>
      readFileSync(record, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as SbatchCall),
  };
}

/** The value of `--name=value` among sbatch words (the last one wins, as in getopt). */
export function sbatchOption(options: string[], name: string): string | undefined {
  const hits = options.filter((o) => o.startsWith(`${name}=`));
  return hits.length ? hits[hits.length - 1]!.slice(name.length + 1) : undefined;
}

/**
 * Hostile values for generated scripts and configs: line breaks with heredoc terminators and commands after
 * them, quotes, command substitution, backticks, `#`, `${…}`, `%`, spaces, unicode. `MARK` is replaced by a path
 * the caller checks was never created.
 */
export const HOSTILE = [
  'plain',
  'a b',
  "it's",
  'say "hi"',
  '$(touch MARK)',
  '`touch MARK`',
  'x; touch MARK',
  'x && touch MARK #',
  '# not a comment',
  'a#b',
  '${HOME}',
  '${oc.env:HOME}',
  '\\${x}',
  'back\\slash',
  '50%j',
  'tab\there',
  '数据集 ünïcödé',
  "'; touch MARK; echo '",
  '"; touch MARK; echo "',
  'x\nGAD_DATA_PARTS\ntouch MARK',
  'x\ntouch MARK\n#',
  'x\r\ny',
  '\u2028line sep',
];
