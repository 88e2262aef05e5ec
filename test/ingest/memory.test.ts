import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { writeRowsParquet, type GenRow } from '../helpers/ingest-parquet.js';

const run = promisify(execFile);
let dir: string;

function gen(n: number, from = 0): GenRow[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return {
      id: `r${i}`,
      problem: `<image>question number ${i} about the figure`,
      answer: String(i),
      images: [{ bytes: new Uint8Array(randomBytes(2048)), path: null }],
    };
  });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gad-ingest-mem-'));
  await writeRowsParquet(join(dir, 'small.parquet'), gen(5000), { rowGroupRows: 500 });
  await writeRowsParquet(join(dir, 'big.parquet'), gen(50000), { rowGroupRows: 500 });
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs ingest over one file in a fresh child process; returns live memory (after GC) sampled while streaming. */
async function measure(
  file: string,
): Promise<{ rows: number; baseMB: number; liveMB: number; peakRssMB: number; ms: number }> {
  const mod = new URL('../../src/ingest/ingest.js', import.meta.url).href;
  const code = `
    const { openIngest } = await import(${JSON.stringify(mod)});
    const mb = () => { const m = process.memoryUsage(); return (m.heapUsed + m.arrayBuffers) / 1048576; };
    globalThis.gc(); const baseMB = mb();
    const t0 = Date.now();
    const ing = await openIngest({ splits: [{ split: 'train', specs: [${JSON.stringify(file)}] }], columns: { prompt: 'problem', answer: 'answer', images: 'images', id: 'id' } });
    let rows = 0, liveMB = 0, peakRssMB = 0, bytes = 0;
    for await (const s of ing.rows('train')) {
      if (s.drop) throw new Error('unexpected drop ' + JSON.stringify(s.drop));
      bytes += s.images[0].bytes.length;
      if (++rows % 2500 === 0) { globalThis.gc(); liveMB = Math.max(liveMB, mb()); peakRssMB = Math.max(peakRssMB, process.memoryUsage().rss / 1048576); }
    }
    if (bytes !== rows * 2048) throw new Error('image bytes lost');
    console.log(JSON.stringify({ rows, baseMB, liveMB, peakRssMB, ms: Date.now() - t0 }));
  `;
  const { stdout } = await run(
    process.execPath,
    [...process.execArgv.filter((a) => !a.startsWith('--test')), '--expose-gc', '--input-type=module', '-e', code],
    {
      maxBuffer: 1 << 20,
      timeout: 600_000,
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

test('memory stays flat with rows: 5k vs 50k rows (2 KiB image each, row groups of 500)', async (t) => {
  const small = await measure(join(dir, 'small.parquet'));
  const big = await measure(join(dir, 'big.parquet'));
  t.diagnostic(
    `5k rows: live ${(small.liveMB - small.baseMB).toFixed(1)} MB over base, rss ${small.peakRssMB.toFixed(0)} MB, ${small.ms} ms`,
  );
  t.diagnostic(
    `50k rows: live ${(big.liveMB - big.baseMB).toFixed(1)} MB over base, rss ${big.peakRssMB.toFixed(0)} MB, ${big.ms} ms (${Math.round((big.rows / big.ms) * 1000)} rows/s)`,
  );
  assert.equal(small.rows, 5000);
  assert.equal(big.rows, 50000);
  // The 50k file holds ~100 MB of image bytes; streaming keeps about one row group (~1 MB) alive.
  const grow = big.liveMB - big.baseMB - (small.liveMB - small.baseMB);
  assert.ok(grow < 24, `live memory grew by ${grow.toFixed(1)} MB from 5k to 50k rows`);
  assert.ok(big.liveMB - big.baseMB < 48, `live memory over base ${(big.liveMB - big.baseMB).toFixed(1)} MB`);
});
