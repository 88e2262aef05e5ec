/**
 * Interop (issue: a converted image with an embedded colour profile must keep the values the trainer reads):
 * Pillow — what transformers, qwen-vl-utils, verl and EasyR1 open images with — ignores an embedded ICC profile
 * (`Image.open(f).convert("RGB")` keeps the stored values). sharp converts to sRGB through the profile unless told
 * not to, which moved the pixels of every converted Display-P3 image by up to tens of levels. Here images with a P3
 * profile are put through a default build on each conversion path (a TIFF converted at its own size, a PNG shrunk
 * over max_pixels, an EXIF-rotated JPEG) and the stored pixels are compared with Pillow's decode of the original.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ensurePythonVenv } from '../helpers/python.js';
import { buildImageRows } from '../helpers/build-image-rows.js';
import { storedVsPillow } from '../helpers/stored-vs-pillow.js';

const python = await ensurePythonVenv(['pyarrow', 'Pillow', 'numpy']);
const tmp = mkdtempSync(join(tmpdir(), 'gad-image-icc-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** Saturated colours and a ramp: where sRGB and P3 differ most. */
function p3Picture(width: number, height: number) {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw.set([(x * 255) / width, (y * 255) / height, x % 17 < 8 ? 230 : 20], i);
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).withIccProfile('p3');
}

/** `jpeg` with an EXIF APP1 segment (Orientation = `orientation`) inserted after SOI, its other bytes (and ICC
 * profile) untouched: sharp's `withMetadata` would replace the profile with sRGB. */
function withOrientation(jpeg: Buffer, orientation: number): Buffer {
  const tiff = Buffer.from([
    ...[0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8], // big-endian TIFF header, IFD0 at 8
    ...[0, 1], // one entry
    ...[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0], // Orientation, SHORT, 1 value
    ...[0, 0, 0, 0], // no next IFD
  ]);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff]), body]);
  return Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2)]);
}

test(
  'an image with an embedded Display-P3 profile keeps the values Pillow reads when it is converted or shrunk',
  { skip: python ? false : 'no Python venv (see the log)', timeout: 600_000 },
  async () => {
    const dir = join(tmp, 'p3');
    mkdirSync(join(dir, 'images'), { recursive: true });
    // [file, bytes, exact?]: lossless outputs must equal Pillow's values; the JPEG is re-encoded at quality 100.
    const imgs: Array<[string, Buffer, boolean]> = [
      ['p3.tif', await p3Picture(200, 150).tiff().toBuffer(), true],
      ['p3-big.png', await p3Picture(400, 300).png().toBuffer(), true],
      ['p3-rotated.jpg', withOrientation(await p3Picture(200, 150).jpeg({ quality: 95 }).toBuffer(), 6), false],
    ];
    for (const [file, bytes] of imgs) {
      const meta = await sharp(bytes).metadata();
      assert.match(
        (meta.icc?.toString('latin1') ?? '').replaceAll('\0', ''),
        /P3/,
        `${file} carries a Display-P3 profile`,
      );
      if (file.endsWith('.jpg')) assert.equal(meta.orientation, 6);
      writeFileSync(join(dir, 'images', file), bytes);
    }
    const { out, lengths, spec } = await buildImageRows({ dir, files: imgs.map(([file]) => file) });
    assert.equal(lengths.length, imgs.length, `every image kept: ${readFileSync(join(out, 'dropped.jsonl'), 'utf8')}`);
    const big = lengths.find((l) => l.index === 1)!;
    assert.ok((big.written[0][0] as number) < 400, `the big PNG was shrunk (${JSON.stringify(big.written)})`);
    const rows = await storedVsPillow({ python: python!, spec });
    assert.equal(rows.length, imgs.length);
    for (const r of rows) {
      const [file, , exact] = imgs[r.index]!;
      const diff = `${file} → ${r.format}: differs from Pillow's values by mean ${r.mean}, p99 ${r.p99}, max ${r.max}`;
      assert.equal(r.icc, false, `${file}: the written image carries no colour profile`);
      if (exact) assert.equal(r.max, 0, diff);
      else assert.ok(r.mean <= 0.5 && r.p99 <= 4, diff);
    }
  },
);
