/**
 * Decode, check, resize once, encode.
 *
 * Policy (stated once, applied to every image):
 * - The header is read first (size, format, EXIF orientation, pages, channels, depth, alpha) to decide.
 * - Target size = the build's resize pipeline (`processor` default, `easyr1`, `qwen-vl-utils`) applied to
 *   the oriented size (see `writeTarget` in resize.ts: a fixed point of that pipeline, so the trainer's
 *   own resize is the identity); tokens = what the trainer computes on the written image.
 * - Orientation is baked in (EXIF rotated/flipped, tag dropped). Output is always 8-bit sRGB, 3 channels:
 *   alpha (RGBA, LA, transparent palette) is flattened on white (as qwen-vl-utils does); grey, palette,
 *   CMYK and 16-bit are converted. Animated images (GIF, WebP, multi-page TIFF) keep their first frame.
 * - Resampling: sharp `kernel: 'cubic'` (closest to Pillow's BICUBIC).
 * - Encoding (`imageFormat`): `keep` writes JPEG for JPEG input and PNG for everything else (PNG, WebP,
 *   GIF, TIFF, BMP, AVIF, ...); `png` / `jpeg` force one format. JPEG is quality 95 (4:2:0, baseline,
 *   no metadata); PNG is compression level 6 without adaptive filtering. Same input + settings → same bytes.
 * - Byte-for-byte copy when nothing must change: already at the target size, no EXIF rotation, 8-bit
 *   3-channel sRGB without alpha or palette, single frame, a format the policy keeps. The copy is still
 *   fully decoded once (with `failOn: 'truncated'`) so a truncated file is never copied.
 * - Every problem becomes a Drop, never a crash: `image_undecodable` (0 bytes, not an image, truncated or
 *   corrupt data, timeout, a format Pillow cannot open such as SVG or PDF: see ACCEPTED_INPUT_FORMATS),
 *   `image_too_large` (more pixels than `maxInputPixels`, checked from the header
 *   before decoding), `aspect_ratio` (> 200, including EasyR1's pre-resize of the written image),
 *   `image_too_small` (a side below `minInputSide`, or a resize that would give an empty side).
 */
import { readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import sharp from 'sharp';
import type { Drop, ProcessedImage, ResizePipeline } from '../core/types.js';
import { sha256 } from '../core/hash.js';
import { describeError } from '../core/errors.js';
import { type ImageGeometry, type PipelineBounds, resizeFor, writeTarget } from './resize.js';

/**
 * Default decompression-bomb limit: Pillow raises DecompressionBombError above 2 × MAX_IMAGE_PIXELS
 * (2 × 89478485 = 178956970), so an image larger than this could not be opened by the trainers either.
 */
export const DEFAULT_MAX_INPUT_PIXELS = 178956970;
export const DEFAULT_JPEG_QUALITY = 95;
export const DEFAULT_IMAGE_TIMEOUT_MS = 60_000;

export type ImageFormatPolicy = 'keep' | 'png' | 'jpeg';

export interface ImageOptions {
  pipeline: ResizePipeline;
  geometry: ImageGeometry;
  bounds?: Partial<PipelineBounds>;
  imageFormat: ImageFormatPolicy;
  /** JPEG quality when re-encoding to JPEG (default 95). */
  jpegQuality?: number;
  /** Refuse images with more pixels than this (header check, before decoding). Default 178956970 (Pillow's bomb error). */
  maxInputPixels: number;
  /** Refuse images whose shorter (oriented) side is below this. Default 1 (the trainers accept any size). */
  minInputSide?: number;
  /** Give up on one image (decode, resize, encode) after this many milliseconds: an `image_undecodable` drop. Default 60000. */
  timeoutMs?: number;
}

/** The processed image, plus how the written size relates to the trainer's pipeline. */
export type ImageResult = Omit<ProcessedImage, 'path'> & {
  /** pipeline(written size) = written size: the trainer will not resize again. */
  fixedPoint: boolean;
  /** The pipeline's result for the input size, when the written size had to differ from it to be a fixed point. */
  pipelineSize?: [number, number];
};

export type ImageOutcome = { ok: true; image: ImageResult } | { ok: false; drop: Drop };

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
export const ACCEPTED_INPUT_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'jp2k', 'ppm', 'bmp']);

/** Images processed at once: the cores, capped by the libuv pool sharp runs on (UV_THREADPOOL_SIZE, default 4). */
export function defaultImageConcurrency(): number {
  const pool = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10);
  const uv = Number.isFinite(pool) && pool > 0 ? pool : 4;
  return Math.max(1, Math.min(availableParallelism(), uv));
}

/** A p-limit limiter for image work; memory is bounded by the images in flight (≤ concurrency). */
export function createImageLimiter(concurrency = defaultImageConcurrency()): ReturnType<typeof pLimit> {
  return pLimit(Math.max(1, concurrency));
}

