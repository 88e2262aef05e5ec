/**
 * Would the trainers' Pillow open these bytes? The limits Pillow 12 applies while opening and loading that sharp
 * does not, checked from the headers and ancillary chunks (no pixel is decoded):
 * - PNG (PngImagePlugin): a compressed iCCP, zTXt or iTXt chunk inflating to more than MAX_TEXT_CHUNK (1 MiB)
 *   raises "Decompressed data too large"; text chunks (tEXt, zTXt, iTXt values) over MAX_TEXT_MEMORY (64 MiB) in
 *   all raise "Too much memory used in text chunks"; an iCCP or zTXt chunk with a compression method other than 0
 *   cannot be opened. An uncompressed tEXt value of any size alone is fine, and so is a corrupt zlib stream (Pillow
 *   ignores it).
 * - GIF (GifImagePlugin): the image size is the logical screen (grown to the first frame's extent), not the frame:
 *   a 65535×65535 screen is a DecompressionBombError in Pillow, while libvips shows the frame alone. A size that
 *   differs from the decoder's here would give the trainer another image.
 * - TIFF (TiffImagePlugin OPEN_INFO): CMYK is opened only as 4 samples of 8 or 16 bits, or 8-bit with one or two
 *   unspecified extra samples (CMYKX); CMYK with an alpha channel (ExtraSamples 1 or 2) is "unknown pixel mode".
 */
import * as zlib from 'node:zlib';
import type { Drop } from '../core/types.js';
import { tiffCmykProblem } from './tiff-header.js';
import { errnoCode } from '../core/guards.js';

/** PngImagePlugin.MAX_TEXT_CHUNK (ImageFile.SAFEBLOCK). */
export const PILLOW_MAX_TEXT_CHUNK = 1024 * 1024;
/** PngImagePlugin.MAX_TEXT_MEMORY. */
export const PILLOW_MAX_TEXT_MEMORY = 64 * PILLOW_MAX_TEXT_CHUNK;
/** Image.MAX_IMAGE_PIXELS: over it Pillow warns (DecompressionBombWarning); over twice it, it refuses. */
export const PILLOW_MAX_IMAGE_PIXELS = 89478485;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Inflated length of a zlib stream as Python's decompressobj sees it (a truncated stream gives what it holds), capped at max + 1; null when corrupt. */
function inflatedLength(data: Buffer, max: number): number | null {
  try {
    return zlib.inflateSync(data, { maxOutputLength: max + 1, finishFlush: zlib.constants.Z_SYNC_FLUSH }).length;
  } catch (e) {
    if (errnoCode(e) === 'ERR_BUFFER_TOO_LARGE') return max + 1;
    return null;
  }
}

/** The text length Pillow counts for an iTXt chunk (characters of its UTF-8 value), or a problem. */
function itxt(data: Buffer): number | string {
  const k = data.indexOf(0);
  if (k < 0 || data.length - (k + 1) < 2) return 0;
  const cf = data[k + 1]!;
  const cm = data[k + 2]!;
  const rest = data.subarray(k + 3);
  const lang = rest.indexOf(0);
  const tk = lang < 0 ? -1 : rest.indexOf(0, lang + 1);
  if (tk < 0) return 0;
  let v = rest.subarray(tk + 1);
  if (cf !== 0) {
    if (cm !== 0) return 0;
    const n = inflatedLength(v, PILLOW_MAX_TEXT_CHUNK);
    if (n === null) return 0;
    if (n > PILLOW_MAX_TEXT_CHUNK) return `an iTXt chunk inflates to more than ${PILLOW_MAX_TEXT_CHUNK} bytes`;
    v = zlib.inflateSync(v, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  }
  try {
    return [...new TextDecoder('utf-8', { fatal: true }).decode(v)].length;
  } catch {
    return 0;
  }
}

/** Why Pillow refuses this PNG's ancillary chunks, or null. */
export function pngChunkProblem(bytes: Uint8Array): string | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 8 || !b.subarray(0, 8).equals(PNG_SIGNATURE)) return null;
  let text = 0;
  let animated = false;
  let sawData = false;
  for (let off = 8; off + 8 <= b.length;) {
    const len = b.readUInt32BE(off);
    const type = b.toString('latin1', off + 4, off + 8);
    const data = b.subarray(off + 8, Math.min(b.length, off + 8 + len));
    off += 12 + len;
    if (type === 'IEND' || (animated && sawData && type === 'fcTL')) break;
    if (type === 'acTL') animated = true;
    if (type === 'IDAT' || type === 'fdAT') sawData = true;
    if (type === 'iCCP' || type === 'zTXt') {
      const k = data.indexOf(0);
      const method = k < 0 ? 0 : (data[k + 1] ?? 0);
      if (type === 'iCCP' && k < 0) continue;
      if (method !== 0) return `its ${type} chunk has compression method ${method} (only 0 exists)`;
      if (k < 0) continue;
      const n = inflatedLength(data.subarray(k + 2), PILLOW_MAX_TEXT_CHUNK);
      if (n !== null && n > PILLOW_MAX_TEXT_CHUNK) {
        const what = type === 'iCCP' ? 'ICC profile (iCCP chunk)' : 'zTXt text chunk';
        return `its ${what} inflates to more than ${PILLOW_MAX_TEXT_CHUNK} bytes (Pillow's MAX_TEXT_CHUNK)`;
      }
      if (type === 'zTXt' && k > 0) text += n ?? 0;
    } else if (type === 'tEXt') {
      const k = data.indexOf(0);
      if (k !== 0) text += k < 0 ? 0 : data.length - k - 1;
    } else if (type === 'iTXt') {
      const n = itxt(data);
      if (typeof n === 'string') return `${n} (Pillow's MAX_TEXT_CHUNK)`;
      text += n;
    }
    if (text > PILLOW_MAX_TEXT_MEMORY)
      return `its text chunks hold more than ${PILLOW_MAX_TEXT_MEMORY} bytes (Pillow's MAX_TEXT_MEMORY)`;
  }
  return null;
}

