/**
 * Image geometry exactly as the trainers compute it: transformers' `smart_resize` (5.x, no "side below
 * factor" check, `max(factor, …)` only in the max_pixels branch), qwen-vl-utils 0.0.14's copy
 * (`max(factor, round…)` first, plain floor in the max branch), and EasyR1's `process_image`
 * pre-resize (`int()` truncation). Floating point follows Python step by step (same IEEE operations in
 * the same order; Python `round` is half-to-even), so the results match the golden vectors made with
 * HF transformers bit for bit.
 */
import type { ResizePipeline } from '../core/types.js';
import { PIPELINES } from '../core/defaults.js';
import { pyFloatRepr } from '../core/py-float.js';

/** The model processor's geometry (from preprocessor_config.json). */
export interface ImageGeometry {
  patchSize: number;
  mergeSize: number;
  /** patchSize · mergeSize: every resized side is a multiple of it. */
  factor: number;
  minPixels: number;
  maxPixels: number;
}

/** Pixel bounds of the trainers' own pre-resize steps (not the processor's). */
export interface PipelineBounds {
  easyr1MinPixels: number;
  easyr1MaxPixels: number;
  /** Default 4·f² with f = 2·patch (qwen-vl-utils' IMAGE_MIN_TOKEN_NUM). */
  qwenVlUtilsMinPixels?: number;
  /** Default 16384·f² with f = 2·patch (qwen-vl-utils' IMAGE_MAX_TOKEN_NUM). */
  qwenVlUtilsMaxPixels?: number;
}

/** EasyR1's defaults (examples/config.yaml, in PIPELINES); qwen-vl-utils bounds derive from the patch size when unset. */
export const DEFAULT_PIPELINE_BOUNDS: PipelineBounds = {
  easyr1MinPixels: PIPELINES.easyr1.bounds!.defaults(0).min,
  easyr1MaxPixels: PIPELINES.easyr1.bounds!.defaults(0).max,
};

/** The largest aspect ratio (long/short) both transformers and qwen-vl-utils accept. */
export const MAX_ASPECT_RATIO = 200;

/** A resize the Python library would refuse; `pyMessage` is the exception as Python prints it. */
export class ResizeError extends Error {
  readonly pyMessage: string;
  readonly reason: 'aspect_ratio' | 'image_too_small';
  readonly value: number;
  readonly limit: number;
  constructor(pyMessage: string, reason: 'aspect_ratio' | 'image_too_small', value: number, limit: number) {
    super(pyMessage);
    this.name = 'ResizeError';
    this.pyMessage = pyMessage;
    this.reason = reason;
    this.value = value;
    this.limit = limit;
  }
}

/** Python's `round(x)` for a float: nearest integer, ties to even. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const diff = x - f; // exact for |x| < 2^52
  if (diff < 0.5) return f;
  if (diff > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** The aspect-ratio rule (long/short > MAX_ASPECT_RATIO), with the ValueError the libraries raise; null when within. */
export function aspectRatioError(height: number, width: number): ResizeError | null {
  const ratio = Math.max(height, width) / Math.min(height, width);
  if (ratio > MAX_ASPECT_RATIO) {
    return new ResizeError(
      `ValueError: absolute aspect ratio must be smaller than ${MAX_ASPECT_RATIO}, got ${pyFloatRepr(ratio)}`,
      'aspect_ratio',
      ratio,
      MAX_ASPECT_RATIO,
    );
  }
  return null;
}

/**
 * `smart_resize(height, width, factor, min_pixels, max_pixels)`.
 * - `transformers` (5.x): h̄ = round(h/f)·f (may be 0 for a side ≤ f/2); max branch clamps to ≥ f.
 * - `qwen-vl-utils` (0.0.14): h̄ = max(f, round(h/f)·f); max branch floors without clamping.
 * Throws ResizeError when the aspect ratio exceeds 200 (exactly as the libraries) or a side would be 0.
 */
export function smartResize(
  height: number,
  width: number,
  factor: number,
  minPixels: number,
  maxPixels: number,
  variant: 'transformers' | 'qwen-vl-utils' = 'transformers',
): { height: number; width: number } {
  if (!(height > 0 && width > 0)) {
    throw new ResizeError(
      `ValueError: height and width must be > 0, got ${height}x${width}`,
      'image_too_small',
      Math.min(height, width),
      1,
    );
  }
  const err = aspectRatioError(height, width);
  if (err) throw err;
  let hBar: number;
  let wBar: number;
  if (variant === 'qwen-vl-utils') {
    hBar = Math.max(factor, roundHalfEven(height / factor) * factor);
    wBar = Math.max(factor, roundHalfEven(width / factor) * factor);
  } else {
    hBar = roundHalfEven(height / factor) * factor;
    wBar = roundHalfEven(width / factor) * factor;
  }
  if (hBar * wBar > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    if (variant === 'qwen-vl-utils') {
      hBar = Math.floor(height / beta / factor) * factor;
      wBar = Math.floor(width / beta / factor) * factor;
    } else {
      hBar = Math.max(factor, Math.floor(height / beta / factor) * factor);
      wBar = Math.max(factor, Math.floor(width / beta / factor) * factor);
    }
  } else if (hBar * wBar < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    hBar = Math.ceil((height * beta) / factor) * factor;
    wBar = Math.ceil((width * beta) / factor) * factor;
  }
  if (hBar <= 0 || wBar <= 0) {
    throw new ResizeError(
      `ValueError: height and width must be > 0, got ${hBar}x${wBar}`,
      'image_too_small',
      Math.min(hBar, wBar),
      factor,
    );
  }
  return { height: hBar, width: wBar };
}

