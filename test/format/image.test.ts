import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { packagePath } from '../../src/core/paths.js';
import { defaultImageConcurrency, processImage, processImages } from '../../src/images/process-image.js';
import { type ImageOptions, type ImageOutcome } from '../../src/images/image-options.js';
import { probeImage, readImageFile } from '../../src/images/image-input.js';
import { outputFormatFor } from '../../src/images/image-encode.js';
import { type ImageGeometry, resizeFor } from '../../src/images/resize.js';
import { isFixedPoint, writeTarget } from '../../src/images/write-target.js';

const QWEN25: ImageGeometry = { patchSize: 14, mergeSize: 2, factor: 28, minPixels: 3136, maxPixels: 12845056 };
const QWEN3: ImageGeometry = { patchSize: 16, mergeSize: 2, factor: 32, minPixels: 65536, maxPixels: 16777216 };
const GEO: Record<string, ImageGeometry> = { 'qwen2.5-vl': QWEN25, 'qwen3-vl': QWEN3 };

function opts(over: Partial<ImageOptions> = {}): ImageOptions {
  return { pipeline: 'processor', geometry: QWEN25, imageFormat: 'keep', maxInputPixels: 178956970, ...over };
}

/** A gradient-ish test picture (not flat, so resampling and encoders do real work). */
async function picture(
  width: number,
  height: number,
  fmt: 'png' | 'jpeg' | 'webp' = 'png',
  channels: 3 | 4 = 3,
): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      raw[i] = (x * 255) / Math.max(1, width - 1);
      raw[i + 1] = (y * 255) / Math.max(1, height - 1);
      raw[i + 2] = (x + y) % 2 ? 200 : 40;
      if (channels === 4) raw[i + 3] = 255;
    }
  }
  const s = sharp(raw, { raw: { width, height, channels } });
  return fmt === 'png' ? s.png().toBuffer() : fmt === 'jpeg' ? s.jpeg({ quality: 90 }).toBuffer() : s.webp().toBuffer();
}

function okImage(o: ImageOutcome) {
  if (!o.ok) assert.fail(`expected ok, got drop ${JSON.stringify(o.drop)}`);
  return o.image;
}

function dropOf(o: ImageOutcome) {
  if (o.ok) assert.fail('expected a drop');
  return o.drop;
}

interface GoldenLine {
  model: string;
  pipeline: 'processor' | 'easyr1' | 'qwen-vl-utils';
  width: number;
  height: number;
  resized_w?: number;
  resized_h?: number;
  image_tokens?: number;
  error?: string;
}

