/**
 * The size to write an image at so that the trainer leaves it alone: a fixed point of the trainer's resize
 * pipeline (resize.ts), reached by re-applying the pipeline where its first result is not one. Each function takes
 * resizeFor's arguments.
 */
import { type ResizeResult, resizeFor } from './resize.js';

/**
 * True when the trainer, running `pipeline` on an image written at `width`×`height`, leaves its size
 * unchanged: pipeline(written) = written (the processor's resize is the identity). The pre-step may still
 * move the size in between (EasyR1 upscales areas below its min_pixels), as long as it comes back.
 */
export function isFixedPoint(...args: Parameters<typeof resizeFor>): boolean {
  return fixedPointResult(...args) !== null;
}

/** Also true when the pre-step itself is the identity (no resampling at all at training time). */
export function isStrictFixedPoint(...args: Parameters<typeof resizeFor>): boolean {
  const [width, height] = args;
  const r = fixedPointResult(...args);
  return r !== null && (!r.pre || (r.pre[0] === width && r.pre[1] === height));
}

/** The pipeline's result when it leaves `width`×`height` unchanged, else null. */
function fixedPointResult(...args: Parameters<typeof resizeFor>): Extract<ResizeResult, { ok: true }> | null {
  const [width, height] = args;
  const r = resizeFor(...args);
  return r.ok && r.resized[0] === width && r.resized[1] === height ? r : null;
}

/** The size to write for an input image, and what the trainer computes on the written image. */
export type WriteTarget =
  | {
      ok: true;
      /** [w, h] to write. */
      size: [number, number];
      /** Tokens the trainer computes on the written image (= pipeline(size).tokens). */
      tokens: number;
      grid: [number, number, number];
      /** pipeline(size) = size. */
      fixedPoint: boolean;
      /** Times the pipeline was re-applied beyond the first (0 when its first result is a fixed point). */
      iterations: number;
    }
  | Extract<ResizeResult, { ok: false }>;

/**
 * The size to write: the pipeline applied to the (oriented) input size; when that size is not a fixed
 * point of the pipeline (EasyR1's int() truncation leaves areas just below its min_pixels, so the
 * trainer would resize again), the pipeline is re-applied until it is (at most `maxIterations` times).
 * The tokens are always those the trainer computes on what is written.
 */
export function writeTarget(...args: [...size: Parameters<typeof resizeFor>, maxIterations?: number]): WriteTarget {
  const [width, height, pipeline, geometry, bounds, maxIterations = 8] = args;
  const first = resizeFor(width, height, pipeline, geometry, bounds);
  if (!first.ok) return first;
  let size = first.resized;
  for (let i = 0; i <= maxIterations; i++) {
    const next = resizeFor(size[0], size[1], pipeline, geometry, bounds);
    if (!next.ok) return next;
    if (next.resized[0] === size[0] && next.resized[1] === size[1]) {
      return { ok: true, size, tokens: next.tokens, grid: next.grid, fixedPoint: true, iterations: i };
    }
    if (i === maxIterations) {
      return { ok: true, size, tokens: next.tokens, grid: next.grid, fixedPoint: false, iterations: i };
    }
    size = next.resized;
  }
  /* c8 ignore next */
  throw new Error('unreachable');
}
