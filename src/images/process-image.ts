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
 *   converted (CMYK with Pillow's own formula, cmyk.ts), an embedded ICC profile ignored as Pillow ignores it (none
 *   written), animated images (GIF, WebP, multi-page TIFF) keep their first frame, alpha treated as the trainer's
 *   own RGB conversion does (qwen-vl-utils pastes on white; transformers and EasyR1 drop the alpha channel).
 * - Encoding of converted images (`imageFormat`): `keep` writes JPEG for JPEG input and PNG for everything else;
 *   `png` / `jpeg` force one format (and so a conversion). JPEG is quality 100, 4:4:4, baseline, no metadata;
 *   PNG is compression level 6 without adaptive filtering. Same input + settings → same bytes.
 * - Every problem becomes a Drop, never a crash: `image_undecodable` (0 bytes, not an image, truncated or
 *   corrupt data, timeout, a format Pillow cannot open such as SVG or PDF: see ACCEPTED_INPUT_FORMATS, or an image
 *   Pillow refuses although sharp decodes it: see pillow-open.ts),
 *   `image_too_large` (more pixels than `maxInputPixels`, checked from the header
 *   before decoding), `aspect_ratio` (> 200, including EasyR1's pre-resize of the written image),
 *   `image_too_small` (a side below `minInputSide`, or a resize that would give an empty side).
 */
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import type { Drop } from '../core/types.js';
import { sha256 } from '../core/hash.js';
import {
  DEFAULT_MAX_INPUT_PIXELS,
  type ImageProbe,
  firstLine,
  inputImageDrop,
  minSideDrop,
  probeImage,
  undecodable,
} from './image-input.js';
import { type SizeChoice, chooseSize, processedSizeDrop, refusedSizeDrop } from './image-size.js';
import { needsConversion, outputFormatFor, writeImageBytes } from './image-encode.js';
import { pillowOpenDrop } from './pillow-open.js';
import { DEFAULT_IMAGE_TIMEOUT_MS, type ImageOptions, type ImageOutcome, type ImageResult } from './image-options.js';

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

/**
 * What the header decides of an image, before anything is decoded: the checks (format, size, Pillow's limits, the
 * trainer's resize) passed, the size it will be written at and its tokens. `header` is the result as it will be,
 * without its bytes (renderImage writes them).
 */
export interface ImagePlan {
  input: Uint8Array;
  opts: ImageOptions;
  probe: ImageProbe;
  target: Extract<SizeChoice, { ok: true }>;
  canCopy: boolean;
  maxInputPixels: number;
  header: ImageResult;
}

/**
 * Read the header and decide everything it can: a Drop, or the plan (size, tokens) to render. `inputSha256`: the
 * sha256 (hex) of `input` when the caller already has it (the processed-image cache key), so it is not hashed twice.
 */
export async function planImage(
  input: Uint8Array,
  opts: ImageOptions,
  inputSha256?: string,
): Promise<{ ok: true; plan: ImagePlan } | { ok: false; drop: Drop }> {
  if (input.byteLength === 0) return undecodable('image has 0 bytes', 0);
  const maxInputPixels = opts.maxInputPixels > 0 ? opts.maxInputPixels : DEFAULT_MAX_INPUT_PIXELS;

  let probe: ImageProbe;
  try {
    probe = await probeImage(input);
  } catch (e) {
    // never the bytes themselves: the "image" may be any file (a token, a key) and this text goes to dropped.jsonl
    return undecodable(`not a decodable image: not a recognized image format (${firstLine(e)})`, input.byteLength);
  }

  const refused: Drop | null =
    inputImageDrop(probe, maxInputPixels) ??
    pillowOpenDrop(input, probe, maxInputPixels) ??
    minSideDrop(probe, opts.minInputSide ?? 1);
  if (refused) return { ok: false, drop: refused };

  const target = chooseSize(probe, opts);
  if (!target.ok) return { ok: false, drop: refusedSizeDrop(probe, target, opts.pipeline) };
  const tooSmall = processedSizeDrop(probe, target.processed, opts.geometry.factor);
  if (tooSmall) return { ok: false, drop: tooSmall };
  const [tw, th] = target.size;

  const resize = tw !== probe.width || th !== probe.height;
  const canCopy = !resize && !needsConversion(probe, opts.imageFormat);
  const header: ImageResult = {
    bytes: new Uint8Array(0),
    format: canCopy ? (probe.format as ImageResult['format']) : outputFormatFor(probe.format, opts.imageFormat),
    origWidth: probe.width,
    origHeight: probe.height,
    width: tw,
    height: th,
    resized: target.processed,
    tokens: target.tokens,
    reencoded: !canCopy,
    sha256: inputSha256 ?? sha256(input),
    fixedPoint: target.fixedPoint,
  };
  if (target.pipelineSize) header.pipelineSize = target.pipelineSize;
  return { ok: true, plan: { input, opts, probe, target, canCopy, maxInputPixels, header } };
}

/** Decode, resize once to the planned size and encode (or copy byte for byte after a full decode check). */
export async function renderImage(plan: ImagePlan): Promise<ImageOutcome> {
  const { input, opts, probe, target, canCopy, maxInputPixels, header } = plan;
  const written = await writeImageBytes({
    input,
    probe,
    opts,
    size: target.size,
    canCopy,
    outFormat: header.format,
    maxInputPixels,
    timeoutMs: Math.max(1, opts.timeoutMs ?? DEFAULT_IMAGE_TIMEOUT_MS),
    timeoutSeconds: Math.max(1, Math.ceil((opts.timeoutMs ?? DEFAULT_IMAGE_TIMEOUT_MS) / 1000)),
  });
  if (!written.ok) return written;
  return { ok: true, image: { ...header, bytes: written.bytes } };
}

/**
 * Decode, check, resize once to the pipeline's target and encode (or copy byte for byte): planImage, then
 * renderImage. `inputSha256`: the sha256 (hex) of `input` when the caller already has it.
 */
export async function processImage(input: Uint8Array, opts: ImageOptions, inputSha256?: string): Promise<ImageOutcome> {
  const planned = await planImage(input, opts, inputSha256);
  return planned.ok ? renderImage(planned.plan) : planned;
}
