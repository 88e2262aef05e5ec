/**
 * The input side of image processing: reading an image file, its header (size, format, orientation, pages,
 * channels, depth, alpha), and the rules checked from the header before anything is decoded: a format the
 * trainers' Pillow cannot open, too many pixels, a side below `min-input-side`. Every problem is a Drop.
 */
import { loadSharp } from './sharp-module.js';
import type { Drop } from '../core/types.js';
import { describeError } from '../core/errors.js';
import { readPngHeader } from './png-header.js';

// Read in its own module, without sharp, so the image loader's worker threads do not load sharp.
export { readImageFile } from './read-image-file.js';

/**
 * Default decompression-bomb limit: Pillow raises DecompressionBombError above 2 × MAX_IMAGE_PIXELS
 * (2 × 89478485 = 178956970), so an image larger than this could not be opened by the trainers either.
 */
export const DEFAULT_MAX_INPUT_PIXELS = 178956970;

export interface ImageProbe {
  /** Oriented size (after EXIF orientation). */
  width: number;
  height: number;
  /** Stored size (before orientation). */
  storedWidth: number;
  storedHeight: number;
  format: string;
  /** EXIF orientation 1..8 (1 when absent). */
  orientation: number;
  pages: number;
  channels: number;
  depth: string;
  hasAlpha: boolean;
  isPalette: boolean;
  space: string;
}

/** Read the header only: size, format, orientation, frames, channels, depth. Throws on data that is not an image. */
export async function probeImage(input: Uint8Array): Promise<ImageProbe> {
  // A plain PNG's header is read here, as sharp reports it (png-header.ts); anything else by sharp.
  const png = readPngHeader(input);
  if (png) return png;
  const sharp = await loadSharp();
  const m = await sharp(input, { failOn: 'none', limitInputPixels: false }).metadata();
  if (!m.width || !m.height || !m.format) throw new Error('image header has no size or format');
  const orientation = m.orientation ?? 1;
  const swap = orientation >= 5 && orientation <= 8;
  return {
    width: swap ? m.height : m.width,
    height: swap ? m.width : m.height,
    storedWidth: m.width,
    storedHeight: m.height,
    format: m.format === 'heif' && m.compression === 'av1' ? 'avif' : m.format,
    orientation,
    pages: m.pages ?? 1,
    channels: m.channels ?? 0,
    depth: m.depth ?? 'uchar',
    hasAlpha: m.hasAlpha ?? false,
    isPalette: m.isPalette ?? false,
    space: m.space ?? 'srgb',
  };
}

/**
 * Input formats accepted: raster formats Pillow 12 opens by default (checked with `PIL.Image.OPEN` of Pillow
 * 12.3), as sharp names them. The trainers (and anyone re-reading the source data with PIL / HF datasets)
 * could not open the others, so they are not images of the dataset even when sharp can render them:
 * `svg` (vector text; rasterizing it would also make up a size and a background), `pdf`, `heif` (HEIC needs
 * the pillow-heif plugin; AVIF, reported by sharp as heif/av1, is `avif` here), `jxl`, `magick`, `openslide`,
 * `vips`, `exr`, `rad`, `raw`, `csv`, `matrix`, `fits`.
 */
export const ACCEPTED_INPUT_FORMATS: ReadonlySet<string> = new Set([
  'jpeg',
  'png',
  'webp',
  'gif',
  'tiff',
  'avif',
  'jp2k',
  'ppm',
  'bmp',
]);

/** The first line of an error, as a drop's detail quotes it. */
export function firstLine(e: unknown): string {
  return describeError(e).trim();
}

/** An `image_undecodable` drop. */
export function undecodable(detail: string, value?: string | number | null): { ok: false; drop: Drop } {
  return { ok: false, drop: { reason: 'image_undecodable', detail, value: value ?? null, limit: null } };
}

/**
 * The image rules checked from the header, before decoding (one definition, used by processImage and by
 * `validate`): a format the trainers' Pillow cannot open (`image_undecodable`: SVG, PDF, HEIC, ...), and more
 * pixels than `maxInputPixels` (`image_too_large`, the decompression-bomb guard).
 */
export function inputImageDrop(
  probe: { format: string; width: number; height: number },
  maxInputPixels: number = DEFAULT_MAX_INPUT_PIXELS,
): Drop | null {
  if (!ACCEPTED_INPUT_FORMATS.has(probe.format)) {
    return {
      reason: 'image_undecodable',
      detail: `${probe.format} is not a raster image format the trainers can open (Pillow cannot read it); convert it to PNG or JPEG`,
      value: probe.format,
      limit: null,
    };
  }
  const pixels = probe.width * probe.height;
  if (pixels > maxInputPixels) {
    return {
      reason: 'image_too_large',
      detail: `image is ${probe.width}x${probe.height} = ${pixels} pixels, more than max-input-pixels ${maxInputPixels} (decompression-bomb guard); raise --max-input-pixels to accept it`,
      value: pixels,
      limit: maxInputPixels,
    };
  }
  return null;
}

/** `image_too_small` when the shorter (oriented) side is below `minSide` (build's `min-input-side`). */
export function minSideDrop(probe: { width: number; height: number }, minSide: number): Drop | null {
  if (Math.min(probe.width, probe.height) < minSide) {
    return {
      reason: 'image_too_small',
      detail: `image is ${probe.width}x${probe.height}, a side is below min-input-side ${minSide}`,
      value: Math.min(probe.width, probe.height),
      limit: minSide,
    };
  }
  return null;
}
