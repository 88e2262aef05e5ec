/**
 * Resource limits:
 * - `--max-input-pixels` (CLI): an image over it is dropped as `image_too_large` with its pixels and the limit,
 *   one under it is kept;
 * - the per-image time-out: an image whose processing takes longer becomes an `image_undecodable` drop, returned
 *   at the deadline (not after the work), never a hang;
 * - bounded memory: a build over ≥ 1 GB of image bytes (20 distinct noisy 2500×2000-class JPEGs of ~5 MB, 250
 *   rows) runs in a child process whose peak RSS stays under MEMORY_BOUND_MB.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { processImage } from '../../src/images/process-image.js';
import { type ImageOptions } from '../../src/images/image-options.js';
import { loadModelProfile } from '../../src/model/model-profile.js';
import { flat, noise } from '../helpers/bad-corpus.js';
import { runCli } from '../helpers/gad-cli.js';
import { readJsonl } from '../helpers/files.js';
import { buildInChild } from '../helpers/build-in-child.js';

/**
 * Peak RSS allowed for the 1.27 GB build below. Measured on 2 cores (default concurrency, 500 MB shards):
 * ~0.92 GB (it was 2.8 GB before row groups were capped in bytes inside arrow-rs); bound = 1.5× that.
 */
const MEMORY_BOUND_MB = 1400;

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gad-rel-limits-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

test(
  '--max-input-pixels: over the limit → image_too_large with value and limit; under → kept',
  { timeout: 600_000 },
  async () => {
    const dir = join(tmp, 'pixels');
    await mkdir(join(dir, 'img'), { recursive: true });
    await writeFile(join(dir, 'img', 'big.png'), await flat(100, 100, 1).png().toBuffer());
    await writeFile(join(dir, 'img', 'small.png'), await flat(60, 60, 2).png().toBuffer());
    await writeFile(join(dir, 'img', 'edge.png'), await flat(100, 50, 3).png().toBuffer());
    const rows = [
      { id: 'big', problem: '<image>Big one.', images: ['img/big.png'] },
      { id: 'small', problem: '<image>Small one.', images: ['img/small.png'] },
      { id: 'edge', problem: '<image>Exactly at the limit.', images: ['img/edge.png'] },
    ];
    await writeFile(join(dir, 'train.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const r = await runCli(
      ['build', '--train', 'train.jsonl', '--id-key', 'id', '--out', 'out', '--max-input-pixels', '5000', '-q'],
      { cwd: dir, timeoutMs: 540_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const dropped = readJsonl(join(dir, 'out', 'dropped.jsonl'));
    assert.deepEqual(
      dropped.map((d) => [d.id, d.reason, d.value, d.limit]),
      [['big', 'image_too_large', 10000, 5000]],
    );
    assert.match(dropped[0]!.detail, /100x100 = 10000 pixels, more than max-input-pixels 5000/);
    assert.deepEqual(
      readJsonl(join(dir, 'out', 'lengths.jsonl')).map((l) => l.id),
      ['small', 'edge'],
      'at or under the limit: kept',
    );
    const manifest = JSON.parse(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8'));
    assert.equal(manifest.config.max_input_pixels, 5000, 'the limit is recorded in the manifest');
  },
);

test(
  'per-image time-out: a slow image becomes image_undecodable at the deadline, not a hang',
  { timeout: 600_000 },
  async () => {
    const profile = await loadModelProfile('qwen3-vl');
    const opts: ImageOptions = {
      pipeline: 'processor',
      geometry: profile.geometry,
      imageFormat: 'keep',
      maxInputPixels: 178956970,
    };
    // 13000×13000 = 169 Mpx (under the default bomb limit): a few MB of PNG that take a while to decode and resize.
    const big = await flat(13000, 13000, 5).png({ compressionLevel: 1 }).toBuffer();
    let t0 = Date.now();
    const untimed = await processImage(big, opts);
    const untimedMs = Date.now() - t0;
    assert.ok(untimed.ok, 'without a tight time-out the image is fine');
    assert.ok(untimedMs >= 20, `processing takes measurable time (${untimedMs} ms)`);

    const timeoutMs = Math.max(1, Math.floor(untimedMs / 10));
    t0 = Date.now();
    const timed = await processImage(big, { ...opts, timeoutMs });
    const timedMs = Date.now() - t0;
    assert.equal(timed.ok, false);
    assert.ok(!timed.ok && timed.drop.reason === 'image_undecodable');
    assert.match(
      !timed.ok ? timed.drop.detail : '',
      new RegExp(`timed out after ${timeoutMs} ms \\(png 13000x13000\\)`),
    );
    assert.equal(!timed.ok ? timed.drop.value : null, timeoutMs);
    assert.ok(
      timedMs < untimedMs,
      `returned at the deadline (${timedMs} ms), before the work would have finished (${untimedMs} ms)`,
    );

    // a normal image under the default time-out is unaffected
    const ok = await processImage(await noise(200, 150, 3).png().toBuffer(), opts);
    assert.ok(ok.ok);
  },
);

test(
  `bounded memory: ≥ 1 GB of images through a build, peak RSS < ${MEMORY_BOUND_MB} MB`,
  { timeout: 600_000 },
  async () => {
    const dir = join(tmp, 'mem');
    await mkdir(join(dir, 'img'), { recursive: true });
    const sizes: number[] = [];
    for (let i = 0; i < 20; i++) {
      // most at the processor's target size already (copied after a full decode), every fifth resized and re-encoded
      const [w, h] = i % 5 === 0 ? [2500, 2000] : [2496, 2016];
      const b = await noise(w, h, 1000 + i)
        .jpeg({ quality: 95 })
        .toBuffer();
      await writeFile(join(dir, 'img', `n${i}.jpg`), b);
      sizes.push(b.length);
    }
    const rows = Array.from({ length: 250 }, (_, i) => ({
      id: `m${i}`,
      problem: `<image>Memory row ${i}: describe the noise.`,
      images: [`img/n${i % 20}.jpg`],
    }));
    await writeFile(join(dir, 'train.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const imageBytes = rows.reduce((a, _, i) => a + sizes[i % 20]!, 0);
    assert.ok(imageBytes >= 1e9, `${(imageBytes / 1e9).toFixed(2)} GB of image bytes flow through the build`);
    const meta = await sharp(join(dir, 'img', 'n1.jpg')).metadata();
    assert.equal(meta.format, 'jpeg');

    const r = await buildInChild({
      data: { train_files: join(dir, 'train.jsonl'), format_prompt: 'none', max_prompt_length: 8192 },
      id_key: 'id',
      out: join(dir, 'out'),
    });
    assert.equal(r.splits.train!.rowsOut, 250, 'every row was processed and written');
    assert.ok(
      r.peakRssMB < MEMORY_BOUND_MB,
      `peak RSS ${r.peakRssMB.toFixed(0)} MB < ${MEMORY_BOUND_MB} MB (${(imageBytes / 1e9).toFixed(2)} GB of images, ${(r.ms / 1000).toFixed(1)} s)`,
    );
    console.log(
      `# memory: ${(imageBytes / 1e9).toFixed(2)} GB of images, peak RSS ${r.peakRssMB.toFixed(0)} MB, build ${(r.ms / 1000).toFixed(1)} s`,
    );
  },
);
