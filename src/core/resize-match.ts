/**
 * Does the build's resize (pipeline, pixel bounds, policy) match what the target's trainer does to the stored
 * images? A build counts every image through one pipeline; the trainer runs its own on what is written. They agree
 * only when the written images are fixed points of the trainer's pipeline, or the trainer gets the build's bounds:
 * - EasyR1 runs its `process_image` with `data.min_pixels` / `data.max_pixels` of its config (which `gad-data
 *   train` passes from the build): the `easyr1` pipeline, any bounds.
 * - verl (0.4 and later) runs qwen-vl-utils' `fetch_image` with qwen-vl-utils' default bounds (4·f² … 16384·f²,
 *   f = 2·patch): nothing carries the build's bounds to it. A lower `max_pixels` is honoured by writing the images
 *   at the size the build counts (image-size.ts); a higher one, or another `min_pixels`, is not, unless every image
 *   is written at the pipeline's fixed point (`--resize always`, min_pixels above the default). The `processor`
 *   pipeline matches verl when its min_pixels is fetch_image's (Qwen2.5-VL), or with `--resize always` (images at
 *   the processor's size, which fetch_image leaves alone), its bounds inside fetch_image's.
 * Returns the mismatch with its fix, or null.
 */
import type { ResizePipeline, Target } from './types.js';
import { PIPELINES } from './defaults.js';
import { must } from './guards.js';

const fmtPixels = (n: number): string => n.toLocaleString('en-US');

export interface ResizeSettings {
  target: Target;
  pipeline: ResizePipeline;
  /** `auto` | `always` | `never`. */
  resize: string;
  /** data.min_pixels / data.max_pixels as configured (null: the pipeline's default). */
  minPixels: number | null;
  maxPixels: number | null;
  patchSize: number;
  /** The model processor's own bounds. */
  processorMinPixels: number;
  processorMaxPixels: number;
}

export interface ResizeMismatch {
  message: string;
  hint: string;
}

/** The mismatch between the build's resize settings and the target trainer's, with the fix; null when they match. */
export function resizeMismatch(s: ResizeSettings): ResizeMismatch | null {
  if (s.target === 'easyr1') {
    if (s.pipeline === 'easyr1') return null;
    return {
      message: `--pipeline ${s.pipeline} with --target easyr1: EasyR1 resizes every image with its own process_image (min_pixels / max_pixels of its config) before the processor, so the counts would be for another resize than EasyR1's`,
      hint: 'drop --pipeline (easyr1 is the default for --target easyr1), or build for the trainer that runs this pipeline (--target verl for qwen-vl-utils)',
    };
  }
  const q = must(PIPELINES['qwen-vl-utils'].bounds, 'qwen-vl-utils has pixel bounds').defaults(s.patchSize);
  const always = s.resize === 'always';
  if (s.pipeline === 'easyr1') {
    return {
      message:
        "--pipeline easyr1 with --target verl: verl (0.4 and later) resizes images with qwen-vl-utils' fetch_image, never with EasyR1's process_image",
      hint: 'for EasyR1 add --target easyr1; for verl drop --pipeline (qwen-vl-utils is its default)',
    };
  }
  if (s.pipeline === 'processor') {
    // The processor alone and verl's fetch_image + processor agree when fetch_image's default bounds are the
    // processor's (Qwen2.5-VL: 3136 / 12845056), or when every image is written at the processor's size.
    const within = s.processorMinPixels >= q.min && s.processorMaxPixels <= q.max;
    if (within && (always || s.processorMinPixels === q.min)) return null;
    return {
      message: `--pipeline processor with --target verl: verl (0.4 and later) runs qwen-vl-utils' fetch_image (min_pixels ${fmtPixels(q.min)}) on the stored images before the processor (min_pixels ${fmtPixels(s.processorMinPixels)}), and the build stores the originals, so verl counts some images differently (Qwen3-VL: small images land on another grid)`,
      hint: "drop --pipeline (qwen-vl-utils is verl's default), or add --resize always to write every image at the processor's size, which verl leaves alone",
    };
  }
  // qwen-vl-utils: verl gives fetch_image none of our bounds.
  if (s.minPixels !== null && s.minPixels !== q.min && !(always && s.minPixels > q.min)) {
    return {
      message: `data.min_pixels ${fmtPixels(s.minPixels)} on a verl build: verl's qwen-vl-utils fetch_image uses its own min_pixels ${fmtPixels(q.min)} (4 tokens of ${2 * s.patchSize}² pixels; nothing passes the build's to it)${s.minPixels > q.min ? ', and the build does not upscale images' : ''}, so verl would count ${s.minPixels > q.min ? 'fewer' : 'more'} tokens than the build for small images`,
      hint: `an EasyR1 config (its min_pixels is EasyR1's): add --target easyr1; for verl drop min_pixels (or set it to ${q.min})${s.minPixels > q.min ? ', or add --resize always to write every image at the size counted' : ''}`,
    };
  }
  if (s.maxPixels !== null && s.maxPixels > q.max) {
    return {
      message: `data.max_pixels ${fmtPixels(s.maxPixels)} on a verl build: verl's qwen-vl-utils fetch_image caps images at its own max_pixels ${fmtPixels(q.max)} (nothing passes the build's to it), so verl would shrink images the build counts larger`,
      hint: `drop max_pixels, or set it to at most ${q.max}`,
    };
  }
  if (s.maxPixels !== null && s.maxPixels !== q.max && s.resize === 'never') {
    return {
      message: `data.max_pixels ${fmtPixels(s.maxPixels)} with --resize never on a verl build: verl's fetch_image uses its own max_pixels ${fmtPixels(q.max)}, and only a shrunk image carries the build's bound to it`,
      hint: '--resize auto (the default) writes the images over the bound at the size counted; or drop max_pixels',
    };
  }
  return null;
}
