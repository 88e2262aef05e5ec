/**
 * The report of a long build reads the rows' token counts where they are kept (typed arrays off the JS heap,
 * report/num-list.ts) instead of copying them into arrays: before, building report.json held several copies of every
 * row's counts on the heap at once (~15 MB at the end of a 100k-row build, growing with the rows).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Run the child under a heap cap; its exit code, its JSON line and its error output. */
function reportInChild(rows: number, heapMB: number): Promise<{ code: number | null; out: string; err: string }> {
  const here = fileURLToPath(import.meta.url);
  const ts = here.endsWith('.ts');
  const helper = join(dirname(here), '..', 'helpers', `report-heap-child.${ts ? 'ts' : 'js'}`);
  return new Promise((ok) => {
    const child = spawn(
      process.execPath,
      [`--max-old-space-size=${heapMB}`, ...(ts ? ['--import', import.meta.resolve('tsx')] : []), helper, String(rows)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => ok({ code, out, err }));
  });
}

test('report: 1.5M rows build their report under a 72 MB JS heap (the counts are not copied onto it)', async () => {
  const rows = 1_500_000;
  const r = await reportInChild(rows, 72);
  assert.equal(r.code, 0, `the report child failed: ${r.err.slice(-2000)}`);
  const got = JSON.parse(r.out.trim()) as {
    total: { count: number; min: number; max: number; mean: number };
    rows: number;
    binned: number;
  };
  assert.equal(got.rows, rows);
  assert.equal(got.binned, rows, 'every row counted in the prompt histogram');
  assert.equal(got.total.count, rows);
  assert.equal(got.total.min, 200);
  assert.equal(got.total.max, 1199);
  // 7919 is prime to 1000: every 1000 consecutive rows take each of 200..1199 once, 1.5M rows 1500 times
  assert.equal(got.total.mean, 699.5);
});
