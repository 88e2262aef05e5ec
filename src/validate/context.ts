/** The context of one file's row checks: target, columns, model and counter, pipeline and its bounds, limits. */
import { PIPELINES, defaultFormatPromptFor, defaultPipelineFor } from '../core/defaults.js';
import type { ResizePipeline, Target } from '../core/types.js';
import { loadFormatPrompt } from '../model/chat-template.js';
import { loadModelProfile, type ModelProfile } from '../model/model-profile.js';
import { PromptCounter } from '../model/token-counts.js';
import type { PipelineBounds } from '../images/resize.js';
import type { ImageCheck } from './validate-types.js';

export interface Columns {
  prompt: string;
  images: string;
  answer: string;
}

export interface Ctx {
  target: Target;
  cols: Columns;
  profile: ModelProfile | null;
  counter: PromptCounter | null;
  pipeline: ResizePipeline;
  maxPromptLength: number | null;
  maxResponseLength: number | null;
  hasTeacher: boolean;
  requireImage?: boolean;
  /** False when the file has no prompt column (the row checks then cover the images only). */
  hasPromptCol?: boolean;
  decode?: ImageCheck;
  /** Pixel bounds of the pipeline's pre-resize step (from minPixels / maxPixels). */
  bounds: Partial<PipelineBounds>;
}

export async function makeCtx(
  target: Target,
  opts: {
    model?: string;
    pipeline?: ResizePipeline;
    formatPrompt?: string;
    maxPromptLength?: number | null;
    maxResponseLength?: number | null;
    minPixels?: number;
    maxPixels?: number;
  },
): Promise<Omit<Ctx, 'cols' | 'hasTeacher'>> {
  const pipeline = opts.pipeline ?? defaultPipelineFor(target);
  // min/max pixels set the pipeline's pre-resize bounds, or the processor's own (PIPELINES, as build does).
  const keys = PIPELINES[pipeline].bounds;
  const bounds: Partial<PipelineBounds> = {};
  if (keys && opts.minPixels !== undefined) bounds[keys.minKey] = opts.minPixels;
  if (keys && opts.maxPixels !== undefined) bounds[keys.maxKey] = opts.maxPixels;
  const profile = opts.model
    ? await loadModelProfile(opts.model, keys ? {} : { minPixels: opts.minPixels, maxPixels: opts.maxPixels })
    : null;
  const counter = profile
    ? new PromptCounter(
        profile,
        await loadFormatPrompt(target === 'verl' ? 'none' : (opts.formatPrompt ?? defaultFormatPromptFor(target))),
      )
    : null;
  return {
    target,
    profile,
    counter,
    pipeline,
    bounds,
    maxPromptLength: opts.maxPromptLength ?? null,
    maxResponseLength: opts.maxResponseLength ?? null,
  };
}

export function columnsFor(
  target: Target,
  opts: { promptKey?: string; imageKey?: string; answerKey?: string },
): Columns {
  return {
    prompt: opts.promptKey ?? (target === 'verl' ? 'prompt' : 'problem'),
    images: opts.imageKey ?? 'images',
    answer: opts.answerKey ?? 'answer',
  };
}
