/**
 * The output side of image processing: whether an image can be written as its original bytes, and writing it —
 * copied after a full decode check, or converted (orientation, alpha, Pillow's CMYK to RGB, Pillow's bicubic
 * resize) and encoded as PNG or JPEG — within the per-image time-out. Every failure is a Drop.
 */
import type { Sharp } from 'sharp';
import { loadSharp, type SharpModule } from './sharp-module.js';
import type { Drop } from '../core/types.js';
import { PIPELINES } from '../core/defaults.js';
import { checkPngOnce } from './png-check-memo.js';
import { cmykToRgbAsPillow } from './cmyk.js';
import { resizeBicubicAsync } from './resample.js';
import { type ImageProbe, firstLine, undecodable } from './image-input.js';
import type { ImageFormatPolicy, ImageOptions, ImageResult } from './image-options.js';

/** Re-encoded JPEGs: quality 100 with 4:4:4 chroma keeps the pixels within half a level of the source on average (95 with 4:2:0 was 3–11 levels off on drawings). */
export const DEFAULT_JPEG_QUALITY = 100;

/** Formats written as their original bytes when nothing else must change (Pillow reads them as sharp does). */
const PASSTHROUGH_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp']);

/** The output format the policy gives an input format. */
export function outputFormatFor(inputFormat: string, policy: ImageFormatPolicy): 'png' | 'jpeg' {
  if (policy === 'png') return 'png';
  if (policy === 'jpeg') return 'jpeg';
  return inputFormat === 'jpeg' ? 'jpeg' : 'png';
}

/**
 * True when the trainer would read the original bytes differently from what the image shows, or the format policy
 * asks for another encoding: EXIF rotation, several frames, 16-bit or CMYK data (CMYK is written as RGB: what
 * Pillow's `convert("RGB")` gives), a format not passed through.
 * Grey, palette and alpha images are passed through: the trainer converts them to RGB itself, as it would the source.
 */
export function needsConversion(probe: ImageProbe, policy: ImageFormatPolicy): boolean {
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

export interface WriteImageParams {
  input: Uint8Array;
  probe: ImageProbe;
  opts: ImageOptions;
  /** [w, h] to write. */
  size: [number, number];
  /** The original bytes can be written (no resize, no conversion). */
  canCopy: boolean;
  outFormat: ImageResult['format'];
  maxInputPixels: number;
  /** The per-image time-out: as given (ms), and in sharp's whole seconds. */
  timeoutMs: number;
  timeoutSeconds: number;
}

/** The bytes to write: the input (after a full decode check) or the converted image. */
export async function writeImageBytes(
  params: WriteImageParams,
): Promise<{ ok: true; bytes: Uint8Array } | { ok: false; drop: Drop }> {
  const { input, probe, opts, canCopy, outFormat, maxInputPixels, timeoutMs, timeoutSeconds } = params;
  const [tw, th] = params.size;
  const resize = tw !== probe.width || th !== probe.height;
  const pixels = probe.width * probe.height;

  // An embedded ICC profile is ignored as Pillow ignores it (the trainer's `convert("RGB")` keeps the stored
  // values; sharp would convert them to sRGB through a Display-P3 profile, tens of levels off), and no profile is
  // written. CMYK (8- or 16-bit) is not converted through its profile either: its raw C, M, Y, K values are read
  // and converted with Pillow's own formula (cmyk.ts), as the trainer's `convert("RGB")` does. Only CMYK of another
  // depth (32-bit, float: Pillow cannot open it) keeps sharp's conversion through its profile.
  const pillowCmyk =
    probe.space === 'cmyk' && probe.channels >= 4 && (probe.depth === 'uchar' || probe.depth === 'ushort');
  const base = (sharp: SharpModule) =>
    sharp(input, {
      failOn: 'truncated',
      limitInputPixels: maxInputPixels,
      pages: 1,
      page: 0,
      ignoreIcc: probe.space !== 'cmyk' || pillowCmyk,
    }).timeout({ seconds: timeoutSeconds });

  // The time-out has two parts: sharp's own (whole seconds, it stops the libvips work) and a wall-clock
  // deadline in milliseconds raced against the work (so `timeoutMs` is honoured as given, and a row never waits
  // longer; abandoned work is still stopped by sharp's time-out).
  const timedOut = () =>
    undecodable(
      `image processing timed out after ${timeoutMs} ms (${probe.format} ${probe.width}x${probe.height}); the per-image time-out guards against images that are too slow to decode`,
      timeoutMs,
    );

  let bytes: Uint8Array;
  try {
    const png = canCopy && probe.format === 'png' ? checkPngOnce(input) : null;
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
      const sharp = await loadSharp();
      // Decode once so truncated or corrupt data is refused rather than copied. A JPEG is decoded at 1/8 scale: its
      // whole entropy-coded stream is still read (a truncated one fails the same way), at half the cost.
      const eighth = probe.format === 'jpeg' && probe.width >= 64 && probe.height >= 64;
      const want = eighth ? [Math.ceil(probe.width / 8), Math.ceil(probe.height / 8)] : [probe.width, probe.height];
      const decoder = eighth
        ? base(sharp).resize({ width: want[0], height: want[1], fit: 'fill', kernel: 'nearest' })
        : base(sharp);
      const decoded = await withDeadline(decoder.raw().toBuffer({ resolveWithObject: true }), timeoutMs);
      if (decoded === TIMED_OUT) return timedOut();
      if (decoded.info.width !== want[0] || decoded.info.height !== want[1]) {
        return undecodable(`image header says ${probe.width}x${probe.height} but it does not decode at that size`);
      }
      bytes = input;
    } else {
      const sharp = await loadSharp();
      const abort = new AbortController();
      const work = async () => {
        let p: Sharp;
        if (pillowCmyk) {
          // The CMYK values as stored (a CMYK pipeline: no conversion on the way in or out), oriented; a 5th
          // channel is ignored, as Pillow reads such a TIFF ('CMYKX').
          const wide = probe.depth === 'ushort';
          const cmyk = await base(sharp)
            .autoOrient()
            .pipelineColourspace('cmyk')
            .toColourspace('cmyk')
            .raw(wide ? { depth: 'ushort' } : {})
            .toBuffer({ resolveWithObject: true });
          const { data, info } = cmyk;
          if (info.channels < 4) throw new Error(`CMYK image decoded to ${info.channels} channels`);
          const samples = wide
            ? new Uint16Array(
                data.byteOffset % 2 ? new Uint8Array(data).buffer : data.buffer,
                data.byteOffset % 2 ? 0 : data.byteOffset,
                data.byteLength / 2,
              )
            : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
          const rgb = cmykToRgbAsPillow(samples, info.width * info.height, info.channels);
          p = sharp(rgb, { raw: { width: info.width, height: info.height, channels: 3 }, limitInputPixels: false });
        } else p = base(sharp).autoOrient();
        // Alpha as the trainer's own RGB conversion treats it (PIPELINES[..].alpha): qwen-vl-utils pastes on white;
        // transformers' convert_to_rgb and EasyR1's convert("RGB") drop it (transparent pixels keep their colour).
        if (probe.hasAlpha && !pillowCmyk)
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
  return { ok: true, bytes };
}
