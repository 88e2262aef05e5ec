/**
 * Image throughput: processImage on a realistic mix at 1 and 2 workers.
 *
 * Mix (distinct inputs generated once, then cycled): 70% diagram PNGs around 400×300 (line drawings on white;
 * one in four already at a processor target size, as in a dataset that was resized before), 30% photo-like
 * JPEGs of 1–4 MP (smoothed noise at quality 90). Reported: images/s, the share copied byte for byte (no
 * re-encode), and the peak RSS seen while running.
 */
import sharp from 'sharp';
import { processImages } from '../src/images/process-image.js';
import { type ImageOptions } from '../src/images/image-options.js';
import type { ImageGeometry } from '../src/images/resize.js';

const QWEN25: ImageGeometry = { patchSize: 14, mergeSize: 2, factor: 28, minPixels: 3136, maxPixels: 12845056 };
const QWEN3: ImageGeometry = { patchSize: 16, mergeSize: 2, factor: 32, minPixels: 65536, maxPixels: 16777216 };

async function diagram(w: number, h: number, i: number): Promise<Buffer> {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="100%" height="100%" fill="white"/>` +
    `<polygon points="20,${h - 20} ${w - 20},${h - 20} ${w / 3},20" fill="none" stroke="black" stroke-width="3"/>` +
    `<circle cx="${w / 2}" cy="${h / 2}" r="${Math.min(w, h) / 4}" fill="none" stroke="#2040c0" stroke-width="2"/>` +
    `<text x="10" y="30" font-size="22">Fig. ${i}</text></svg>`;
  return sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).png().toBuffer(); // RGB, as most diagram PNGs
}

async function photo(w: number, h: number): Promise<Buffer> {
  const noise = await sharp({
    create: {
      width: w,
      height: h,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 50 },
    },
  })
    .blur(1.5)
    .raw()
    .toBuffer();
  return sharp(noise, { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

async function makeMix(distinct: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; i < distinct; i++) {
    if (i % 10 < 7) {
      // already at a qwen2.5-vl processor target (multiples of 28) for one diagram in four
      const sized = i % 4 === 0;
      const w = sized ? 392 : 380 + ((i * 7) % 45);
      const h = sized ? 308 : 285 + ((i * 11) % 35);
      out.push(await diagram(w, h, i));
    } else {
      const mp = 1 + ((i * 0.37) % 3); // 1..4 MP
      const w = Math.round(Math.sqrt(mp * 1e6 * (4 / 3)));
      const h = Math.round(w * 0.75);
      out.push(await photo(w, h));
    }
  }
  return out;
}

export async function benchImages(opts: { rows?: number }): Promise<Array<Record<string, string | number>>> {
  const n = Math.max(40, Math.min(opts.rows ?? 200, 200));
  const mix = await makeMix(40);
  const inputs = Array.from({ length: n }, (_, i) => mix[i % mix.length]!);
  const rows: Array<Record<string, string | number>> = [];
  for (const [model, geometry] of [
    ['qwen2.5-vl', QWEN25],
    ['qwen3-vl', QWEN3],
  ] as const) {
    for (const workers of [1, 2]) {
      const o: ImageOptions = { pipeline: 'processor', geometry, imageFormat: 'keep', maxInputPixels: 178956970 };
      // warm-up (libvips init, caches)
      await processImages(inputs.slice(0, 4), o, workers);
      let peak = process.memoryUsage().rss;
      const timer = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 20);
      const t0 = process.hrtime.bigint();
      const outcomes = await processImages(inputs, o, workers);
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().rss);
      const ok = outcomes.filter((x) => x.ok);
      const copied = ok.filter((x) => x.ok && !x.image.reencoded).length;
      rows.push({
        model,
        pipeline: 'processor',
        workers,
        images: n,
        'mix (png/jpeg)': `${inputs.filter((b) => b[0] === 0x89).length}/${inputs.filter((b) => b[0] === 0xff).length}`,
        seconds: secs.toFixed(2),
        'images/s': (n / secs).toFixed(1),
        'no re-encode %': ((100 * copied) / n).toFixed(1),
        dropped: n - ok.length,
        'peak RSS MB': (peak / 2 ** 20).toFixed(0),
      });
    }
  }
  return rows;
}
