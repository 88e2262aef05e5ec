/**
 * A build of N rows with N *distinct* images (no image shared by two rows), at the real Geometry3K size
 * distribution (bench/data/geometry3k-sizes.txt, taken in turn; each drawing differs by its row number), against
 * the floor: a pyarrow script that reads each row's image bytes and writes the same verl-schema parquet (zstd,
 * row groups of 128), in the same run. `gad-data build` (qwen3-vl, default pipeline: header read, full PNG check,
 * exact counts, filters, shards, report) runs as a whole command under `/usr/bin/time` for its peak RSS, at 10k
 * rows and at N (the 10k set is the first 10k rows of the N set), so the two peaks show whether memory stays flat.
 * At each size the PNG check alone (bench/check-alone.ts) is timed too: the build's required per-image work, which
 * the floor does not do.
 *
 * The generated images are cached in `.cache/bench-distinct/` of the package (ignored by git), or in the folder
 * `GAD_BENCH_DISTINCT_DIR` names; 100k PNGs take ~300 MB there and some minutes to make once.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { packagePath } from '../src/core/paths.js';
import { ensurePythonVenv } from '../test/helpers/python.js';
import { checkAloneArgs } from './check-alone.js';
import { PYARROW_FLOOR } from './floor.js';
import { CHECK_ALONE } from './geometry-floor.js';
import { geometrySizes, png, timedCmd } from './geometry.js';

type Row = Record<string, string | number>;

/** N distinct PNGs (cached) and a jsonl of the first n rows for each n in `subsets`. */
export async function makeDistinctDataset(n: number, subsets: number[]): Promise<string> {
  const dir = process.env.GAD_BENCH_DISTINCT_DIR ?? packagePath('.cache', 'bench-distinct');
  mkdirSync(join(dir, 'images'), { recursive: true });
  const sizes = geometrySizes();
  const name = (i: number) => `d${String(Math.floor(i / 1000)).padStart(3, '0')}/${i}.png`;
  // v2: the images carry their row number (earlier sets repeated images: ~50k distinct of 100k)
  const done = join(dir, `done-v2-${n}`);
  // a set made for more rows holds these (image i is the same whatever n)
  const made = readdirSync(dir).some((f) => Number(/^done-v2-(\d+)$/.exec(f)?.[1] ?? -1) >= n);
  if (!made) {
    const limit = pLimit(4);
    const jobs: Array<Promise<void>> = [];
    for (let i = 0; i < n; i++) {
      if (i % 1000 === 0) mkdirSync(join(dir, 'images', name(i), '..'), { recursive: true });
      const file = join(dir, 'images', name(i));
      const [w, h] = sizes[i % sizes.length]!;
      jobs.push(limit(async () => writeFileSync(file, await png(w, h, i, true))));
    }
    await Promise.all(jobs);
    // every image distinct (the point of this benchmark): checked once, when the set is made
    const hashes = new Set<string>();
    for (let i = 0; i < n; i++)
      hashes.add(
        createHash('sha256')
          .update(readFileSync(join(dir, 'images', name(i))))
          .digest('hex'),
      );
    if (hashes.size !== n)
      throw new Error(`bench distinct: ${n - hashes.size} of ${n} generated images repeat another`);
    writeFileSync(done, '');
  }
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = 3 + (i % 17),
      y = 5 + (i % 23);
    lines.push(
      JSON.stringify({
        id: `d${i}`,
        problem: `<image>Find x. In the figure, AB = ${x}, BC = ${y} and angle ABC = ${30 + (i % 60)} degrees (problem ${i}).`,
        answer: String(x + y),
        images: [name(i)],
      }),
    );
  }
  for (const k of subsets) writeFileSync(join(dir, `train-${k}.jsonl`), `${lines.slice(0, k).join('\n')}\n`);
  return dir;
}

export async function benchDistinct(opts: { rows?: number }): Promise<Row[]> {
  const n = opts.rows ?? 100_000;
  const subsets = n > 10_000 ? [10_000, n] : [n];
  const t = Date.now();
  const dir = await makeDistinctDataset(n, subsets);
  console.log(`distinct images ready (${n}) in ${((Date.now() - t) / 1000).toFixed(1)}s`);
  const python = await ensurePythonVenv(['pyarrow']);
  const bin = packagePath('bin', 'gad-data.js');
  const env = { ...process.env, MALLOC_ARENA_MAX: '2' };
  const tmp = mkdtempSync(join(tmpdir(), 'gad-bench-distinct-'));
  const rows: Row[] = [];
  try {
    for (const k of subsets) {
      const train = join(dir, `train-${k}.jsonl`);
      const rssFile = join(tmp, 'rss');
      const ours = await timedCmd(
        '/usr/bin/time',
        [
          '-f',
          '%M',
          '-o',
          rssFile,
          process.execPath,
          bin,
          'build',
          '--train',
          train,
          '--image-dir',
          join(dir, 'images'),
        ].concat(['--id-key', 'id', '--model', 'qwen3-vl', '--out', join(tmp, `out-${k}`), '-q']),
        env,
      );
      if (ours.code !== 0) throw new Error(`gad-data build of ${k} rows failed (exit ${ours.code})`);
      const rssMB = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) / 1024;
      rmSync(join(tmp, `out-${k}`), { recursive: true, force: true });
      const floor = python
        ? await timedCmd(python, ['-c', PYARROW_FLOOR, train, join(dir, 'images'), join(tmp, 'floor.parquet')], env)
        : null;
      if (floor && floor.code !== 0) throw new Error(`pyarrow floor failed (exit ${floor.code})`);
      rows.push({
        job: 'gad-data build (distinct images)',
        rows: k,
        'wall s': ours.secs.toFixed(2),
        'rows/s': Math.round(k / ours.secs),
        'CPU s': ours.cpu.toFixed(2),
        'peak RSS MB': Math.round(rssMB),
        'CPU vs floor': floor ? `${(ours.cpu / floor.cpu).toFixed(1)}×` : 'no Python venv',
      });
      if (floor)
        rows.push({
          job: 'pyarrow floor (read image bytes, write verl parquet)',
          rows: k,
          'wall s': floor.secs.toFixed(2),
          'rows/s': Math.round(k / floor.secs),
          'CPU s': floor.cpu.toFixed(2),
        });
      const check = await timedCmd(process.execPath, checkAloneArgs(train, join(dir, 'images')), env);
      if (check.code !== 0 || Number(check.stdout.trim()) !== k)
        throw new Error(`PNG check alone of ${k} rows failed (exit ${check.code})`);
      rows.push({
        job: CHECK_ALONE,
        rows: k,
        'wall s': check.secs.toFixed(2),
        'rows/s': Math.round(k / check.secs),
        'CPU s': check.cpu.toFixed(2),
        'CPU vs floor': floor ? `${(check.cpu / floor.cpu).toFixed(1)}×` : 'no Python venv',
      });
    }
    return rows;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
