/**
 * The size an image is written at, under the resize policy (`auto`, `always`, `never`; see image.ts), and what the
 * trainer computes on the written image; a size the trainer's pipeline refuses (`aspect_ratio`, `image_too_small`)
 * becomes a Drop.
 */
import type { Drop } from '../core/types.js';
import { PIPELINES } from '../core/defaults.js';
import { type PipelineBounds, type ResizeResult, resizeFor, resolveBounds } from './resize.js';
import { writeTarget } from './write-target.js';
import type { ImageProbe } from './image-input.js';
import type { ImageOptions } from './image-options.js';

export type SizeChoice =
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

/**
 * The bounds the trainer itself applies to what is written. verl hands each image to qwen-vl-utils' `fetch_image`
 * with no `min_pixels` / `max_pixels` of ours (neither the image struct nor the launch carries them), so for that
 * pipeline the trainer's bounds are qwen-vl-utils' defaults, whatever `data.min_pixels` / `data.max_pixels` say.
 * EasyR1 and the processor get the build's bounds from the launch (config / processor), so they are the build's.
 */
export function trainerBounds(opts: Pick<ImageOptions, 'pipeline' | 'bounds'>): Partial<PipelineBounds> | undefined {
  return opts.pipeline === 'qwen-vl-utils' ? {} : opts.bounds;
}

function sameResult(a: ResizeResult, b: ResizeResult): boolean {
  return a.ok && b.ok && a.tokens === b.tokens && sameSize(a.resized, b.resized);
}

/** The size to write under the resize policy, and what the trainer computes on the written image. */
export function chooseSize(probe: ImageProbe, opts: ImageOptions): SizeChoice {
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
  // What the trainer computes on the original as it is (its own bounds): the count of a kept image.
  const asIs = resizeFor(W, H, opts.pipeline, opts.geometry, trainerBounds(opts));
  if (!asIs.ok) return asIs;
  const keep: SizeChoice = {
    ok: true,
    size: [W, H],
    processed: asIs.resized,
    tokens: asIs.tokens,
    fixedPoint: sameSize(asIs.resized, [W, H]) && (!asIs.pre || sameSize(asIs.pre, [W, H])),
  };
  if (policy === 'never') return keep;
  // Kept as it is when the trainer, with its own bounds, computes what the build's bounds give. An image under the
  // build's max_pixels whose rounding lands over it (qwen-vl-utils rounds to the factor first) is not: verl would
  // round it with its default bounds and count more tokens; it is shrunk below, to the size the build counts.
  if (W * H <= firstStepMaxPixels(opts) && sameResult(asIs, original)) return keep;
  // EasyR1 resizes a palette image before converting it to RGB, so Pillow uses NEAREST there, not bicubic: kept as it
  // is, EasyR1 computes exactly what it computes from the source.
  // Likewise an image with alpha: Pillow resizes RGBA premultiplied, and EasyR1 drops the alpha only afterwards.
  if (opts.pipeline === 'easyr1' && (probe.isPalette || probe.hasAlpha)) return keep;
  // Over the first step's max_pixels (or rounded over it): write what that step gives from the original (fewer
  // pixels; one side may grow to the factor grid, as the step itself does), when the trainer then leaves it alone
  // and counts the same; otherwise keep the original (counted as the trainer counts it).
  const s = original.pre ?? original.resized;
  if (!(s[0] * s[1] < W * H)) return keep;
  const again = resizeFor(s[0], s[1], opts.pipeline, opts.geometry, trainerBounds(opts));
  if (!again.ok || again.tokens !== original.tokens || !sameSize(again.resized, original.resized)) return keep;
  if (!sameSize(again.pre ?? again.resized, s)) return keep;
  return { ok: true, size: s, processed: again.resized, tokens: again.tokens, fixedPoint: sameSize(again.resized, s) };
}

/** The drop for a size the trainer's pipeline refuses: `aspect_ratio`, or an empty side (`image_too_small`). */
export function refusedSizeDrop(probe: ImageProbe, target: Extract<SizeChoice, { ok: false }>, pipeline: string): Drop {
  const where =
    target.stage === 'pre' ? `the ${pipeline} pre-resize` : `the model processor (after the ${pipeline} pipeline)`;
  if (target.reason === 'aspect_ratio') {
    return {
      reason: 'aspect_ratio',
      detail: `image ${probe.width}x${probe.height}: ${where} refuses it (${target.error})${target.pre ? `; pre-resized to ${target.pre[0]}x${target.pre[1]}` : ''}`,
      value: target.value,
      limit: target.limit,
    };
  }
  return {
    reason: 'image_too_small',
    detail: `image ${probe.width}x${probe.height}: ${where} gives an empty side (${target.error})`,
    value: target.value,
    limit: target.limit,
  };
}

/** `image_too_small` when the processor's size has a side below the factor. */
export function processedSizeDrop(probe: ImageProbe, processed: [number, number], factor: number): Drop | null {
  const [pw, ph] = processed;
  if (pw < factor || ph < factor) {
    return {
      reason: 'image_too_small',
      detail: `image ${probe.width}x${probe.height} resizes to ${pw}x${ph}, a side below the factor ${factor}`,
      value: Math.min(pw, ph),
      limit: factor,
    };
  }
  return null;
}
