/**
 * Export benchmark: write N verl GAD rows (a pool of 32 distinct noisy JPEG/PNG images of ~60–250 kB,
 * one per row, teacher responses of ~2 kB) through openOutput + ShardWriter + commit, with 128-row
 * row groups and 64 MB shards. Reports rows/s, MB/s, peak RSS, and the parquet
 * overhead over the raw image bytes (zstd on already-compressed images).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { Sample } from '../src/core/types.js';
import { openOutput } from '../src/output/out-dir.js';
import { ShardWriter } from '../src/output/shards.js';
import { writeManifest } from '../src/output/manifest.js';

async function pool(n: number): Promise<Array<{ bytes: Uint8Array; format: 'png' | 'jpeg'; w: number; h: number }>> {
  const out = [];
  for (let i = 0; i < n; i++) {
    const w = 448 + 28 * (i % 5);
    const h = 336 + 28 * (i % 3);
    const format: 'png' | 'jpeg' = i % 4 === 0 ? 'png' : 'jpeg';
    const img = sharp({
      create: {
        width: w,
        height: h,
        channels: 3,
        background: { r: 40 * (i % 6), g: 128, b: 200 },
        noise: { type: 'gaussian', mean: 128, sigma: 30 + i },
      },
    });
    const bytes = new Uint8Array(
      format === 'png' ? await img.png().toBuffer() : await img.jpeg({ quality: 85 }).toBuffer(),
    );
    out.push({ bytes, format, w, h });
  }
  return out;
}

export async function benchExport(opts: { rows?: number }): Promise<Array<Record<string, string | number>>> {
  const rows = opts.rows ?? 1000;
  const images = await pool(32);
  const dir = await mkdtemp(join(tmpdir(), 'gad-bench-export-'));
  const teacher =
    '<think>' + 'Let us reason step by step about the angles. '.repeat(45) + '</think>\\boxed{42}<|im_end|>';
  try {
    const session = await openOutput(join(dir, 'out'), { settingsHash: 'bench' });
    const w = new ShardWriter({
      target: 'verl',
      kind: 'gad',
      promptKey: 'prompt',
      answerKey: 'answer',
      imageKey: 'images',
      dir: join(session.workDir, 'data'),
      split: 'train',
      shardSize: 64 * 1000 * 1000,
      session,
    });
    let peakRss = 0;
    let imageBytes = 0;
    const sample = () => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    };
    const timer = setInterval(sample, 20);
    const t0 = performance.now();
    for (let i = 0; i < rows; i++) {
      const im = images[i % images.length]!;
      imageBytes += im.bytes.byteLength;
      const problem = `<image>In the figure, row ${i}, find the measure of angle ABC.`;
      const s: Sample = {
        split: 'train',
        index: i,
        id: `r${i}`,
        source: 'bench',
        dataSource: 'hiyouga/geometry3k',
        problem,
        answer: String(i),
        images: [{ bytes: im.bytes, path: null }],
        extra: {},
        formatted: {
          formatted: problem + ' You FIRST think about the reasoning process as an internal monologue.',
          textTokens: 80,
          imageTokens: 200,
          promptTokens: 279,
          images: [
            {
              bytes: im.bytes,
              path: `r${i}-0.${im.format === 'png' ? 'png' : 'jpg'}`,
              format: im.format,
              origWidth: im.w,
              origHeight: im.h,
              width: im.w,
              height: im.h,
              resized: [im.w, im.h],
              tokens: 200,
              reencoded: false,
              sha256: createHash('sha256').update(im.bytes).digest('hex'),
            },
          ],
          responseTokens: 500,
          teacherResponse: teacher,
        },
      };
      await w.write(s);
      if (i % 64 === 0) sample();
    }
    const shards = await w.close();
    const tWrite = performance.now() - t0;
    await writeManifest(session.workDir, { shards } as never);
    await session.commit();
    const total = performance.now() - t0;
    clearInterval(timer);
    sample();
    const bytes = shards.reduce((a, s) => a + s.bytes, 0);
    return [
      {
        rows,
        shards: shards.length,
        'rows/s': Math.round(rows / (total / 1000)),
        'MB/s written': Number((bytes / 1e6 / (total / 1000)).toFixed(1)),
        'write+close s': Number((tWrite / 1000).toFixed(2)),
        'output MB': Number((bytes / 1e6).toFixed(1)),
        'overhead vs image bytes %': Number(((bytes / imageBytes - 1) * 100).toFixed(2)),
        'peak RSS MB': Math.round(peakRss / 2 ** 20),
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = Number(process.argv[2] ?? 1000);
  console.table(await benchExport({ rows }));
}