test('resize always: written size = golden resized size (or the trainer-stable size) for golden sizes, both models, all pipelines', async () => {
  const lines = readFileSync(packagePath('test', 'golden', 'images_public.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as GoldenLine)
    .filter((g) => !g.error && g.width * g.height <= 3_000_000);
  // A deterministic spread: every 23rd line plus the EasyR1 lines that are not fixed points.
  const picked = lines.filter(
    (g, i) =>
      i % 23 === 0 || (g.pipeline === 'easyr1' && !isFixedPoint(g.resized_w!, g.resized_h!, 'easyr1', GEO[g.model]!)),
  );
  assert.ok(picked.length > 60, `picked ${picked.length}`);
  const cache = new Map<string, Buffer>();
  let checkedGolden = 0;
  let checkedStable = 0;
  for (const g of picked) {
    const key = `${g.width}x${g.height}`;
    let input = cache.get(key);
    if (!input) {
      input = await sharp({
        create: { width: g.width, height: g.height, channels: 3, background: { r: 10, g: 120, b: 200 } },
      })
        .png()
        .toBuffer();
      cache.set(key, input);
    }
    const geometry = GEO[g.model]!;
    const t = writeTarget(g.width, g.height, g.pipeline, geometry);
    const out = await processImage(input, opts({ pipeline: g.pipeline, geometry, resize: 'always' }));
    if (!t.ok) {
      assert.equal(dropOf(out).reason, 'aspect_ratio', key);
      continue;
    }
    const img = okImage(out);
    const meta = await sharp(img.bytes).metadata();
    assert.deepEqual([meta.width, meta.height], [img.width, img.height]);
    assert.equal(meta.channels, 3);
    if (isFixedPoint(g.resized_w!, g.resized_h!, g.pipeline, geometry)) {
      assert.deepEqual([img.width, img.height], [g.resized_w, g.resized_h], `${g.model} ${g.pipeline} ${key}`);
      assert.equal(img.tokens, g.image_tokens);
      assert.equal(img.fixedPoint, true);
      checkedGolden++;
    } else {
      // EasyR1 would resize the golden size again at training time: we write the stable size it reaches instead,
      // and count the tokens the trainer computes on what we wrote.
      assert.deepEqual([img.width, img.height], t.size);
      const trainer = resizeFor(img.width, img.height, g.pipeline, geometry);
      assert.ok(trainer.ok);
      assert.deepEqual(trainer.resized, [img.width, img.height]);
      assert.equal(img.tokens, trainer.tokens);
      assert.deepEqual(img.pipelineSize, [g.resized_w, g.resized_h]);
      checkedStable++;
    }
    assert.equal(img.origWidth, g.width);
    assert.equal(img.origHeight, g.height);
  }
  assert.ok(checkedGolden > 50 && checkedStable > 5, `${checkedGolden} golden, ${checkedStable} stable`);
});

test('EXIF-rotated JPEG comes out upright with swapped dims', async () => {
  // Stored 84x56: left half red, right half blue; orientation 6 = rotate 90° clockwise to display.
  const raw = Buffer.alloc(84 * 56 * 3);
  for (let y = 0; y < 56; y++)
    for (let x = 0; x < 84; x++) raw.set(x < 42 ? [255, 0, 0] : [0, 0, 255], (y * 84 + x) * 3);
  const jpeg = await sharp(raw, { raw: { width: 84, height: 56, channels: 3 } })
    .jpeg({ quality: 95 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
  const probe = await probeImage(jpeg);
  assert.equal(probe.orientation, 6);
  assert.deepEqual([probe.width, probe.height], [56, 84]);
  const img = okImage(await processImage(jpeg, opts()));
  assert.deepEqual([img.origWidth, img.origHeight, img.width, img.height], [56, 84, 56, 84]);
  assert.equal(img.reencoded, true);
  assert.equal(img.format, 'jpeg');
  const meta = await sharp(img.bytes).metadata();
  assert.deepEqual([meta.width, meta.height], [56, 84]);
  assert.ok(meta.orientation === undefined || meta.orientation === 1);
  const { data } = await sharp(img.bytes).raw().toBuffer({ resolveWithObject: true });
  const px = (x: number, y: number) => [...data.subarray((y * 56 + x) * 3, (y * 56 + x) * 3 + 3)];
  const top = px(28, 10);
  const bottom = px(28, 74);
  assert.ok(top[0]! > 200 && top[2]! < 60, `top is red: ${top}`);
  assert.ok(bottom[2]! > 200 && bottom[0]! < 60, `bottom is blue: ${bottom}`);
});

test('RGBA: passed through; when converted, alpha is treated as the trainer treats it', async () => {
  const w = 56;
  const h = 56;
  const raw = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) raw.set(x < 28 ? [255, 0, 0, 0] : [255, 0, 0, 128], (y * w + x) * 4);
  const png = await sharp(raw, { raw: { width: w, height: h, channels: 4 } })
    .png()
    .toBuffer();
  // auto: the trainer converts the original itself
  const kept = okImage(await processImage(png, opts()));
  assert.equal(kept.reencoded, false);
  assert.ok(Buffer.from(kept.bytes).equals(png));
  const pixel = async (bytes: Uint8Array, x: number, y: number) => {
    const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    assert.equal(info.channels, 3);
    return [...data.subarray((y * w + x) * 3, (y * w + x) * 3 + 3)];
  };
  // converted (format policy png→jpeg) for qwen-vl-utils: pasted on white, as fetch_image's to_rgb does
  const white = okImage(await processImage(png, opts({ pipeline: 'qwen-vl-utils', imageFormat: 'jpeg' })));
  assert.equal(white.reencoded, true);
  const tw = await pixel(white.bytes, 5, 10);
  assert.ok(
    tw.every((v) => v >= 250),
    `transparent -> white: ${tw}`,
  );
  const half = await pixel(white.bytes, 50, 10);
  assert.ok(
    half[0]! >= 250 && Math.abs(half[1]! - 127) <= 3 && Math.abs(half[2]! - 127) <= 3,
    `half-transparent red on white: ${half}`,
  );
  // for the processor (transformers' convert_to_rgb is Pillow's convert("RGB")): the alpha channel is dropped
  const dropped = okImage(await processImage(png, opts({ pipeline: 'processor', imageFormat: 'jpeg' })));
  const td = await pixel(dropped.bytes, 5, 10);
  assert.ok(td[0]! >= 250 && td[1]! <= 5 && td[2]! <= 5, `transparent pixels keep their colour: ${td}`);
});

test('16-bit grey, palette, CMYK and WebP inputs become 8-bit RGB PNG/JPEG per policy', async () => {
  const grey16 = await sharp(await picture(56, 56))
    .toColourspace('grey16')
    .png()
    .toBuffer();
  assert.equal((await probeImage(grey16)).depth, 'ushort');
  const g = okImage(await processImage(grey16, opts()));
  const gm = await sharp(g.bytes).metadata();
  assert.deepEqual([gm.format, gm.depth, gm.channels, g.reencoded], ['png', 'uchar', 3, true]);

  // A palette PNG without transparency is passed through (Pillow's convert("RGB") gives what we would write) unless
  // the image is resized or another format is asked for.
  const palette = await sharp(await picture(56, 56))
    .png({ palette: true })
    .toBuffer();
  const pk = okImage(await processImage(palette, opts()));
  assert.equal(pk.reencoded, false);
  assert.ok(Buffer.from(pk.bytes).equals(palette));
  const p = okImage(await processImage(palette, opts({ imageFormat: 'jpeg' })));
  const pm = await sharp(p.bytes).metadata();
  assert.deepEqual([pm.isPalette, pm.channels, p.reencoded], [false, 3, true]);

  const cmyk = await sharp(await picture(56, 56))
    .toColourspace('cmyk')
    .jpeg()
    .toBuffer();
  assert.equal((await probeImage(cmyk)).space, 'cmyk');
  const c = okImage(await processImage(cmyk, opts()));
  const cm = await sharp(c.bytes).metadata();
  assert.deepEqual([cm.format, cm.space, cm.channels], ['jpeg', 'srgb', 3]);

  const webp = await picture(56, 56, 'webp');
  const wk = okImage(await processImage(webp, opts({ imageFormat: 'keep' })));
  assert.deepEqual([wk.format, wk.reencoded], ['webp', false]);
  const wa = okImage(await processImage(webp, opts({ imageFormat: 'keep', resize: 'always', geometry: QWEN3 })));
  assert.equal(wa.format, 'png');
  assert.equal((await sharp(wa.bytes).metadata()).format, 'png');
  const wj = okImage(await processImage(webp, opts({ imageFormat: 'jpeg' })));
  assert.equal((await sharp(wj.bytes).metadata()).format, 'jpeg');
  assert.equal(outputFormatFor('gif', 'keep'), 'png');
  assert.equal(outputFormatFor('jpeg', 'keep'), 'jpeg');
  assert.equal(outputFormatFor('png', 'jpeg'), 'jpeg');
});

test('animated GIF: the first frame is taken', async () => {
  const red = await sharp({ create: { width: 56, height: 56, channels: 3, background: '#ff0000' } })
    .png()
    .toBuffer();
  const blue = await sharp({ create: { width: 56, height: 56, channels: 3, background: '#0000ff' } })
    .png()
    .toBuffer();
  const gif = await sharp([red, blue], { join: { animated: true } })
    .gif()
    .toBuffer();
  const probe = await probeImage(gif);
  assert.equal(probe.pages, 2);
  assert.deepEqual([probe.width, probe.height], [56, 56]);
  const img = okImage(await processImage(gif, opts()));
  assert.deepEqual([img.width, img.height, img.format], [56, 56, 'png']);
  const { data } = await sharp(img.bytes).raw().toBuffer({ resolveWithObject: true });
  assert.ok(data[0]! > 200 && data[2]! < 60, `first frame is red: ${[...data.subarray(0, 3)]}`);
});

test('an image already at its target is copied byte for byte; otherwise re-encoded per policy', async () => {
  const png = await picture(56, 84, 'png');
  const a = okImage(await processImage(png, opts()));
  assert.equal(a.reencoded, false);
  assert.ok(Buffer.from(a.bytes).equals(png));
  const jpeg = await picture(56, 84, 'jpeg');
  const b = okImage(await processImage(jpeg, opts({ imageFormat: 'keep' })));
  assert.equal(b.reencoded, false);
  assert.ok(Buffer.from(b.bytes).equals(jpeg));
  // policy png: the JPEG must be re-encoded even at the right size
  const c = okImage(await processImage(jpeg, opts({ imageFormat: 'png' })));
  assert.equal(c.reencoded, true);
  assert.equal(c.format, 'png');
  // not at target: 300x200 -> 308x196 under qwen2.5-vl's processor. auto: kept as it is (the trainer resizes it as
  // it would resize the original, and counts the tokens of 308x196); always: written at 308x196.
  const jpeg300 = await picture(300, 200, 'jpeg');
  const kept = okImage(await processImage(jpeg300, opts()));
  assert.deepEqual([kept.width, kept.height, kept.reencoded, kept.format], [300, 200, false, 'jpeg']);
  assert.ok(Buffer.from(kept.bytes).equals(jpeg300));
  assert.equal(kept.tokens, (308 / 28) * (196 / 28));
  const d = okImage(await processImage(jpeg300, opts({ resize: 'always' })));
  assert.deepEqual([d.width, d.height, d.reencoded, d.format], [308, 196, true, 'jpeg']);
  assert.equal(d.tokens, (308 / 28) * (196 / 28));
  // the same size is not a fixed point of EasyR1 (area below its min_pixels): auto passes it and counts what EasyR1
  // computes on it; always writes a size EasyR1 leaves alone
  const ea = okImage(await processImage(png, opts({ pipeline: 'easyr1' })));
  assert.equal(ea.reencoded, false);
  assert.equal(ea.tokens, (resizeFor(56, 84, 'easyr1', QWEN25) as { tokens: number }).tokens);
  const e = okImage(await processImage(png, opts({ pipeline: 'easyr1', resize: 'always' })));
  assert.equal(e.reencoded, true);
  assert.ok(e.width * e.height >= 262144 * 0.9);
});

test('identical runs give identical bytes (PNG and JPEG, resized and rotated)', async () => {
  const inputs = [await picture(333, 211, 'png'), await picture(1200, 900, 'jpeg'), await picture(97, 61, 'png', 4)];
  for (const input of inputs) {
    for (const imageFormat of ['keep', 'png', 'jpeg'] as const) {
      const a = okImage(await processImage(input, opts({ imageFormat, geometry: QWEN3 })));
      const b = okImage(await processImage(input, opts({ imageFormat, geometry: QWEN3 })));
      assert.ok(Buffer.from(a.bytes).equals(Buffer.from(b.bytes)), imageFormat);
      assert.equal(a.sha256, b.sha256);
    }
  }
  // and the same under concurrency (order kept)
  const many = await processImages([...inputs, ...inputs], opts(), 2);
  const firstBytes = many.map((o) => Buffer.from(okImage(o).bytes));
  for (let i = 0; i < inputs.length; i++) assert.ok(firstBytes[i]!.equals(firstBytes[i + inputs.length]!));
});

/** PNG with a valid header claiming `width`x`height` but almost no data (a decompression bomb's header). */
function pngHeaderOnly(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(64))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

test('each bad kind becomes its reason, never a crash', async () => {
  const empty = dropOf(await processImage(new Uint8Array(0), opts()));
  assert.equal(empty.reason, 'image_undecodable');
  assert.match(empty.detail, /0 bytes/);

  const text = dropOf(await processImage(new TextEncoder().encode('this is not an image at all'), opts()));
  assert.equal(text.reason, 'image_undecodable');
  assert.match(text.detail, /not a decodable image/);

  const png = await picture(300, 200, 'png');
  const truncPng = dropOf(await processImage(png.subarray(0, Math.floor(png.length * 0.6)), opts()));
  assert.equal(truncPng.reason, 'image_undecodable');
  const jpeg = await picture(300, 200, 'jpeg');
  const truncJpeg = dropOf(await processImage(jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), opts()));
  assert.equal(truncJpeg.reason, 'image_undecodable');
  // truncated but already at target size: must not be copied
  const atTarget = await picture(56, 84, 'png');
  const truncCopy = dropOf(await processImage(atTarget.subarray(0, atTarget.length - 40), opts()));
  assert.equal(truncCopy.reason, 'image_undecodable');

  const bomb = pngHeaderOnly(50000, 50000);
  const big = dropOf(await processImage(bomb, opts()));
  assert.equal(big.reason, 'image_too_large');
  assert.equal(big.value, 2_500_000_000);
  assert.equal(big.limit, 178956970);
  const small = dropOf(await processImage(png, opts({ maxInputPixels: 300 * 200 - 1 })));
  assert.equal(small.reason, 'image_too_large');
  assert.equal(small.value, 60000);

  const thin = await sharp({ create: { width: 3216, height: 16, channels: 3, background: '#000' } })
    .png()
    .toBuffer();
  const ratio = dropOf(await processImage(thin, opts()));
  assert.equal(ratio.reason, 'aspect_ratio');
  assert.equal(ratio.value, 201);
  assert.equal(ratio.limit, 200);
  assert.match(ratio.detail, /absolute aspect ratio must be smaller than 200, got 201\.0/);
  // EasyR1's pre-resize of a 1790x12 image is fine, but written at the result it would cross 200 at the next epoch
  const thin2 = await sharp({ create: { width: 1790, height: 12, channels: 3, background: '#000' } })
    .png()
    .toBuffer();
  assert.equal(okImage(await processImage(thin2, opts({ resize: 'always' }))).height, 28);
  const ratio2 = dropOf(await processImage(thin2, opts({ pipeline: 'easyr1', resize: 'always' })));
  assert.equal(ratio2.reason, 'aspect_ratio');
  assert.ok(Number(ratio2.value) > 200);
  // auto keeps the original, which EasyR1 accepts (its aspect check runs on 6251x41 after its own pre-resize)
  const thinKept = okImage(await processImage(thin2, opts({ pipeline: 'easyr1' })));
  assert.deepEqual([thinKept.width, thinKept.height, thinKept.reencoded], [1790, 12, false]);

  const tiny = await sharp({ create: { width: 3, height: 2, channels: 3, background: '#000' } })
    .png()
    .toBuffer();
  const tooSmall = dropOf(await processImage(tiny, opts({ minInputSide: 8 })));
  assert.equal(tooSmall.reason, 'image_too_small');
  assert.equal(tooSmall.value, 2);
  // without a minimum side the trainers accept it (upscaled to min_pixels)
  assert.deepEqual(
    (({ width, height }) => [width, height])(okImage(await processImage(tiny, opts({ resize: 'always' })))),
    [84, 56],
  );
  // auto never upscales: the 3x2 image is kept, its tokens are those of the processor's 84x56
  const tinyKept = okImage(await processImage(tiny, opts()));
  assert.deepEqual([tinyKept.width, tinyKept.height, tinyKept.tokens], [3, 2, 6]);
  // a qwen-vl-utils bound that floors a side to 0 -> image_too_small
  const zero = dropOf(
    await processImage(
      await picture(1000, 10, 'png'),
      opts({ pipeline: 'qwen-vl-utils', bounds: { qwenVlUtilsMinPixels: 0, qwenVlUtilsMaxPixels: 1568 } }),
    ),
  );
  assert.equal(zero.reason, 'image_too_small');
});

test('readImageFile: bytes for a file, a Drop for a missing one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gad-image-'));
  try {
    const png = await picture(20, 20);
    await writeFile(join(dir, 'a.png'), png);
    const r = await readImageFile(join(dir, 'a.png'));
    assert.ok(r.ok && Buffer.from(r.bytes).equals(png));
    const missing = await readImageFile(join(dir, 'missing.png'));
    assert.ok(!missing.ok);
    assert.equal(missing.drop.reason, 'image_undecodable');
    assert.match(missing.drop.detail, /not found/);
    const folder = await readImageFile(dir);
    assert.ok(!folder.ok);
    const capped = await readImageFile(join(dir, 'a.png'), { maxBytes: 10 });
    assert.ok(!capped.ok && capped.drop.reason === 'image_too_large');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('defaultImageConcurrency is bounded by the libuv pool', () => {
  const saved = process.env.UV_THREADPOOL_SIZE;
  try {
    process.env.UV_THREADPOOL_SIZE = '1';
    assert.equal(defaultImageConcurrency(), 1);
    delete process.env.UV_THREADPOOL_SIZE;
    const n = defaultImageConcurrency();
    assert.ok(n >= 1 && n <= 4);
  } finally {
    if (saved === undefined) delete process.env.UV_THREADPOOL_SIZE;
    else process.env.UV_THREADPOOL_SIZE = saved;
  }
});
