/**
 * A complete-decode check for PNGs that are passed through unchanged, at a fifth of a full decode's cost.
 *
 * What makes a PNG decodable is its container and its compressed stream: every chunk whole with a correct CRC, an
 * IHDR first, the image data (IDAT) inflating without error to exactly height × (1 + row bytes) bytes, each row
 * starting with a valid filter type (0–4), and an IEND. Unfiltering and colour expansion cannot fail after that, so
 * checking these is checking that the file decodes fully (as libpng and Pillow would), without building the pixels.
 * Anything unusual (interlaced images, an unknown colour type, data after the expected image, no `zlib.crc32` in this
 * Node) answers "unknown" and the caller decodes in full.
 */
import * as zlib from 'node:zlib';
import { inflateRows } from './png-inflate.js';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Channels per colour type (0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** `exif`: the file has an eXIf chunk (an orientation a decoder may apply), so its displayed size may differ. */
export type PngCheck =
  { ok: true; width: number; height: number; exif: boolean } | { ok: false; problem: string } | null;

/**
 * ok: decodes fully at width×height; not ok: it cannot be decoded (why); null: not decided here. `viaInflateSync`:
 * inflate with `zlib.inflateSync` instead of the reused handle (png-inflate.ts; tests compare the two).
 */
export function checkPng(bytes: Uint8Array, opts: { viaInflateSync?: boolean } = {}): PngCheck {
  const crc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
  if (!crc32) return null;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 8 || !b.subarray(0, 8).equals(SIGNATURE)) return null;
  let off = 8;
  let width = 0;
  let height = 0;
  let rowBytes = 0;
  let sawPalette = false;
  let sawEnd = false;
  let exif = false;
  const idat: Buffer[] = [];
  while (off < b.length) {
    if (off + 12 > b.length) return { ok: false, problem: 'truncated chunk header' };
    const len = b.readUInt32BE(off);
    const end = off + 12 + len;
    if (len > 0x7fffffff || end > b.length) return { ok: false, problem: 'truncated chunk' };
    const type = b.toString('latin1', off + 4, off + 8);
    const stored = b.readUInt32BE(off + 8 + len);
    if (crc32(b.subarray(off + 4, off + 8 + len)) >>> 0 !== stored)
      return { ok: false, problem: `bad CRC in ${type} chunk` };
    const data = b.subarray(off + 8, off + 8 + len);
    if (off === 8) {
      if (type !== 'IHDR' || len !== 13) return { ok: false, problem: 'no IHDR chunk first' };
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8]!;
      const colour = data[9]!;
      const interlace = data[12]!;
      const channels = CHANNELS[colour];
      if (!channels || interlace !== 0 || width === 0 || height === 0 || ![1, 2, 4, 8, 16].includes(depth)) return null;
      rowBytes = 1 + Math.ceil((width * channels * depth) / 8);
      if (colour === 3 && depth === 16) return null;
    } else if (type === 'PLTE') {
      sawPalette = true;
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'eXIf') {
      exif = true;
    } else if (type === 'IEND') {
      sawEnd = true;
      break;
    }
    off = end;
  }
  if (!width) return { ok: false, problem: 'no IHDR chunk' };
  if (!idat.length) return { ok: false, problem: 'no image data' };
  if (!sawEnd) return null;
  const colourType = b[8 + 8 + 9]!;
  if (colourType === 3 && !sawPalette) return { ok: false, problem: 'palette image without a palette' };
  const expected = height * rowBytes;
  if (!Number.isSafeInteger(expected) || expected > 2 ** 31) return null;
  const idatBytes = idat.length === 1 ? idat[0]! : Buffer.concat(idat);
  const rows = inflateRows(idatBytes, expected, rowBytes, opts.viaInflateSync);
  if (rows.kind === 'corrupt') return { ok: false, problem: 'corrupt or truncated image data' };
  if (rows.kind === 'short') return { ok: false, problem: 'truncated image data' };
  if (rows.kind === 'long') return null;
  if (rows.badRow >= 0) return { ok: false, problem: `row ${rows.badRow} has an invalid filter type` };
  return { ok: true, width, height, exif };
}
