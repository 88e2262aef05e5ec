import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { readPngHeader } from '../../src/images/png-header.js';
import { probeImage } from '../../src/images/image-input.js';
import { pngChunk } from '../helpers/png-chunk.js';

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

const chunk = (type: string, data: Buffer): Buffer => pngChunk({ type, data });

/** A PNG of colour type `colour` at `depth`, with `before` chunks ahead of the image data and `after` behind it. */
function png(colour: number, depth: number, before: Buffer[] = [], after: Buffer[] = [], interlace = 0): Buffer {
  const [w, h] = [37, 23];
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = depth;
  ihdr[9] = colour;
  ihdr[12] = interlace;
  const rowBytes = 1 + Math.ceil((w * CHANNELS[colour]! * depth) / 8);
  const raw = Buffer.alloc(rowBytes * h); // filter 0, index 0 / black
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...before,
    chunk('IDAT', deflateSync(raw)),
    ...after,
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function sharpProbe(b: Buffer) {
  const m = await sharp(b, { failOn: 'none', limitInputPixels: false }).metadata();
  return {
    width: m.width,
    height: m.height,
    storedWidth: m.width,
    storedHeight: m.height,
    format: m.format,
    orientation: m.orientation ?? 1,
    pages: m.pages ?? 1,
    channels: m.channels,
    depth: m.depth,
    hasAlpha: m.hasAlpha ?? false,
    isPalette: m.isPalette ?? false,
    space: m.space,
  };
}

const plte = (n: number) => chunk('PLTE', Buffer.alloc(3 * n, 0x40));
const common = [
  chunk('sRGB', Buffer.from([0])),
  chunk('gAMA', Buffer.from([0, 0, 0xb1, 0x8f])),
  chunk('pHYs', Buffer.from([0, 0, 0x0b, 0x13, 0, 0, 0x0b, 0x13, 1])),
];

test('readPngHeader: what sharp metadata() reports, for every colour type, depth and transparency', async () => {
  const depths: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
  const trns: Record<number, Buffer | null> = {
    0: Buffer.from([0, 1]),
    2: Buffer.from([0, 1, 0, 2, 0, 3]),
    3: Buffer.from([0, 128]),
    4: null,
    6: null,
  };
  let compared = 0;
  for (const [c, ds] of Object.entries(depths)) {
    const colour = Number(c);
    for (const depth of ds) {
      const pal = colour === 3 ? [plte(2 ** Math.min(depth, 2))] : colour === 2 || colour === 6 ? [plte(3)] : [];
      const variants = [png(colour, depth, common), png(colour, depth, [...common, ...pal])];
      const t = trns[colour];
      if (t) variants.push(png(colour, depth, [...common, ...pal, chunk('tRNS', t)]));
      for (const b of variants) {
        if (colour === 3 && b === variants[0]) continue; // a palette image needs its PLTE
        const ours = readPngHeader(b);
        assert.ok(ours, `colour ${colour} depth ${depth} is read here`);
        assert.deepEqual(ours, await sharpProbe(b), `colour ${colour} depth ${depth}`);
        assert.deepEqual(await probeImage(b), ours);
        compared++;
      }
    }
  }
  assert.equal(compared, 37);
});

test('readPngHeader: left to sharp (null) for an orientation, animation, interlacing, other chunks or a bad CRC', async () => {
  const exif = Buffer.from('4d4d002a000000080001011200030000000100060000000000', 'hex'); // orientation 6
  const badCrc = chunk('gAMA', Buffer.from([0, 0, 0xb1, 0x8f]));
  badCrc[badCrc.length - 1]! ^= 1;
  const cases: Record<string, Buffer> = {
    'eXIf before the data': png(2, 8, [chunk('eXIf', exif)]),
    'eXIf after the data': png(2, 8, [], [chunk('eXIf', exif)]),
    'APNG (acTL)': png(2, 8, [chunk('acTL', Buffer.from([0, 0, 0, 1, 0, 0, 0, 0]))]),
    interlaced: png(2, 8, [], [], 1),
    'a tEXt chunk': png(2, 8, [chunk('tEXt', Buffer.from('Software\0x'))]),
    'an iCCP chunk': png(2, 8, [chunk('iCCP', Buffer.concat([Buffer.from('p\0\0'), deflateSync(Buffer.alloc(10))]))]),
    'a bad CRC': png(2, 8, [badCrc]),
    'palette without PLTE': png(3, 8),
    'palette larger than the depth allows': png(3, 1, [plte(4)]),
    'a JPEG': await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } })
      .jpeg()
      .toBuffer(),
  };
  for (const [name, b] of Object.entries(cases)) assert.equal(readPngHeader(b), null, name);
  // sharp reads those: the orientation of an eXIf chunk before the data comes through
  const oriented = await probeImage(cases['eXIf before the data']!);
  assert.equal(oriented.orientation, 6);
  assert.deepEqual([oriented.width, oriented.height], [23, 37]);
});
