/**
 * The build a user runs on the Geometry3K-size set — `gad-data build --train train.jsonl --image-dir images --id-key
 * id --model qwen3-vl --out OUT -q` (default pipeline, images passed through) — against the pyarrow floor
 * (bench/floor.ts) on the same rows, alternately in pairs, each a whole child process: wall, CPU (user + system)
 * and peak RSS, rows/s, and the build's CPU as a multiple of the floor's, per pair and the median. Each pair also
 * times the PNG check alone (bench/check-alone.ts: the images read and checked, nothing else), the part of the
 * build the floor does not do and no writer can make cheaper. Then the median build against the transformers
 * processor path that bench/geometry.ts measured over the same rows.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { packagePath } from '../src/core/paths.js';
import { checkAloneArgs } from './check-alone.js';
import { PYARROW_FLOOR } from './floor.js';
import { median, timedChild, timesCells, type ChildTimes } from './timed-child.js';

type Row = Record<string, string | number>;

/** `x×` with one decimal (the tables' ratio format). */
export const times = (x: number) => `${x.toFixed(1)}×`;

/** The default build's command line (argv after node) for the set in `dir`, written to `out`. */
export function defaultBuildArgs(dir: string, out: string, extra: string[] = []): string[] {
  return [packagePath('bin', 'gad-data.js'), 'build', '--train', join(dir, 'train.jsonl')].concat(
    ['--image-dir', join(dir, 'images'), '--id-key', 'id'],
    extra,
    ['--model', 'qwen3-vl', '--out', out, '-q'],
  );
}

/** The job name of bench/check-alone.ts in the tables. */
export const CHECK_ALONE = 'PNG check alone (read + check, nothing else)';

function runRow(run: string, job: string, n: number, t: ChildTimes, floorCpu: number | null): Row {
  return {
    run,
    job,
    rows: n,
    ...timesCells(t),
    'rows/s': Math.round(n / t.secs),
    'CPU vs floor': floorCpu === null ? 'no Python venv' : times(t.cpu / floorCpu),
  };
}

export interface FloorPairs {
  rows: Row[];
  /** The build's median wall and CPU seconds over the pairs. */
  build: { secs: number; cpu: number };
}

/**
 * `pairs` runs of the default build, the floor and the PNG check alone, in turn (build first), each build into a
 * fresh output.
 */
export async function buildFloorPairs(p: {
  dir: string;
  n: number;
  python: string | null;
  env: NodeJS.ProcessEnv;
  pairs?: number;
}): Promise<FloorPairs> {
  const out = join(p.dir, 'out-default');
  const floorOut = join(p.dir, 'floor.parquet');
  const builds: ChildTimes[] = [];
  const floors: ChildTimes[] = [];
  const checks: ChildTimes[] = [];
  const rows: Row[] = [];
  for (let i = 1; i <= (p.pairs ?? 3); i++) {
    rmSync(out, { recursive: true, force: true }); // a fresh build each time, never a resume
    const b = await timedChild(process.execPath, defaultBuildArgs(p.dir, out), p.env);
    if (b.code !== 0 || !existsSync(join(out, 'manifest.json')))
      throw new Error(`gad-data build (pair ${i}) failed (exit ${b.code})`);
    builds.push(b);
    let f: ChildTimes | null = null;
    if (p.python) {
      rmSync(floorOut, { force: true });
      f = await timedChild(
        p.python,
        ['-c', PYARROW_FLOOR, join(p.dir, 'train.jsonl'), join(p.dir, 'images'), floorOut],
        p.env,
      );
      if (f.code !== 0) throw new Error(`pyarrow floor (pair ${i}) failed (exit ${f.code})`);
      floors.push(f);
    }
    const c = await timedChild(
      process.execPath,
      checkAloneArgs(join(p.dir, 'train.jsonl'), join(p.dir, 'images')),
      p.env,
    );
    if (c.code !== 0 || Number(c.stdout.trim()) !== p.n)
      throw new Error(`PNG check alone (pair ${i}) failed (exit ${c.code}, ${c.stdout.trim() || 'no count'} checked)`);
    checks.push(c);
    rows.push(runRow(`pair ${i}`, 'gad-data build (default)', p.n, b, f ? f.cpu : null));
    if (f) rows.push(runRow(`pair ${i}`, 'pyarrow floor', p.n, f, f.cpu));
    rows.push(runRow(`pair ${i}`, CHECK_ALONE, p.n, c, f ? f.cpu : null));
  }
  rmSync(out, { recursive: true, force: true });
  rmSync(floorOut, { force: true });
  const med = (ts: ChildTimes[]): ChildTimes => ({
    secs: median(ts.map((t) => t.secs)),
    cpu: median(ts.map((t) => t.cpu)),
    rssMB: ts.some((t) => t.rssMB === null) ? null : median(ts.map((t) => t.rssMB!)),
    load: median(ts.map((t) => t.load)),
    code: 0,
    stdout: '',
  });
  const mb = med(builds);
  const medianRow = runRow('median', 'gad-data build (default)', p.n, mb, null);
  // the median of the pairs' ratios (each pair ran under about the same load)
  if (floors.length) medianRow['CPU vs floor'] = times(median(builds.map((b, i) => b.cpu / floors[i]!.cpu)));
  rows.push(medianRow);
  if (floors.length) rows.push(runRow('median', 'pyarrow floor', p.n, med(floors), median(floors.map((f) => f.cpu))));
  const checkRow = runRow('median', CHECK_ALONE, p.n, med(checks), null);
  if (floors.length) checkRow['CPU vs floor'] = times(median(checks.map((c, i) => c.cpu / floors[i]!.cpu)));
  rows.push(checkRow);
  return { rows, build: { secs: mb.secs, cpu: mb.cpu } };
}

/** The default build (median of the pairs) against the transformers processor path over the same rows (one run). */
export function againstProcessorPath(
  n: number,
  build: { secs: number; cpu: number },
  processor: { secs: number; cpu: number } | null,
): Row[] {
  if (!processor) return [{ job: 'transformers processor path: skipped (no Python venv)', rows: n }];
  return [
    {
      job: 'gad-data build (default), median of the pairs',
      rows: n,
      'wall s': build.secs.toFixed(2),
      'CPU s': build.cpu.toFixed(2),
    },
    {
      job: 'transformers processor path over the jsonl',
      rows: n,
      'wall s': processor.secs.toFixed(2),
      'CPU s': processor.cpu.toFixed(2),
    },
    {
      job: 'build ÷ processor path',
      rows: n,
      'wall s': (build.secs / processor.secs).toFixed(3),
      'CPU s': (build.cpu / processor.cpu).toFixed(3),
    },
    {
      job: 'processor path ÷ build (target ≥ 10×)',
      rows: n,
      'wall s': times(processor.secs / build.secs),
      'CPU s': times(processor.cpu / build.cpu),
    },
  ];
}