/** The size Pillow gives a GIF: its logical screen, grown to the first frame's extent; null when not a GIF. */
export function gifPillowSize(bytes: Uint8Array): [number, number] | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 13 || !/^GIF8[79]a$/.test(b.toString('latin1', 0, 6))) return null;
  let w = b.readUInt16LE(6);
  let h = b.readUInt16LE(8);
  let off = 13 + (b[10]! & 0x80 ? 3 << ((b[10]! & 7) + 1) : 0);
  while (off < b.length) {
    const intro = b[off]!;
    if (intro === 0x2c) {
      if (off + 10 > b.length) break;
      w = Math.max(w, b.readUInt16LE(off + 1) + b.readUInt16LE(off + 5));
      h = Math.max(h, b.readUInt16LE(off + 3) + b.readUInt16LE(off + 7));
      break;
    }
    if (intro !== 0x21) break;
    off += 2;
    while (off < b.length && b[off] !== 0) off += b[off]! + 1;
    off += 1;
  }
  return [w, h];
}

/**
 * The drop for an image the trainers' Pillow would not open (or would open at another size), from its headers;
 * null when Pillow opens it as the decoder here does. `maxInputPixels`: the decompression-bomb limit of the build.
 */
export function pillowOpenDrop(
  bytes: Uint8Array,
  probe: { format: string; storedWidth: number; storedHeight: number },
  maxInputPixels: number,
): Drop | null {
  const refuse = (why: string): Drop => ({
    reason: 'image_undecodable',
    detail: `${probe.format} image the trainers' Pillow cannot open: ${why}; re-save it without that (e.g. convert it to a plain PNG or JPEG)`,
    value: probe.format,
    limit: null,
  });
  if (probe.format === 'png') {
    const p = pngChunkProblem(bytes);
    return p ? refuse(p) : null;
  }
  if (probe.format === 'tiff') {
    const p = tiffCmykProblem(bytes);
    return p ? refuse(p) : null;
  }
  if (probe.format === 'gif') {
    const size = gifPillowSize(bytes);
    if (!size) return null;
    const [w, h] = size;
    const pixels = Math.max(1, w) * Math.max(1, h);
    if (pixels > maxInputPixels) {
      return {
        reason: 'image_too_large',
        detail: `gif image: Pillow opens it at its logical screen ${w}x${h} = ${pixels} pixels, more than max-input-pixels ${maxInputPixels} (decompression-bomb guard; the frame alone is ${probe.storedWidth}x${probe.storedHeight})`,
        value: pixels,
        limit: maxInputPixels,
      };
    }
    if (w !== probe.storedWidth || h !== probe.storedHeight)
      return {
        reason: 'image_undecodable',
        detail: `gif image: the trainers' Pillow opens it at its logical screen ${w}x${h}, the decoder here at ${probe.storedWidth}x${probe.storedHeight} (its frame), so the trainer would see another image; re-save it (e.g. as PNG)`,
        value: probe.format,
        limit: null,
      };
  }
  return null;
}
