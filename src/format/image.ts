/**
 * Decode, check, and write each image so that the trainer reading it computes what it would compute reading the
 * original: the same grid and token count, the same pixels, and no extra work.
 *
 * Policy (stated once, applied to every image):
 * - The header is read first (size, format, EXIF orientation, pages, channels, depth, alpha) to decide.
 * - Size (`resize`, default `auto`): the original size is kept (never upscaled), and the tokens are what the build's
 *   pipeline (`processor`, `easyr1`, `qwen-vl-utils`, see resize.ts) computes on it; an image over the max_pixels of
 *   the pipeline's first resize step is shrunk to the size that step gives (the trainer leaves it alone, same
 *   count). `always`: every image at a fixed point of the pipeline (today's sizes before 0.2); `never`: no resize.
 * - Resampling: Pillow's bicubic, byte for byte (resample.ts), as transformers, qwen-vl-utils and EasyR1 resize.
 * - Original bytes are written when nothing must change (JPEG, PNG, WebP; 8-bit; one frame; no EXIF rotation;
 *   sRGB or grey, palette and alpha included: the trainers convert those to RGB themselves). They are still fully
 *   decoded once (`failOn: 'truncated'`, decoded size = header size) so a truncated file is never copied.
 * - Converted otherwise, to 8-bit sRGB, 3 channels: orientation baked in (EXIF tag dropped), 16-bit and CMYK
 *   converted, animated images (GIF, WebP, multi-page TIFF) keep their first frame, alpha treated as the trainer's
 *   own RGB conversion does (qwen-vl-utils pastes on white; transformers and EasyR1 drop the alpha channel).
 * - Encoding of converted images (`imageFormat`): `keep` writes JPEG for JPEG input and PNG for everything else;
 *   `png` / `jpeg` force one format (and so a conversion). JPEG is quality 100, 4:4:4, baseline, no metadata;
 *   PNG is compression level 6 without adaptive filtering. Same input + settings → same bytes.
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
import { PIPELINES } from '../core/defaults.js';
import { sha256 } from '../core/hash.js';
import { describeError } from '../core/errors.js';
import {
  type ImageGeometry,
  type PipelineBounds,
  type ResizeResult,
  resizeFor,
  resolveBounds,
  writeTarget,
} from './resize.js';
import { checkPng } from './png-check.js';
import { resizeBicubicAsync } from './resample.js';

/**
 * Default decompression-bomb limit: Pillow raises DecompressionBombError above 2 × MAX_IMAGE_PIXELS
 * (2 × 89478485 = 178956970), so an image larger than this could not be opened by the trainers either.
 */
export const DEFAULT_MAX_INPUT_PIXELS = 178956970;
/** Re-encoded JPEGs: quality 100 with 4:4:4 chroma keeps the pixels within half a level of the source on average (95 with 4:2:0 was 3–11 levels off on drawings). */
export const DEFAULT_JPEG_QUALITY = 100;
export const DEFAULT_IMAGE_TIMEOUT_MS = 60_000;

export type ImageFormatPolicy = 'keep' | 'png' | 'jpeg';

/**
 * When an image is resized before it is written:
 * - `auto` (default): only when it is larger than the trainer's first resize step allows (over that step's
 *   max_pixels): then to the size that step gives, which the trainer leaves alone and counts the same; every
 *   other image keeps its size (the trainer resizes it as it would resize the original; we never upscale).
 * - `always`: every image at the size the trainer's pipeline gives (a fixed point of it), up or down.
 * - `never`: every image keeps its size.
 */
export type ResizePolicy = 'auto' | 'always' | 'never';
export const RESIZE_POLICIES: readonly ResizePolicy[] = ['auto', 'always', 'never'];

/** Formats written as their original bytes when nothing else must change (Pillow reads them as sharp does). */
const PASSTHROUGH_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp']);

