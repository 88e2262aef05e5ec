/**
 * A PNG's header read here instead of by sharp's `metadata()` (a Sharp object, a trip to the thread pool and a
 * libpng header read per image: about 0.15 ms of CPU each), for the plain PNGs most data sets hold: the answer is
 * what `metadata()` reports for them (test/format/png-header.test.ts compares every colour type, depth and
 * transparency against sharp). Anything else answers null and sharp reads it as before: a chunk before the image
 * data other than IHDR, PLTE, tRNS, sRGB, gAMA and pHYs, a bad CRC or value in them, an eXIf chunk anywhere
 * (orientation), interlacing, sides over 65535.
 */
import * as zlib from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Allowed bit depths per colour type (0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA). */
const DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

export interface PngHeader {
  width: number;
  height: number;
  storedWidth: number;
  storedHeight: number;
  format: 'png';
  orientation: 1;
  pages: 1;
  channels: number;
  depth: 'uchar' | 'ushort';
  hasAlpha: boolean;
  isPalette: boolean;
  space: 'srgb' | 'b-w' | 'rgb16' | 'grey16';
}

/** The header as sharp's metadata() gives it, or null: not a PNG read here (sharp reads it). */
export function readPngHeader(bytes: Uint8Array): PngHeader | null {
  const crc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
  if (!crc32) return null;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 8 + 25 || !b.subarray(0, 8).equals(SIGNATURE)) return null;
  let off = 8;
  let colour = -1;
  let depth = 0;
  let width = 0;
  let height = 0;
  let palette = 0;
  let trns = false;
  const seen = new Set<string>();
  for (;;) {
    if (off + 12 > b.length) return null;
    const len = b.readUInt32BE(off);
    if (len > 0x7fffffff || off + 12 + len > b.length) return null;
    const type = b.toString('latin1', off + 4, off + 8);
    if (type === 'IDAT') break;
    if (seen.has(type)) return null;
    seen.add(type);
    if (crc32(b.subarray(off + 4, off + 8 + len)) >>> 0 !== b.readUInt32BE(off + 8 + len)) return null;
    const d = b.subarray(off + 8, off + 8 + len);
    if (off === 8) {
      if (type !== 'IHDR' || len !== 13) return null;
      width = d.readUInt32BE(0);
      height = d.readUInt32BE(4);
      depth = d[8]!;
      colour = d[9]!;
      if (!DEPTHS[colour]?.includes(depth) || d[10] !== 0 || d[11] !== 0 || d[12] !== 0) return null;
      if (width < 1 || height < 1 || width > 65535 || height > 65535) return null;
    } else if (type === 'PLTE') {
      if (colour === 0 || colour === 4 || trns || len === 0 || len % 3 !== 0) return null;
      palette = len / 3;
      if (palette > (colour === 3 ? 2 ** depth : 256)) return null;
    } else if (type === 'tRNS') {
      if (colour === 0 ? len !== 2 : colour === 2 ? len !== 6 : colour !== 3 || len === 0 || len > palette) return null;
      trns = true;
    } else if (type === 'sRGB') {
      if (len !== 1 || d[0]! > 3) return null;
    } else if (type === 'gAMA') {
      if (len !== 4 || d.readUInt32BE(0) === 0) return null;
    } else if (type === 'pHYs') {
      if (len !== 9 || d[8]! > 1) return null;
    } else return null;
    off += 12 + len;
  }
  if (colour === 3 && !palette) return null;
  // An eXIf chunk anywhere may carry an orientation: sharp decides.
  for (let o = off; o + 8 <= b.length;) {
    if (b.toString('latin1', o + 4, o + 8) === 'eXIf') return null;
    o += 12 + b.readUInt32BE(o);
  }
  const wide = depth === 16;
  const grey = colour === 0 || colour === 4;
  const alpha = colour === 4 || colour === 6 || trns;
  return {
    width,
    height,
    storedWidth: width,
    storedHeight: height,
    format: 'png',
    orientation: 1,
    pages: 1,
    channels: (grey ? 1 : 3) + (alpha ? 1 : 0),
    depth: wide ? 'ushort' : 'uchar',
    hasAlpha: alpha,
    isPalette: colour === 3,
    space: grey ? (wide ? 'grey16' : 'b-w') : wide ? 'rgb16' : 'srgb',
  };
}
