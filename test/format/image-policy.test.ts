/**
 * The image policy (resize: auto, the default): the trainer reading our shard computes what it would compute reading
 * the original — same grid and token count, same pixels — and does no extra work because of us.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { type ImageOptions, type ImageOutcome } from '../../src/images/image-options.js';
import { processImage } from '../../src/images/process-image.js';
import { resizeBicubic } from '../../src/images/resample.js';
import { type ImageGeometry, resizeFor } from '../../src/images/resize.js';
import type { ResizePipeline } from '../../src/core/types.js';

const QWEN25: ImageGeometry = { patchSize: 14, mergeSize: 2, factor: 28, minPixels: 3136, maxPixels: 12845056 };
const QWEN3: ImageGeometry = { patchSize: 16, mergeSize: 2, factor: 32, minPixels: 65536, maxPixels: 16777216 };

function opts(over: Partial<ImageOptions> = {}): ImageOptions {
  return { pipeline: 'processor', geometry: QWEN3, imageFormat: 'keep', maxInputPixels: 178956970, ...over };
}

function okImage(o: ImageOutcome) {
  if (!o.ok) assert.fail(`expected ok, got drop ${JSON.stringify(o.drop)}`);
  return o.image;
}

/** A line drawing with edges (so resampling differences would show). */
async function drawing(width: number, height: number, fmt: 'png' | 'jpeg' | 'webp' = 'png'): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3, 255);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (x % 17 === 0 || y % 13 === 0 || (x + y) % 41 === 0) raw.set([20, 20, (x * 7) % 256], (y * width + x) * 3);
    }
  }
  const s = sharp(raw, { raw: { width, height, channels: 3 } });
  return fmt === 'png'
    ? s.png().toBuffer()
    : fmt === 'jpeg'
      ? s.jpeg({ quality: 90 }).toBuffer()
      : s.webp({ lossless: true }).toBuffer();
}

const PIPELINES: ResizePipeline[] = ['processor', 'qwen-vl-utils', 'easyr1'];

test('auto: an image inside the bounds is written as its original bytes, counted as the trainer counts the original', async () => {
  for (const [w, h] of [
    [379, 272],
    [628, 453],
    [100, 150],
    [1024, 768],
  ] as const) {
    for (const fmt of ['png', 'jpeg', 'webp'] as const) {
      const input = await drawing(w, h, fmt);
      for (const geometry of [QWEN25, QWEN3]) {
        for (const pipeline of PIPELINES) {
          const img = okImage(await processImage(input, opts({ pipeline, geometry })));
          const trainer = resizeFor(w, h, pipeline, geometry);
          assert.ok(trainer.ok);
          const at = `${w}x${h} ${fmt} ${pipeline} f${geometry.factor}`;
          assert.equal(img.reencoded, false, at);
          assert.ok(Buffer.from(img.bytes).equals(input), at);
          assert.deepEqual([img.width, img.height, img.format], [w, h, fmt], at);
          assert.equal(img.tokens, trainer.tokens, at);
        }
      }
    }
  }
});

test('auto never upscales, and never changes the count against the original', async () => {
  const sizes = [
    [3, 2],
    [20, 900],
    [56, 84],
    [300, 200],
    [511, 513],
    [1790, 12],
    [2100, 2100],
  ] as const;
  for (const [w, h] of sizes) {
    const input = await drawing(w, h);
    for (const pipeline of PIPELINES) {
      const out = await processImage(input, opts({ pipeline, geometry: QWEN25 }));
      const trainer = resizeFor(w, h, pipeline, QWEN25);
      if (!trainer.ok) {
        assert.equal(out.ok, false);
        continue;
      }
      const img = okImage(out);
      assert.ok(img.width <= w && img.height <= h, `${w}x${h} ${pipeline} written ${img.width}x${img.height}`);
      assert.equal(img.tokens, trainer.tokens, `${w}x${h} ${pipeline}`);
    }
  }
});

/** Decode to 8-bit RGB. */
async function pixels(bytes: Uint8Array | Buffer) {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { px: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), w: info.width, h: info.height };
}

test("auto: an image over the first step's max_pixels is shrunk to that step's size with Pillow's bicubic", async () => {
  const input = await drawing(640, 480);
  const src = await pixels(input);
  const cases: {
    name: string;
    o: Partial<ImageOptions>;
    first: (r: ReturnType<typeof resizeFor>) => [number, number];
  }[] = [
    {
      name: 'processor',
      o: { pipeline: 'processor', geometry: { ...QWEN3, maxPixels: 100_000 } },
      first: (r) => (r.ok ? r.resized : [0, 0]),
    },
    {
      name: 'qwen-vl-utils',
      o: { pipeline: 'qwen-vl-utils', geometry: QWEN3, bounds: { qwenVlUtilsMaxPixels: 120_000 } },
      first: (r) => r.pre ?? [0, 0],
    },
    {
      name: 'easyr1',
      o: { pipeline: 'easyr1', geometry: QWEN25, bounds: { easyr1MinPixels: 3136, easyr1MaxPixels: 150_000 } },
      first: (r) => r.pre ?? [0, 0],
    },
  ];
  for (const c of cases) {
    const o = opts(c.o);
    const trainer = resizeFor(640, 480, o.pipeline, o.geometry, o.bounds);
    assert.ok(trainer.ok, c.name);
    const [sw, sh] = c.first(trainer);
    assert.ok(sw * sh < 640 * 480 && sw > 0, c.name);
    const img = okImage(await processImage(input, o));
    assert.deepEqual([img.width, img.height, img.reencoded, img.format], [sw, sh, true, 'png'], c.name);
    // The trainer leaves the written size alone at its first step and counts the same.
    const again = resizeFor(sw, sh, o.pipeline, o.geometry, o.bounds);
    assert.ok(again.ok);
    assert.deepEqual(again.pre ?? again.resized, [sw, sh], c.name);
    assert.equal(img.tokens, trainer.tokens, c.name);
    // Pixels: what the trainer's resize of the original gives (Pillow bicubic; PNG is lossless).
    const want = resizeBicubic(src.px, 640, 480, 3, sw, sh);
    const got = await pixels(img.bytes);
    assert.deepEqual([got.w, got.h], [sw, sh]);
    assert.ok(
      Buffer.from(got.px).equals(Buffer.from(want)),
      `${c.name}: pixels differ from Pillow's resize of the original`,
    );
    // never: the same image keeps its size, counted as the trainer counts it with its own bounds (verl gives
    // qwen-vl-utils none of ours: its defaults)
    const kept = okImage(await processImage(input, { ...o, resize: 'never' }));
    assert.deepEqual([kept.width, kept.height, kept.reencoded], [640, 480, false], c.name);
    const own = resizeFor(640, 480, o.pipeline, o.geometry, c.name === 'qwen-vl-utils' ? {} : o.bounds);
    assert.ok(own.ok);
    assert.equal(kept.tokens, own.tokens, c.name);
  }
});

