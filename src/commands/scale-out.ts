/**
 * `gad-data scale-out --slurm|--k8s`: the scheduler files of a partitioned build of a config — a Slurm job
 * array (one `build --partition slurm` per task) plus a merge job that starts when every task succeeded
 * (`--dependency=afterok`), or a Kubernetes Indexed Job plus a merge Job. The partition count and the expected
 * time per task come from a measured rate: a real build of one small part (or a given --rate and --rows).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import type { CliOptions } from './options.js';
import { GadError } from '../core/errors.js';
import { readConfigFile, resolveConfig } from '../config/config.js';
import { collect } from '../config/flags.js';
import { numberFlag } from '../config/values.js';
import { PartRecorder, PART_DIR, PART_FILE, type PartInfo } from '../partition/part.js';
import { MAX_PARTS } from '../partition/part-spec.js';
import {
  type ScaleOutOptions,
  type ScaleOutPlan,
  renderK8s,
  renderSlurm,
  scaleOutSummary,
} from '../partition/scale-out-scripts.js';
import { commandSummary } from './command-lines.js';

/** N parts so that one task takes about `hours` (at least 1, at most MAX_PARTS, never more than the rows). */
export function planParts(rows: number, rate: number, opts: { hours?: number; parts?: number }): number {
  if (opts.parts !== undefined) return opts.parts;
  const perTask = rate * (opts.hours ?? 1) * 3600;
  return Math.max(1, Math.min(MAX_PARTS, rows, Math.ceil(rows / Math.max(1, perTask))));
}

/** Build one small part (1 of `sampleParts`) for real and time it: the rate of one task and the row count. */
async function measureRate(
  cfgFile: string | null,
  sampleParts: number,
): Promise<{ rows: number; rate: number; rateFrom: string }> {
  const file = cfgFile ? readConfigFile(resolve(cfgFile)) : null;
  const cfg = resolveConfig({ file });
  const dir = mkdtempSync(join(tmpdir(), 'gad-data-measure-'));
  try {
    const count = Math.max(1, sampleParts);
    const hook = new PartRecorder({ index: 0, count }, cfg);
    const t0 = process.hrtime.bigint();
    const { build } = await import('../pipeline/build.js');
    await build({ ...cfg, out: join(dir, 'part') }, { rows: hook });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const info = JSON.parse(await readFile(join(dir, 'part', PART_DIR, PART_FILE), 'utf8')) as PartInfo;
    const rows = info.rows.seen.reduce((a, b) => a + b, 0);
    const rate = info.rows.taken / Math.max(seconds, 1e-3);
    return { rows, rate, rateFrom: `measured: part 0 of ${count}, ${info.rows.taken} rows in ${seconds.toFixed(1)}s` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function addScaleOutCommand(program: Command): void {
  program
    .command('scale-out')
    .description(commandSummary('scale-out'))
    .option('--slurm', 'a bash script submitting the Slurm array and the merge job')
    .option('--k8s', 'Kubernetes Job manifests (YAML)')
    .option('-c, --config <file>', 'the build config (default: gad-data.yaml here; none: the bundled sample)')
    .option(
      '--parts <n>',
      `number of parts (default: from the rate, so a task takes about --hours; 1 to ${MAX_PARTS})`,
      numberFlag('--parts', 1),
    )
    .option('--hours <h>', 'target time per task (default 1)', numberFlag('--hours', 0.000001, { fraction: true }))
    .option(
      '--rate <rows/s>',
      'rows per second of one task (default: measured by building a small part for real)',
      numberFlag('--rate', 0.001, { fraction: true }),
    )
    .option('--rows <n>', 'input rows (with --rate; default: counted by the measurement)', numberFlag('--rows', 1))
    .option(
      '--sample-parts <n>',
      'the measurement builds part 0 of this many (default 50)',
      numberFlag('--sample-parts', 1),
    )
    .option('--command <cmd>', 'how the tasks run gad-data (default: npx gad-data)')
    .option('--cpus <n>', 'CPUs per task (default 4)', numberFlag('--cpus', 1))
    .option(
      '--margin <x>',
      'time limit = x times the expected time + 10 min (default 3)',
      numberFlag('--margin', 1, { fraction: true }),
    )
    .option('--job-name <name>', 'job name prefix (default gad-data)')
    .option('--sbatch <line>', 'an extra #SBATCH line, e.g. "--partition=cpu" (repeatable)', collect)
    .option('--image <image>', 'k8s: container image with Node 20 and gad-data (default node:20)')
    .option('--pvc <claim>', 'k8s: PersistentVolumeClaim holding the data and outputs, mounted at the working folder')
    .option('--out <file>', 'write the script here (default: stdout)')
    .action(async (o: CliOptions) => {
      if (!!o.slurm === !!o.k8s) throw new GadError('give one of --slurm or --k8s', { exitCode: 2 });
      const cfgFile: string | null = o.config ?? (existsSync('gad-data.yaml') ? 'gad-data.yaml' : null);
      const cfg = resolveConfig({ file: cfgFile ? readConfigFile(resolve(cfgFile)) : null });
      let measured: { rows: number; rate: number; rateFrom: string };
      if (o.rate !== undefined && o.rows !== undefined) measured = { rows: o.rows, rate: o.rate, rateFrom: 'given' };
      else {
        process.stderr.write('measuring the rate: building one small part for real...\n');
        const m = await measureRate(cfgFile, o.sampleParts ?? 50);
        measured = o.rate !== undefined ? { rows: m.rows, rate: o.rate, rateFrom: 'given' } : m;
      }
      const parts = planParts(measured.rows, measured.rate, { hours: o.hours, parts: o.parts });
      if (parts > MAX_PARTS) throw new GadError(`--parts: at most ${MAX_PARTS}`, { exitCode: 2 });
      const plan: ScaleOutPlan = { ...measured, parts, taskSeconds: Math.ceil(measured.rows / parts) / measured.rate };
      const cwd = process.cwd();
      const opts: ScaleOutOptions = {
        config: cfgFile ? relative(cwd, resolve(cfgFile)) || cfgFile : null,
        cwd,
        out: relative(cwd, cfg.out) || '.',
        command: o.command ?? 'npx gad-data',
        cpus: o.cpus ?? 4,
        margin: o.margin ?? 3,
        jobName: o.jobName ?? 'gad-data',
        sbatch: o.sbatch ?? [],
        image: o.image ?? 'node:20',
        pvc: o.pvc ?? null,
      };
      const text = o.slurm ? renderSlurm(plan, opts) : renderK8s(plan, opts);
      for (const l of scaleOutSummary(plan)) process.stderr.write(`${l}\n`);
      if (o.out) {
        writeFileSync(o.out, text, { mode: 0o755 });
        process.stderr.write(`wrote ${o.out}${o.slurm ? `; submit with: bash ${o.out}` : ''}\n`);
      } else process.stdout.write(text);
    });
}