export interface ImageOptions {
  pipeline: ResizePipeline;
  geometry: ImageGeometry;
  bounds?: Partial<PipelineBounds>;
  imageFormat: ImageFormatPolicy;
  /** When to resize (default `auto`). */
  resize?: ResizePolicy;
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
      return {
        ok: false,
        drop: { reason: 'image_undecodable', detail: `image path is not a file: ${path}`, value: path, limit: null },
      };
    }
    if (opts.maxBytes !== undefined && st.size > opts.maxBytes) {
      return {
        ok: false,
        drop: {
          reason: 'image_too_large',
          detail: `image file ${path} has ${st.size} bytes, more than the limit ${opts.maxBytes}`,
          value: st.size,
          limit: opts.maxBytes,
        },
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

/**
 * True when the trainer would read the original bytes differently from what the image shows, or the format policy
 * asks for another encoding: EXIF rotation, several frames, 16-bit or CMYK data, a format not passed through.
 * Grey, palette and alpha images are passed through: the trainer converts them to RGB itself, as it would the source.
 */
function needsConversion(probe: ImageProbe, policy: ImageFormatPolicy): boolean {
  if (!PASSTHROUGH_FORMATS.has(probe.format)) return true;
  if (policy !== 'keep' && probe.format !== policy) return true;
  return (
    probe.orientation !== 1 ||
    probe.pages > 1 ||
    probe.depth !== 'uchar' ||
    (probe.space !== 'srgb' && probe.space !== 'b-w')
  );
}

function jpegOptions(opts: ImageOptions) {
  return {
    quality: opts.jpegQuality ?? DEFAULT_JPEG_QUALITY,
    chromaSubsampling: '4:4:4',
    progressive: false,
    mozjpeg: false,
  };
}

type SizeChoice =
  | {
      ok: true;
      /** [w, h] to write. */
      size: [number, number];
      /** [w, h] the model processor resizes the written image to. */
      processed: [number, number];
      tokens: number;
      fixedPoint: boolean;
      pipelineSize?: [number, number];
    }
  | Extract<ResizeResult, { ok: false }>;

/** The max_pixels of the trainer's first resize step for this pipeline. */
function firstStepMaxPixels(opts: ImageOptions): number {
  const key = PIPELINES[opts.pipeline].bounds?.maxKey;
  return key ? resolveBounds(opts.geometry, opts.bounds)[key] : opts.geometry.maxPixels;
}

function sameSize(a: [number, number], b: [number, number]): boolean {
  return a[0] === b[0] && a[1] === b[1];
}

/** The size to write under the resize policy, and what the trainer computes on the written image. */
function chooseSize(probe: ImageProbe, opts: ImageOptions): SizeChoice {
  const W = probe.width;
  const H = probe.height;
  const policy = opts.resize ?? 'auto';
  if (policy === 'always') {
    const t = writeTarget(W, H, opts.pipeline, opts.geometry, opts.bounds);
    if (!t.ok) return t;
    const out: SizeChoice = { ok: true, size: t.size, processed: t.size, tokens: t.tokens, fixedPoint: t.fixedPoint };
    if (t.iterations > 0) {
      // The pipeline's first result (what the trainer would compute on the original) differs from what is written.
      const first = resizeFor(W, H, opts.pipeline, opts.geometry, opts.bounds);
      if (first.ok) out.pipelineSize = first.resized;
    }
    return out;
  }
  const original = resizeFor(W, H, opts.pipeline, opts.geometry, opts.bounds);
  if (!original.ok) return original;
  const keep: SizeChoice = {
    ok: true,
    size: [W, H],
    processed: original.resized,
    tokens: original.tokens,
    fixedPoint: sameSize(original.resized, [W, H]) && (!original.pre || sameSize(original.pre, [W, H])),
  };
  if (policy === 'never' || W * H <= firstStepMaxPixels(opts)) return keep;
  // EasyR1 resizes a palette image before converting it to RGB, so Pillow uses NEAREST there, not bicubic: kept as it
  // is, EasyR1 computes exactly what it computes from the source.
  // Likewise an image with alpha: Pillow resizes RGBA premultiplied, and EasyR1 drops the alpha only afterwards.
  if (opts.pipeline === 'easyr1' && (probe.isPalette || probe.hasAlpha)) return keep;
  // Over the first step's max_pixels: write what that step gives from the original (a pure downscale), when the
  // trainer then leaves it alone and counts the same; otherwise keep the original.
  const s = original.pre ?? original.resized;
  if (!(s[0] <= W && s[1] <= H && s[0] * s[1] < W * H)) return keep;
  const again = resizeFor(s[0], s[1], opts.pipeline, opts.geometry, opts.bounds);
  if (!again.ok || again.tokens !== original.tokens || !sameSize(again.resized, original.resized)) return keep;
  if (!sameSize(again.pre ?? again.resized, s)) return keep;
  return { ok: true, size: s, processed: again.resized, tokens: again.tokens, fixedPoint: sameSize(again.resized, s) };
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

/** Decode, check, resize once to the pipeline's target and encode (or copy byte for byte). */
export async function processImage(input: Uint8Array, opts: ImageOptions): Promise<ImageOutcome> {
  if (input.byteLength === 0) return undecodable('image has 0 bytes', 0);
  const timeoutSeconds = Math.max(1, Math.ceil((opts.timeoutMs ?? DEFAULT_IMAGE_TIMEOUT_MS) / 1000));
  const maxInputPixels = opts.maxInputPixels > 0 ? opts.maxInputPixels : DEFAULT_MAX_INPUT_PIXELS;

  let probe: ImageProbe;
  try {
    probe = await probeImage(input);
  } catch (e) {
    // never the bytes themselves: the "image" may be any file (a token, a key) and this text goes to dropped.jsonl
    return undecodable(`not a decodable image: not a recognized image format (${firstLine(e)})`, input.byteLength);
  }

  const refused = inputImageDrop(probe, maxInputPixels);
  if (refused) return { ok: false, drop: refused };
  const pixels = probe.width * probe.height;
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

  const target = chooseSize(probe, opts);
  if (!target.ok) {
    const where =
      target.stage === 'pre'
        ? `the ${opts.pipeline} pre-resize`
        : `the model processor (after the ${opts.pipeline} pipeline)`;
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
  const [pw, ph] = target.processed;
  if (pw < opts.geometry.factor || ph < opts.geometry.factor) {
    return {
      ok: false,
      drop: {
        reason: 'image_too_small',
        detail: `image ${probe.width}x${probe.height} resizes to ${pw}x${ph}, a side below the factor ${opts.geometry.factor}`,
        value: Math.min(pw, ph),
        limit: opts.geometry.factor,
      },
    };
  }

  const resize = tw !== probe.width || th !== probe.height;
  const canCopy = !resize && !needsConversion(probe, opts.imageFormat);
  const outFormat: ImageResult['format'] = canCopy
    ? (probe.format as ImageResult['format'])
    : outputFormatFor(probe.format, opts.imageFormat);

  const base = () =>
    sharp(input, { failOn: 'truncated', limitInputPixels: maxInputPixels, pages: 1, page: 0 }).timeout({
      seconds: timeoutSeconds,
    });

  // The time-out has two parts: sharp's own (whole seconds, it stops the libvips work) and a wall-clock
  // deadline in milliseconds raced against the work (so `timeoutMs` is honoured as given, and a row never waits
  // longer; abandoned work is still stopped by sharp's time-out).
  const timeoutMs = Math.max(1, opts.timeoutMs ?? DEFAULT_IMAGE_TIMEOUT_MS);
  const timedOut = () =>
    undecodable(
      `image processing timed out after ${timeoutMs} ms (${probe.format} ${probe.width}x${probe.height}); the per-image time-out guards against images that are too slow to decode`,
      timeoutMs,
    );

  let bytes: Uint8Array;
  try {
    const png = canCopy && probe.format === 'png' ? checkPng(input) : null;
    if (png && !png.ok)
      return undecodable(
        `truncated or corrupt png image: it cannot be fully decoded (${png.problem})`,
        input.byteLength,
      );
    if (png?.ok) {
      // Verified without building the pixels (png-check.ts): every chunk, the whole compressed stream, every row.
      if (png.width !== probe.storedWidth || png.height !== probe.storedHeight)
        return undecodable(`png header and data disagree on the size`);
      bytes = input;
    } else if (canCopy) {
      // Decode once so truncated or corrupt data is refused rather than copied. A JPEG is decoded at 1/8 scale: its
      // whole entropy-coded stream is still read (a truncated one fails the same way), at half the cost.
      const eighth = probe.format === 'jpeg' && probe.width >= 64 && probe.height >= 64;
      const want = eighth ? [Math.ceil(probe.width / 8), Math.ceil(probe.height / 8)] : [probe.width, probe.height];
      const decoder = eighth
        ? base().resize({ width: want[0], height: want[1], fit: 'fill', kernel: 'nearest' })
        : base();
      const decoded = await withDeadline(decoder.raw().toBuffer({ resolveWithObject: true }), timeoutMs);
      if (decoded === TIMED_OUT) return timedOut();
      if (decoded.info.width !== want[0] || decoded.info.height !== want[1]) {
        return undecodable(`image header says ${probe.width}x${probe.height} but it does not decode at that size`);
      }
      bytes = input;
    } else {
      const abort = new AbortController();
      const work = async () => {
        let p = base().autoOrient();
        // Alpha as the trainer's own RGB conversion treats it (PIPELINES[..].alpha): qwen-vl-utils pastes on white;
        // transformers' convert_to_rgb and EasyR1's convert("RGB") drop it (transparent pixels keep their colour).
        if (probe.hasAlpha)
          p =
            PIPELINES[opts.pipeline].alpha === 'white'
              ? p.flatten({ background: { r: 255, g: 255, b: 255 } })
              : p.removeAlpha();
        p = p.toColourspace('srgb');
        if (resize) {
          // Pillow's bicubic on the 8-bit RGB image, as the trainer would resize the original.
          const { data, info } = await p.removeAlpha().raw().toBuffer({ resolveWithObject: true });
          const px = await resizeBicubicAsync(
            new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
            info.width,
            info.height,
            info.channels,
            tw,
            th,
            abort.signal,
          );
          p = sharp(px, { raw: { width: tw, height: th, channels: info.channels as 3 } });
        }
        p =
          outFormat === 'jpeg'
            ? p.jpeg(jpegOptions(opts))
            : p.png({ compressionLevel: 6, adaptiveFiltering: false, palette: false });
        return p.toBuffer({ resolveWithObject: true });
      };
      const done = await withDeadline(work(), timeoutMs);
      if (done === TIMED_OUT) {
        abort.abort();
        return timedOut();
      }
      const { data, info } = done;
      if (info.width !== tw || info.height !== th || info.channels !== 3) {
        return undecodable(
          `image ${probe.width}x${probe.height} produced ${info.width}x${info.height}x${info.channels}, expected ${tw}x${th}x3`,
        );
      }
      bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    }
  } catch (e) {
    const msg = firstLine(e);
    if (/timeout/i.test(msg)) return timedOut();
    if (/pixel limit/i.test(msg)) {
      return {
        ok: false,
        drop: {
          reason: 'image_too_large',
          detail: `image exceeds max-input-pixels ${maxInputPixels}: ${msg}`,
          value: pixels,
          limit: maxInputPixels,
        },
      };
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
    resized: target.processed,
    tokens: target.tokens,
    reencoded: !canCopy,
    sha256: sha256(input),
    fixedPoint: target.fixedPoint,
  };
  if (target.pipelineSize) image.pipelineSize = target.pipelineSize;
  return { ok: true, image };
}