/** Process many images with bounded concurrency; outcomes come back in input order. */
export async function processImages(
  inputs: Iterable<Uint8Array>,
  opts: ImageOptions,
  concurrency = defaultImageConcurrency(),
): Promise<ImageOutcome[]> {
  const limit = createImageLimiter(concurrency);
  return Promise.all(Array.from(inputs, (buf) => limit(() => processImage(buf, opts))));
}

/** Read an image file for a path-only image; a missing or unreadable file becomes a Drop. */
export async function readImageFile(
  path: string,
  opts: { maxBytes?: number } = {},
): Promise<{ ok: true; bytes: Uint8Array; stat: { size: number; mtimeMs: number } } | { ok: false; drop: Drop }> {
  try {
    const st = await stat(path);
    if (!st.isFile()) {
      return { ok: false, drop: { reason: 'image_undecodable', detail: `image path is not a file: ${path}`, value: path, limit: null } };
    }
    if (opts.maxBytes !== undefined && st.size > opts.maxBytes) {
      return {
        ok: false,
        drop: { reason: 'image_too_large', detail: `image file ${path} has ${st.size} bytes, more than the limit ${opts.maxBytes}`, value: st.size, limit: opts.maxBytes },
      };
    }
    return { ok: true, bytes: new Uint8Array(await readFile(path)), stat: { size: st.size, mtimeMs: st.mtimeMs } };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const detail =
      code === 'ENOENT'
        ? `image file not found: ${path} (check image_dir and the path column)`
        : `cannot read image file ${path}: ${describeError(e)}`;
    return { ok: false, drop: { reason: 'image_undecodable', detail, value: path, limit: null } };
  }
}

function firstLine(e: unknown): string {
  return describeError(e).trim();
}

function undecodable(detail: string, value?: string | number | null): ImageOutcome {
  return { ok: false, drop: { reason: 'image_undecodable', detail, value: value ?? null, limit: null } };
}

/** The output format the policy gives an input format. */
export function outputFormatFor(inputFormat: string, policy: ImageFormatPolicy): 'png' | 'jpeg' {
  if (policy === 'png') return 'png';
  if (policy === 'jpeg') return 'jpeg';
  return inputFormat === 'jpeg' ? 'jpeg' : 'png';
}

const TIMED_OUT: unique symbol = Symbol('timed out');

