/**
 * One image of a row, checked as the build would: embedded bytes, a decodable header (PNGs verified whole without
 * decoding, png-check.ts), format's header rules, a full decode (`--decode`), then the resize pipeline (its image
 * tokens) or, without a model, the processor's aspect-ratio limit.
 */
import sharp from 'sharp';
import { describeError } from '../core/errors.js';
import { checkPng } from '../images/png-check.js';
import { pillowOpenDrop } from '../images/pillow-open.js';
import { DEFAULT_MAX_INPUT_PIXELS, inputImageDrop, probeImage } from '../images/image-input.js';
import { resizeFor } from '../images/resize.js';
import { aspectRatioError } from '../images/resize.js';
import { asText } from './cell.js';
import type { Ctx } from './context.js';
import type { ImageCheck, RowProblem } from './validate-types.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const isPng = (b: Uint8Array) => b.length >= 8 && PNG_SIGNATURE.every((x, k) => b[k] === x);

async function fullyDecodes(bytes: Uint8Array, how: ImageCheck, format: string): Promise<string | null> {
  if (how === 'none') return null;
  if (how === 'fast') {
    if (format !== 'png') return null;
    const png = checkPng(bytes);
    if (png) return png.ok ? null : png.problem;
  }
  try {
    await sharp(bytes, { failOn: 'truncated', limitInputPixels: false }).raw().toBuffer();
    return null;
  } catch (e) {
    return describeError(e);
  }
}

/**
 * Checks image `index` of a row (`image`: its cell, a struct with bytes / path, raw bytes or a path): its first
 * problem, or its image tokens when a model is given (nothing more without one).
 */
export async function checkImage(params: {
  image: unknown;
  index: number;
  ctx: Ctx;
}): Promise<{ problem?: RowProblem; tokens?: number }> {
  const { image: im, index: i, ctx } = params;
  let bytes: Uint8Array | null = null;
  let path: string | null = null;
  if (im && typeof im === 'object' && !(im instanceof Uint8Array)) {
    const o = im as Record<string, unknown>;
    bytes = o.bytes instanceof Uint8Array ? o.bytes : null;
    path = asText(o.path);
  } else if (im instanceof Uint8Array) bytes = im;
  else path = asText(im);
  if (!bytes || bytes.byteLength === 0) {
    return {
      problem: {
        code: 'image_undecodable',
        detail: `image ${i} has no embedded bytes${path ? ` (path only: ${path})` : ''}; ${ctx.target === 'verl' ? 'verl calls Image.open(BytesIO(bytes)) and crashes' : 'EasyR1 needs bytes or a path under data.image_dir'}`,
        value: path,
      },
    };
  }
  let w = 0;
  let h = 0;
  let format = '';
  // A PNG is checked whole without decoding (png-check.ts), which also gives its size: no second read of it.
  const png = (ctx.decode ?? 'fast') === 'fast' && isPng(bytes) ? checkPng(bytes) : null;
  if (png && !png.ok) {
    return {
      problem: {
        code: 'image_undecodable',
        detail: `image ${i} fails to decode: ${png.problem}`,
        value: bytes.byteLength,
      },
    };
  }
  const verified = png !== null && png.ok && !png.exif;
  try {
    if (verified) [w, h, format] = [png.width, png.height, 'png'];
    else {
      const probe = await probeImage(bytes);
      w = probe.width;
      h = probe.height;
      format = probe.format;
    }
  } catch (e) {
    return {
      problem: {
        code: 'image_undecodable',
        detail: `image ${i} is not a decodable image (${describeError(e)})`,
        value: bytes.byteLength,
      },
    };
  }
  // Format's header rules (a format Pillow cannot open, a decompression bomb), as the build checks them.
  const refused =
    inputImageDrop({ format, width: w, height: h }) ??
    pillowOpenDrop(bytes, { format, storedWidth: w, storedHeight: h }, DEFAULT_MAX_INPUT_PIXELS);
  if (refused) {
    return {
      problem: {
        code: refused.reason,
        detail: `image ${i}: ${refused.detail}`,
        value: refused.value ?? null,
        limit: refused.limit ?? null,
      },
    };
  }
  // A PNG checked whole above (ok, with EXIF: only its size came from the probe) needs no second check.
  const bad = png?.ok ? null : await fullyDecodes(bytes, ctx.decode ?? 'fast', format);
  if (bad) {
    return {
      problem: {
        code: 'image_undecodable',
        detail: `image ${i} (${w}x${h}) fails to decode: ${bad}`,
        value: bytes.byteLength,
      },
    };
  }
  if (ctx.profile) {
    const r = resizeFor(w, h, ctx.pipeline, ctx.profile.geometry, ctx.bounds);
    if (!r.ok)
      return {
        problem: {
          code: r.reason,
          detail: `image ${i} (${w}x${h}): the ${ctx.pipeline} pipeline raises ${r.error}`,
          value: r.value,
          limit: r.limit,
        },
      };
    return { tokens: r.tokens };
  }
  // No model: the processor's aspect-ratio rule alone (format's, its Python message).
  const tooThin = aspectRatioError(h, w);
  if (tooThin)
    return {
      problem: {
        code: tooThin.reason,
        detail: `image ${i} (${w}x${h}): the processor raises ${tooThin.pyMessage}`,
        value: tooThin.value,
        limit: tooThin.limit,
      },
    };
  return {};
}
