/**
 * `gad-data build`: the flags (one per config key, generated from the key table: src/config/flags.ts), the
 * config they resolve to with gad-data.yaml, the build, and its summary. A `--partition` build is one part.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { mergeConfig, readConfigFile, resolveConfig, ignoredDataKeys } from '../config/config.js';
import { parseDotlist } from '../config/dotlist.js';
import { GadError } from '../core/errors.js';
import { addKeyFlags, flagsToConfig } from '../config/flags.js';
import type { CliOptions } from './options.js';
import { partitionRun } from './partition.js';
import { progressFor, shownPath } from './shared.js';
import { printBuildResult } from './summary.js';
import { commandSummary } from './command-lines.js';

// The library is loaded by the command that needs it (sharp, the tokenizers, parquet).
const buildLib = () => import('../pipeline/build.js');

export function addBuildCommand(program: Command): void {
  const cmd = program
    .command('build')
    .description(commandSummary('build'))
    .option('-c, --config <file>', 'gad-data.yaml or an EasyR1 config (its data: section is read as is)');
  // Shown defaults come from the config schema a build resolves (no flag default is set, so gad-data.yaml still applies).
  addKeyFlags(cmd)
    .option('--resume', 'reuse finished shards of an interrupted build with the same inputs and settings')
    .option(
      '--partition <I/N>',
      "build only part I of N (rows by a hash of their id) into <out>.parts/I-of-N, for gad-data merge; also slurm, k8s/N (from the scheduler's environment); see docs/scale-out.md",
    )
    .option('--part-out <dir>', "with --partition: the part's folder (default <out>.parts/I-of-N)")
    .option('-q, --quiet', 'no progress, only errors')
    .option('--json', 'print a JSON summary on stdout (for scripts)')
    .argument(
      '[overrides...]',
      "EasyR1's command line: config=FILE key.path=value ... (the file, then the overrides, as verl.trainer.main merges them; flags apply last)",
    )
    .action(async (overrides: string[], o: CliOptions) => {
      process.exitCode = await runBuild(o, overrides);
    });
}

export async function runBuild(o: CliOptions, args: string[] = []): Promise<number> {
  const progress = progressFor(o);
  const dot = parseDotlist(args);
  if (dot.config && o.config)
    throw new GadError(`both -c ${o.config} and config=${dot.config} name a config file`, {
      hint: 'keep one of them',
      exitCode: 2,
    });
  const named = o.config ?? dot.config;
  const auto = !named && existsSync('gad-data.yaml');
  const read = named ? readConfigFile(resolve(named)) : auto ? readConfigFile(resolve('gad-data.yaml')) : null;
  // EasyR1's precedence: the file, then the key=value overrides (OmegaConf.merge(file, cli)); gad-data's flags last.
  const file = dot.keys.length
    ? {
        raw: mergeConfig(read?.raw ?? {}, dot.overrides),
        dir: read?.dir ?? process.cwd(),
        path: read?.path ?? '(command line overrides)',
      }
    : read;
  // The first line: which config was read (one found in the current folder is merged in without being named).
  if (dot.keys.length && !o.quiet) process.stderr.write(`overrides: ${dot.keys.join(', ')} (over the config file)\n`);
  if (read && file && !o.quiet)
    process.stderr.write(
      auto
        ? `config: ${shownPath(file.path)} (found in the current folder and read; flags override it; -c FILE reads another)\n`
        : `config: ${shownPath(file.path)}\n`,
    );
  const cfg = resolveConfig({ file, flags: flagsToConfig(o) });
  if (cfg.embedded && !o.quiet && !o.json)
    progress.log('No data given: building the bundled sample dataset (fixtures/sample) with the qwen3-vl profile.');
  const ignored = ignoredDataKeys(cfg);
  if (ignored.length && !o.quiet && !o.json)
    progress.log(`note: data keys not used by gad-data, ignored: ${ignored.join(', ')}`);
  const { build } = await buildLib();
  const part = partitionRun(o, cfg);
  const result = await build(part?.cfg ?? cfg, {
    progress,
    resume: !!o.resume,
    rows: part?.hook,
    onWarning: (m) => (o.quiet && !o.json ? undefined : progress.log(`warning: ${m}`)),
  });
  if (part) {
    // A part's drop ratio is not the dataset's: only the merge decides the exit code.
    if (!o.quiet && !o.json) process.stdout.write(`${part.next}\n`);
    if (o.json)
      process.stdout.write(
        `${JSON.stringify({ out: result.outDir, part: part.hook.part, splits: result.splits }, null, 2)}\n`,
      );
    return 0;
  }
  return await printBuildResult(result, o);
}