/** EasyR1 `process_image`'s pre-resize: scale down to max_pixels, then up to min_pixels, `int()` truncation. */
export function easyr1PreResize(width: number, height: number, minPixels: number, maxPixels: number): [number, number] {
  let w = width;
  let h = height;
  if (w * h > maxPixels) {
    const f = Math.sqrt(maxPixels / (w * h));
    [w, h] = [Math.trunc(w * f), Math.trunc(h * f)];
  }
  if (w * h < minPixels) {
    const f = Math.sqrt(minPixels / (w * h));
    [w, h] = [Math.trunc(w * f), Math.trunc(h * f)];
  }
  return [w, h];
}

export type ResizeResult =
  | {
      ok: true;
      /** [w, h] after the pipeline's first step (easyr1, qwen-vl-utils). */
      pre?: [number, number];
      /** [w, h] the model processor resizes to. */
      resized: [number, number];
      /** The processor's image_grid_thw. */
      grid: [number, number, number];
      /** Number of <|image_pad|> tokens. */
      tokens: number;
    }
  | {
      ok: false;
      pre?: [number, number];
      /** "<Class>: <first 120 chars of the message>", as the golden vectors record it. */
      error: string;
      stage: 'pre' | 'processor';
      reason: 'aspect_ratio' | 'image_too_small';
      /** The measured value (ratio, side) and the limit it broke. */
      value: number;
      limit: number;
    };

/** Bounds with the qwen-vl-utils defaults resolved for this geometry. */
export function resolveBounds(geometry: ImageGeometry, bounds?: Partial<PipelineBounds>): Required<PipelineBounds> {
  // Each pipeline's defaults come from the PIPELINES table (core/defaults.ts).
  const out = {} as Required<PipelineBounds>;
  for (const p of Object.values(PIPELINES)) {
    if (!p.bounds) continue;
    const d = p.bounds.defaults(geometry.patchSize);
    out[p.bounds.minKey] = bounds?.[p.bounds.minKey] ?? d.min;
    out[p.bounds.maxKey] = bounds?.[p.bounds.maxKey] ?? d.max;
  }
  return out;
}

function pyErrorText(e: ResizeError): string {
  const i = e.pyMessage.indexOf(': ');
  const cls = e.pyMessage.slice(0, i);
  const msg = e.pyMessage.slice(i + 2);
  return `${cls}: ${msg.slice(0, 120)}`;
}

function failure(e: unknown, stage: 'pre' | 'processor', pre?: [number, number]): ResizeResult {
  if (!(e instanceof ResizeError)) throw e;
  const out: ResizeResult = {
    ok: false,
    error: pyErrorText(e),
    stage,
    reason: e.reason,
    value: e.value,
    limit: e.limit,
  };
  if (pre) out.pre = pre;
  return out;
}

/** The model's image processor alone (transformers smart_resize with the processor's bounds). */
function processorStep(width: number, height: number, g: ImageGeometry, pre?: [number, number]): ResizeResult {
  let r: { height: number; width: number };
  try {
    r = smartResize(height, width, g.factor, g.minPixels, g.maxPixels, 'transformers');
  } catch (e) {
    return failure(e, 'processor', pre);
  }
  const gh = r.height / g.patchSize;
  const gw = r.width / g.patchSize;
  const out: ResizeResult = {
    ok: true,
    resized: [r.width, r.height],
    grid: [1, gh, gw],
    tokens: Math.floor((gh * gw) / (g.mergeSize * g.mergeSize)),
  };
  if (pre) out.pre = pre;
  return out;
}

/**
 * The size and token count a trainer computes for an image of `width`×`height` (PIL order), through:
 * - `processor`: the model's image processor alone;
 * - `easyr1`: EasyR1's process_image pre-resize (int truncation), then the processor;
 * - `qwen-vl-utils`: fetch_image's smart_resize (factor 2·patch, its own bounds), then the processor.
 */
export function resizeFor(
  width: number,
  height: number,
  pipeline: ResizePipeline,
  geometry: ImageGeometry,
  bounds?: Partial<PipelineBounds>,
): ResizeResult {
  if (pipeline === 'processor') return processorStep(width, height, geometry);
  const b = resolveBounds(geometry, bounds);
  if (pipeline === 'easyr1') {
    const pre = easyr1PreResize(width, height, b.easyr1MinPixels, b.easyr1MaxPixels);
    if (pre[0] <= 0 || pre[1] <= 0) {
      // PIL: "ValueError: height and width must be > 0"
      return {
        ok: false,
        pre,
        error: 'ValueError: height and width must be > 0',
        stage: 'pre',
        reason: 'image_too_small',
        value: Math.min(pre[0], pre[1]),
        limit: 1,
      };
    }
    return processorStep(pre[0], pre[1], geometry, pre);
  }
  if (pipeline === 'qwen-vl-utils') {
    const f = 2 * geometry.patchSize;
    let r: { height: number; width: number };
    try {
      r = smartResize(height, width, f, b.qwenVlUtilsMinPixels, b.qwenVlUtilsMaxPixels, 'qwen-vl-utils');
    } catch (e) {
      return failure(e, 'pre');
    }
    return processorStep(r.width, r.height, geometry, [r.width, r.height]);
  }
  throw new Error(`unknown resize pipeline: ${String(pipeline)}`);
}
