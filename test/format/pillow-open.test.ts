/**
 * An image is kept only when the trainers' decoder (Pillow) opens it, at the size we record. Hostile images written
 * byte by byte — PNG text and ICC chunks over Pillow's MAX_TEXT_CHUNK / MAX_TEXT_MEMORY, a GIF whose logical screen
 * is a decompression bomb or another size than its frame, CMYK TIFFs with an alpha channel — are put through
 * processImage, and the verdict is compared with Pillow's own `Image.open(f).convert("RGB")` in the venv.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { processImage } from '../../src/images/process-image.js';
import { type ImageOptions } from '../../src/images/image-options.js';
import { ensurePythonVenv, runPython } from '../helpers/python.js';
import { pngChunk } from '../helpers/png-chunk.js';

const python = await ensurePythonVenv(['Pillow']);
const tmp = mkdtempSync(join(tmpdir(), 'gad-pillow-open-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const OPTS: ImageOptions = {
  pipeline: 'processor',
  geometry: { patchSize: 14, mergeSize: 2, factor: 28, minPixels: 3136, maxPixels: 12845056 },
  imageFormat: 'keep',
  maxInputPixels: 178956970,
};
const MiB = 1024 * 1024;

const chunk = (type: string, data: Buffer): Buffer => pngChunk({ type, data });

/** A 32×32 RGB PNG with `before` chunks between IHDR and IDAT and `after` chunks between IDAT and IEND. */
function png(before: Buffer[], after: Buffer[] = []): Buffer {
  const w = 32;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(w, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(w * 3, 0x80)]);
  const idat = deflateSync(Buffer.concat(Array<Buffer>(w).fill(row)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...before,
    chunk('IDAT', idat),
    ...after,
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const text = (key: string, n: number) => chunk('tEXt', Buffer.concat([Buffer.from(`${key}\0`), Buffer.alloc(n, 97)]));
const ztxt = (n: number) => chunk('zTXt', Buffer.concat([Buffer.from('k\0\0'), deflateSync(Buffer.alloc(n, 97))]));
const iccp = (method: number, body: Buffer) => chunk('iCCP', Buffer.concat([Buffer.from([112, 0, method]), body]));
const itxt = (compressed: boolean, n: number) =>
  chunk(
    'iTXt',
    Buffer.concat([
      Buffer.from([107, 0, compressed ? 1 : 0, 0, 101, 110, 0, 0]),
      compressed ? deflateSync(Buffer.alloc(n, 97)) : Buffer.alloc(n, 97),
    ]),
  );

/** A GIF with a `sw`×`sh` logical screen and one 2×2 frame at (0, 0). */
function gif(sw: number, sh: number): Buffer {
  const head = Buffer.from('GIF89a\0\0\0\0\x80\0\0', 'latin1');
  head.writeUInt16LE(sw, 6);
  head.writeUInt16LE(sh, 8);
  const frame = Buffer.from([0x2c, 0, 0, 0, 0, 2, 0, 2, 0, 0]);
  // LZW, minimum code size 2: clear, 0, 0, clear, 0, 0, end (3-bit codes).
  const codes = [4, 0, 0, 4, 0, 0, 5];
  let acc = 0;
  let bits = 0;
  const data: number[] = [];
  for (const c of codes) {
    acc |= c << bits;
    bits += 3;
    while (bits >= 8) {
      data.push(acc & 255);
      acc >>= 8;
      bits -= 8;
    }
  }
  if (bits) data.push(acc & 255);
  return Buffer.concat([
    head,
    Buffer.from([0, 0, 0, 255, 255, 255]),
    frame,
    Buffer.from([2, data.length, ...data, 0, 0x3b]),
  ]);
}

/** An uncompressed little-endian 8×8 CMYK TIFF with `extra` extra samples (ExtraSamples values). */
function tiffCmyk(extra: number[]): Buffer {
  const w = 8;
  const spp = 4 + extra.length;
  const pixels = Buffer.alloc(w * w * spp, 60);
  const entries: Array<[number, number, number[]]> = [
    [256, 3, [w]],
    [257, 3, [w]],
    [258, 3, Array<number>(spp).fill(8)],
    [259, 3, [1]],
    [262, 3, [5]],
    [273, 4, [0]],
    [277, 3, [spp]],
    [278, 3, [w]],
    [279, 4, [pixels.length]],
    [284, 3, [1]],
  ];
  if (extra.length) entries.push([338, 3, extra]);
  const ifdSize = 2 + entries.length * 12 + 4;
  let heap = 8 + ifdSize;
  const out = Buffer.alloc(heap + 64 + pixels.length);
  out.write('II*\0', 0, 'latin1');
  out.writeUInt32LE(8, 4);
  out.writeUInt16LE(entries.length, 8);
  const dataAt = heap + 64;
  entries.forEach(([tag, type, values], i) => {
    const e = 10 + i * 12;
    out.writeUInt16LE(tag, e);
    out.writeUInt16LE(type, e + 2);
    out.writeUInt32LE(values.length, e + 4);
    const size = type === 3 ? 2 : 4;
    const v = tag === 273 ? [dataAt] : values;
    let at = e + 8;
    if (v.length * size > 4) {
      out.writeUInt32LE(heap, e + 8);
      at = heap;
      heap += v.length * size;
    }
    v.forEach((x, j) => (size === 2 ? out.writeUInt16LE(x, at + 2 * j) : out.writeUInt32LE(x, at + 4 * j)));
  });
  pixels.copy(out, dataAt);
  return out;
}

const CASES: Record<string, Buffer> = {
  'png tEXt of 2 MiB (uncompressed text has no per-chunk limit)': png([text('k', 2 * MiB)]),
  'png zTXt inflating to 2 MiB': png([ztxt(2 * MiB)]),
  'png zTXt inflating to exactly 1 MiB': png([ztxt(MiB)]),
  'png zTXt of 2 MiB after the image data': png([], [ztxt(2 * MiB)]),
  'png iCCP inflating to 2 MiB': png([iccp(0, deflateSync(Buffer.alloc(2 * MiB, 1)))]),
  'png iCCP with a corrupt zlib stream (Pillow ignores the profile)': png([iccp(0, Buffer.from('garbage'))]),
  'png iCCP with compression method 1': png([iccp(1, deflateSync(Buffer.alloc(16, 1)))]),
  'png iTXt compressed, inflating to 2 MiB': png([itxt(true, 2 * MiB)]),
  'png iTXt uncompressed, 2 MiB': png([itxt(false, 2 * MiB)]),
  'png 65 tEXt chunks of 1 MiB (over MAX_TEXT_MEMORY)': png(Array.from({ length: 65 }, (_, i) => text(`k${i}`, MiB))),
  'png 63 tEXt chunks of 1 MiB': png(Array.from({ length: 63 }, (_, i) => text(`k${i}`, MiB))),
  'gif with a 65535x65535 logical screen and a 2x2 frame': gif(65535, 65535),
  'gif with a 3000x3000 logical screen and a 2x2 frame': gif(3000, 3000),
  'gif with a 40x40 logical screen and a 2x2 frame': gif(40, 40),
  'tiff CMYK': tiffCmyk([]),
  'tiff CMYK + unassociated alpha (ExtraSamples 2)': tiffCmyk([2]),
  'tiff CMYK + associated alpha (ExtraSamples 1)': tiffCmyk([1]),
  'tiff CMYK + an unspecified extra sample (CMYKX)': tiffCmyk([0]),
};

/** What Pillow says of each file: the size it opens and converts it at, or its error. */
const PILLOW = String.raw`
import json, sys, warnings
from PIL import Image
warnings.simplefilter("ignore")
out = {}
for name, path in json.loads(sys.argv[1]).items():
    try:
        with Image.open(path) as im:
            out[name] = {"size": list(im.convert("RGB").size)}
    except Exception as e:
        out[name] = {"error": type(e).__name__ + ": " + str(e)[:200]}
print(json.dumps(out))
`;

test(
  "images are kept exactly when the trainers' Pillow opens them at the recorded size",
  { skip: python ? false : 'no Python venv (see the log)', timeout: 300_000 },
  async () => {
    const files: Record<string, string> = {};
    Object.entries(CASES).forEach(([name, bytes], i) => {
      files[name] = join(tmp, `case-${i}`);
      writeFileSync(files[name], bytes);
    });
    const pillow = JSON.parse(await runPython(python!, PILLOW, [JSON.stringify(files)])) as Record<
      string,
      { size?: [number, number]; error?: string }
    >;
    const refusedByPillow: string[] = [];
    for (const [name, bytes] of Object.entries(CASES)) {
      const ours = await processImage(bytes, OPTS);
      const p = pillow[name]!;
      if (ours.ok) {
        assert.ok(p.size, `${name}: kept here, but Pillow cannot open it (${p.error})`);
        assert.deepEqual(p.size, [ours.image.origWidth, ours.image.origHeight], `${name}: Pillow's size`);
      } else {
        // Dropped though Pillow opens it: only when Pillow would open it at another size than the one decoded here.
        if (p.size) assert.match(ours.drop.detail, /logical screen/, `${name}: dropped though Pillow opens it`);
        else refusedByPillow.push(name);
        assert.match(ours.drop.reason, /^image_(undecodable|too_large)$/, name);
        assert.match(ours.drop.detail, /Pillow|max-input-pixels/, `${name}: the detail says why (${ours.drop.detail})`);
      }
    }
    // The cases the issue reported, refused by Pillow and so dropped here.
    for (const name of [
      'png zTXt inflating to 2 MiB',
      'png iCCP inflating to 2 MiB',
      'png 65 tEXt chunks of 1 MiB (over MAX_TEXT_MEMORY)',
      'gif with a 65535x65535 logical screen and a 2x2 frame',
      'tiff CMYK + unassociated alpha (ExtraSamples 2)',
    ])
      assert.ok(refusedByPillow.includes(name), `${name}: Pillow refuses it and so do we (${pillow[name]?.error})`);
  },
);