test('auto: an EXIF-rotated image is converted at its own (upright) size, not resized', async () => {
  const jpeg = await sharp(await drawing(300, 200, 'jpeg'))
    .withMetadata({ orientation: 6 })
    .jpeg({ quality: 95 })
    .toBuffer();
  const img = okImage(await processImage(jpeg, opts()));
  assert.deepEqual([img.width, img.height, img.reencoded, img.format], [200, 300, true, 'jpeg']);
  const trainer = resizeFor(200, 300, 'processor', QWEN3);
  assert.ok(trainer.ok);
  assert.equal(img.tokens, trainer.tokens);
  const meta = await sharp(img.bytes).metadata();
  assert.ok(meta.orientation === undefined || meta.orientation === 1);
});

test('rows that share an image decode it once (the cache of processed images), with the same result', async () => {
  const { createImageCache, formatSample } = await import('../../src/model/format-sample.js');
  const { loadModelProfile } = await import('../../src/model/model-profile.js');
  const { loadFormatPrompt } = await import('../../src/model/chat-template.js');
  const { PromptCounter } = await import('../../src/model/token-counts.js');
  const profile = await loadModelProfile('qwen3-vl');
  const counter = new PromptCounter(profile, await loadFormatPrompt('none'));
  const cache = createImageCache();
  const ctx = {
    counter,
    image: opts({ geometry: profile.geometry, pipeline: 'qwen-vl-utils' }),
    teacherEnding: 'keep' as const,
    imageCache: cache,
  };
  const bytes = new Uint8Array(await drawing(300, 200));
  const row = (i: number) => ({
    split: 'train',
    index: i,
    id: `r${i}`,
    source: 's',
    dataSource: 's',
    problem: `<image>Question ${i}?`,
    answer: null,
    images: [{ bytes, path: null }],
  });
  const a = await formatSample(row(0) as never, ctx);
  const b = await formatSample(row(1) as never, ctx);
  assert.equal(cache.size, 1, 'one entry for one distinct image');
  const ia = a.formatted!.images[0]!;
  const ib = b.formatted!.images[0]!;
  assert.equal(ia.bytes, ib.bytes, 'the second row reuses the first decode');
  assert.deepEqual([ib.width, ib.height, ib.tokens, ib.sha256], [ia.width, ia.height, ia.tokens, ia.sha256]);
  const other = await formatSample(
    { ...row(2), images: [{ bytes: new Uint8Array(await drawing(301, 200)), path: null }] } as never,
    ctx,
  );
  assert.equal(cache.size, 2);
  assert.notEqual(other.formatted!.images[0]!.sha256, ia.sha256);
});

test('auto, qwen-vl-utils: an image under max_pixels whose rounding lands over it is shrunk to the counted size (verl uses its default bounds)', async () => {
  // 500×499 = 249,500 px ≤ max_pixels 250,000, but fetch_image first rounds it to 512×512 = 262,144 > 250,000, so
  // the build's bounds shrink it to 480×480 (225 tokens). verl gives fetch_image none of our bounds: on the original
  // it would count 512×512 (256 tokens). Written at 480×480, verl's own rounding leaves it there.
  const o = opts({ pipeline: 'qwen-vl-utils', geometry: QWEN3, bounds: { qwenVlUtilsMaxPixels: 250_000 } });
  const ours = resizeFor(500, 499, 'qwen-vl-utils', QWEN3, o.bounds);
  const verlOnOriginal = resizeFor(500, 499, 'qwen-vl-utils', QWEN3, {});
  assert.ok(ours.ok && verlOnOriginal.ok);
  assert.deepEqual([ours.pre, ours.tokens, verlOnOriginal.tokens], [[480, 480], 225, 256]);
  const img = okImage(await processImage(await drawing(500, 499), o));
  assert.deepEqual([img.width, img.height, img.reencoded], [480, 480, true]);
  const verl = resizeFor(img.width, img.height, 'qwen-vl-utils', QWEN3, {});
  assert.ok(verl.ok);
  assert.deepEqual([verl.pre, verl.resized, verl.tokens], [[480, 480], [480, 480], img.tokens]);
  assert.equal(img.tokens, 225);
  // An image whose rounding stays under the bound is kept as it is.
  const small = okImage(await processImage(await drawing(300, 200), o));
  assert.deepEqual([small.width, small.height, small.reencoded], [300, 200, false]);
});
