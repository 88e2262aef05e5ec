/**
 * `train --export-script run.sh`: the dry run as a bash launch script in the seed GAD script's shape —
 * environment defaults at the top (a value already in the environment wins, `VAR=${VAR:-default}`),
 * `set -x`, then the python3 command with one override per line, `"$@"` last for extra overrides.
 * Run without any of its variables set, it starts the trainer with exactly the dry run's argv.
 */
import { basename } from 'node:path';
import { commentText } from '../core/quote/shell.js';
import { formatOverride, shellQuote } from './hydra.js';
import type { LaunchPlan } from './launch-plan.js';

/** A word as the default of `${VAR:-...}` (bash removes the quotes; `}` inside quotes does not end it). */
function shellDefault(value: string): string {
  return value === '' ? "''" : shellQuote(value);
}

export function formatLaunchScript(plan: LaunchPlan): string {
  const lead = plan.command[1] === '-m' ? 3 : 1;
  const args = plan.command.slice(lead);
  // The overrides with the variable each value came from (verl-gad), else the arguments as they are.
  const overrides =
    plan.overrides && plan.overrides.length === args.length
      ? plan.overrides
      : args.map((a) => ({ key: a, value: null, from: undefined }));
  const lines: string[] = ['#!/bin/bash'];
  const what = plan.profile ? ` --profile ${plan.profile}` : '';
  const from = plan.outDir ? ` from ${commentText(basename(plan.outDir))}/manifest.json` : '';
  lines.push(`# Written by \`gad-data train${what} --export-script\`${from}.`);
  lines.push('# Every variable below can be set in the environment instead (its value there wins).');
  if (plan.configFile)
    lines.push(`# The trainer reads ${commentText(plan.configFile.path)} (written with this script).`);
  lines.push(`# Run it from ${commentText(plan.cwd)} (the folder gad-data planned the launch in).`, '', 'set -x', '');
  for (const [k, v] of Object.entries(plan.env)) lines.push(`export ${k}=\${${k}:-${shellDefault(v)}}`);
  const used = new Set(overrides.map((o) => o.from).filter((x): x is string => !!x));
  const vars = (plan.vars ?? []).filter((v) => used.has(v.name));
  if (vars.length) {
    lines.push('');
    for (const v of vars) lines.push(`${v.name}=\${${v.name}:-${shellDefault(v.value)}}`);
  }
  const words = overrides.map((o) =>
    o.from && o.value !== null ? `${shellQuote(`${o.key}=`)}"$${o.from}"` : shellQuote(formatOverride(o)),
  );
  lines.push('', `${plan.command.slice(0, lead).map(shellQuote).join(' ')} \\`);
  words.forEach((w, i) => lines.push(`    ${w}${i < words.length - 1 ? ' \\' : ' "$@"'}`));
  if (!words.length) lines[lines.length - 1] = lines[lines.length - 1]!.replace(/ \\$/, ' "$@"');
  return `${lines.join('\n')}\n`;
}