/** `work`'s result, or TIMED_OUT when it takes longer than `ms` (its late result or error is then ignored). */
async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((ok) => {
    timer = setTimeout(() => ok(TIMED_OUT), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
    work.catch(() => {});
  }
}

/** Decode, check, resize once to the pipeline's target and encode (or copy byte for byte). */
export async function processImage(input: Uint8Array, opts: ImageOptions): Promise<ImageOutcome> {
  if (input.byteLength === 0) return undecodable('image has 0 bytes', 0);
  const timeoutSeconds = Math.max(1, Math.ceil((opts.timeoutMs ?? DEFAULT_IMAGE_TIMEOUT_MS) / 1000));
  const maxInputPixels = opts.maxInputPixels > 0 ? opts.maxInputPixels : DEFAULT_MAX_INPUT_PIXELS;

  let probe: ImageProbe;
  try {
    probe = await probeImage(input);
  } catch (e) {
    const head = Buffer.from(input.subarray(0, 8)).toString('hex');
    return undecodable(`not a decodable image (${firstLine(e)}; first bytes ${head})`, input.byteLength);
  }

  if (!ACCEPTED_INPUT_FORMATS.has(probe.format)) {
    return undecodable(
      `${probe.format} is not a raster image format the trainers can open (Pillow cannot read it); convert it to PNG or JPEG`,
      probe.format,
    );
  }

  const pixels = probe.width * probe.height;
  if (pixels > maxInputPixels) {
    return {
      ok: false,
      drop: {
        reason: 'image_too_large',
        detail: `image is ${probe.width}x${probe.height} = ${pixels} pixels, more than max-input-pixels ${maxInputPixels} (decompression-bomb guard); raise --max-input-pixels to accept it`,
        value: pixels,
        limit: maxInputPixels,
      },
    };
  }
  const minSide = opts.minInputSide ?? 1;
  if (Math.min(probe.width, probe.height) < minSide) {
    return {
      ok: false,
      drop: {
        reason: 'image_too_small',
        detail: `image is ${probe.width}x${probe.height}, a side is below min-input-side ${minSide}`,
        value: Math.min(probe.width, probe.height),
        limit: minSide,
      },
    };
  }

  const target = writeTarget(probe.width, probe.height, opts.pipeline, opts.geometry, opts.bounds);
  if (!target.ok) {
    const where =
      target.stage === 'pre' ? `the ${opts.pipeline} pre-resize` : `the model processor (after the ${opts.pipeline} pipeline)`;
    if (target.reason === 'aspect_ratio') {
      return {
        ok: false,
        drop: {
          reason: 'aspect_ratio',
          detail: `image ${probe.width}x${probe.height}: ${where} refuses it (${target.error})${target.pre ? `; pre-resized to ${target.pre[0]}x${target.pre[1]}` : ''}`,
          value: target.value,
          limit: target.limit,
        },
      };
    }
    return {
      ok: false,
      drop: {
        reason: 'image_too_small',
        detail: `image ${probe.width}x${probe.height}: ${where} gives an empty side (${target.error})`,
        value: target.value,
        limit: target.limit,
      },
    };
  }
  const [tw, th] = target.size;
  if (tw < opts.geometry.factor || th < opts.geometry.factor) {
    return {
      ok: false,
      drop: {
        reason: 'image_too_small',
        detail: `image ${probe.width}x${probe.height} resizes to ${tw}x${th}, a side below the factor ${opts.geometry.factor}`,
        value: Math.min(tw, th),
        limit: opts.geometry.factor,
      },
    };
  }

  const outFormat = outputFormatFor(probe.format, opts.imageFormat);
  const resize = tw !== probe.width || th !== probe.height;
  const canCopy =
    !resize &&
    probe.orientation === 1 &&
    probe.format === outFormat &&
    probe.pages <= 1 &&
    probe.channels === 3 &&
    !probe.hasAlpha &&
    !probe.isPalette &&
    probe.depth === 'uchar' &&
    probe.space === 'srgb';

  const base = () =>
    sharp(input, { failOn: 'truncated', limitInputPixels: maxInputPixels, pages: 1, page: 0 }).timeout({ seconds: timeoutSeconds });

  // The time-out has two parts: sharp's own (whole seconds, it stops the libvips work) and a wall-clock
  // deadline in milliseconds raced against the work (so `timeoutMs` is honoured as given, and a row never waits
  // longer; abandoned work is still stopped by sharp's time-out).
  const timeoutMs = Math.max(1, opts.timeoutMs ?? DEFAULT_IMAGE_TIMEOUT_MS);
  const timedOut = () =>
    undecodable(`image processing timed out after ${timeoutMs} ms (${probe.format} ${probe.width}x${probe.height}); the per-image time-out guards against images that are too slow to decode`, timeoutMs);

  let bytes: Uint8Array;
  try {
    if (canCopy) {
      // Full decode once so truncated or corrupt data is refused rather than copied.
      if ((await withDeadline(base().raw().toBuffer(), timeoutMs)) === TIMED_OUT) return timedOut();
      bytes = input;
    } else {
      let p = base().autoOrient();
      if (probe.hasAlpha) p = p.flatten({ background: { r: 255, g: 255, b: 255 } });
      p = p.toColourspace('srgb');
      if (resize) p = p.resize(tw, th, { kernel: 'cubic', fit: 'fill' });
      p =
        outFormat === 'jpeg'
          ? p.jpeg({ quality: opts.jpegQuality ?? DEFAULT_JPEG_QUALITY, chromaSubsampling: '4:2:0', progressive: false, mozjpeg: false })
          : p.png({ compressionLevel: 6, adaptiveFiltering: false, palette: false });
      const done = await withDeadline(p.toBuffer({ resolveWithObject: true }), timeoutMs);
      if (done === TIMED_OUT) return timedOut();
      const { data, info } = done;
      if (info.width !== tw || info.height !== th || info.channels !== 3) {
        return undecodable(`image ${probe.width}x${probe.height} produced ${info.width}x${info.height}x${info.channels}, expected ${tw}x${th}x3`);
      }
      bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    }
  } catch (e) {
    const msg = firstLine(e);
    if (/timeout/i.test(msg)) return timedOut();
    if (/pixel limit/i.test(msg)) {
      return { ok: false, drop: { reason: 'image_too_large', detail: `image exceeds max-input-pixels ${maxInputPixels}: ${msg}`, value: pixels, limit: maxInputPixels } };
    }
    // Not libvips' message: its error buffer is shared by concurrent operations, so for the same truncated PNG
    // it says "vipspng: libpng read error" or "vips2png: unable to write to target" depending on timing
    // (measured: 18 of 80 under load), which made dropped.jsonl differ between identical builds.
    return undecodable(`truncated or corrupt ${probe.format} image: it cannot be fully decoded`, input.byteLength);
  }

  const image: ImageResult = {
    bytes,
    format: outFormat,
    origWidth: probe.width,
    origHeight: probe.height,
    width: tw,
    height: th,
    tokens: target.tokens,
    reencoded: !canCopy,
    sha256: sha256(input),
    fixedPoint: target.fixedPoint,
  };
  if (target.iterations > 0) {
    // The pipeline's first result (what the trainer would compute on the original) differs from what is written.
    const first = resizeFor(probe.width, probe.height, opts.pipeline, opts.geometry, opts.bounds);
    if (first.ok) image.pipelineSize = first.resized;
  }
  return { ok: true, image };
}
