/**
 * The CLI side of partitioned builds: `build --partition I/N` (which part, where it goes) and `gad-data merge`.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CliOptions } from './options.js';
import { GadError } from '../core/errors.js';
import type { ResolvedConfig } from '../config/config.js';
import { PartRecorder } from '../partition/part.js';

/** The merge loads the build (sharp, tokenizers, parquet) only when it runs. */
const mergeLib = () => import('../partition/merge.js');

import { parsePartition, partFolder } from '../partition/part-spec.js';
import { progressFor } from './shared.js';
import { printBuildResult } from './summary.js';
import { commandSummary } from './command-lines.js';

export interface PartitionRun {
  cfg: ResolvedConfig;
  hook: PartRecorder;
  /** A line for the end of the build's output. */
  next: string;
}

/** `--partition` given: the part's config (its own output folder) and the recorder. */
export function partitionRun(o: CliOptions, cfg: ResolvedConfig): PartitionRun | null {
  if (o.partition === undefined) {
    if (o.partOut !== undefined) throw new GadError('--part-out needs --partition', { exitCode: 2 });
    return null;
  }
  if (o.resume)
    throw new GadError('--resume is not supported with --partition', {
      hint: 'a part is rebuilt from the start (rerun the task without --resume); the merge itself can --resume',
      exitCode: 2,
    });
  const part = parsePartition(String(o.partition));
  const out = resolve(o.partOut ?? partFolder(cfg.out, part));
  return {
    cfg: { ...cfg, out },
    hook: new PartRecorder(part, cfg),
    next: `part ${part.index} of ${part.count} written to ${out}; when all ${part.count} parts are done: gad-data merge --out ${cfg.out}`,
  };
}

export function addMergeCommand(program: Command): void {
  program
    .command('merge')
    .description(commandSummary('merge'))
    .argument('[parts...]', 'the part folders (default: every part in <out>.parts/)')
    .requiredOption('-o, --out <dir>', "output folder (the build's out)")
    .option('--resume', 'reuse finished shards of an interrupted merge')
    .option('-q, --quiet', 'no progress, only errors')
    .option('--json', 'print a JSON summary on stdout (for scripts)')
    .action(async (parts: string[], o: CliOptions) => {
      const progress = progressFor(o);
      const { defaultParts, mergeParts } = await mergeLib();
      const dirs = parts.length ? parts : defaultParts(o.out);
      const result = await mergeParts(dirs, {
        out: o.out,
        resume: !!o.resume,
        progress,
        onWarning: (m) => (o.quiet && !o.json ? undefined : progress.log(`warning: ${m}`)),
      });
      process.exitCode = await printBuildResult(result, o);
    });
}
