/**
 * Defaults that `build`, `validate`, `report` and `tokens` must agree on, in one place: the resize pipelines
 * (PIPELINES: trainer, default target, steps, pixel bounds), and the format prompt applied to a text prompt column.
 */
import type { ResizePipeline, Target } from './types.js';

/** A resize step a trainer runs on an image before training. */
export type ResizeStep = 'qwen-vl-utils fetch_image' | 'EasyR1 process_image' | 'processor smart_resize';

/** One resize pipeline: what a trainer does to an image before the model sees it. */
export interface PipelineInfo {
  name: ResizePipeline;
  /** Who runs it (the report, the manifest's `resize.trainer`). */
  trainer: string;
  /** The targets that use it when `pipeline` is not set. */
  defaultFor: readonly Target[];
  /** The resize steps, in the order the trainer runs them (the last one decides the grid and tokens). */
  steps: readonly ResizeStep[];
  /** How the trainer's RGB conversion treats alpha: qwen-vl-utils pastes on white; transformers' convert_to_rgb and EasyR1's convert("RGB") drop it. */
  alpha: 'white' | 'drop';
  /**
   * What `data.min_pixels` / `data.max_pixels` set: the bounds of the pre-resize step (their keys in
   * format's PipelineBounds, and their defaults from the model's patch size), or null: the processor's own.
   */
  bounds: {
    minKey: 'easyr1MinPixels' | 'qwenVlUtilsMinPixels';
    maxKey: 'easyr1MaxPixels' | 'qwenVlUtilsMaxPixels';
    defaults(patchSize: number): { min: number; max: number };
  } | null;
}

/**
 * The resize pipelines, in one table: config's enum, the CLI's choices, build, tokens and validate read it.
 * verl 0.4.1 through 0.7 and HEAD pass every image through qwen-vl-utils' `fetch_image` (checked in their
 * `verl/utils/dataset/vision_utils.py` and `rl_dataset.py`; from 0.6.1 with `data.image_patch_size`, 16 for
 * Qwen3-VL, which `gad-data train` sets); EasyR1 runs its own `process_image`.
 */
export const PIPELINES: Readonly<Record<ResizePipeline, PipelineInfo>> = {
  processor: {
    name: 'processor',
    trainer: 'any trainer given images already at their target size (the processor alone)',
    defaultFor: [],
    steps: ['processor smart_resize'],
    alpha: 'drop',
    bounds: null,
  },
  easyr1: {
    name: 'easyr1',
    trainer: 'EasyR1 (process_image pre-resize, then the processor)',
    defaultFor: ['easyr1'],
    steps: ['EasyR1 process_image', 'processor smart_resize'],
    alpha: 'drop',
    // EasyR1's examples/config.yaml
    bounds: { minKey: 'easyr1MinPixels', maxKey: 'easyr1MaxPixels', defaults: () => ({ min: 262144, max: 4194304 }) },
  },
  'qwen-vl-utils': {
    name: 'qwen-vl-utils',
    trainer:
      'verl 0.4.1 to 0.7 and HEAD (qwen-vl-utils fetch_image with data.image_patch_size = the model patch, then the processor)',
    defaultFor: ['verl'],
    steps: ['qwen-vl-utils fetch_image', 'processor smart_resize'],
    alpha: 'white',
    // qwen-vl-utils 0.0.14: IMAGE_MIN_TOKEN_NUM 4 and IMAGE_MAX_TOKEN_NUM 16384 tokens of f² pixels, f = 2·patch
    bounds: {
      minKey: 'qwenVlUtilsMinPixels',
      maxKey: 'qwenVlUtilsMaxPixels',
      defaults: (patch) => ({ min: 4 * (2 * patch) ** 2, max: 16384 * (2 * patch) ** 2 }),
    },
  },
};

/** The pipeline names, in the order the CLI lists them. */
export const PIPELINE_NAMES = ['processor', 'easyr1', 'qwen-vl-utils'] as const satisfies readonly ResizePipeline[];

/** True for a known pipeline name. */
export function isResizePipeline(s: string): s is ResizePipeline {
  return Object.prototype.hasOwnProperty.call(PIPELINES, s);
}

/** The pipeline each target's trainer runs before the processor (PIPELINES[..].defaultFor). */
export function defaultPipelineFor(target: Target): ResizePipeline {
  const p = PIPELINE_NAMES.find((n) => PIPELINES[n].defaultFor.includes(target));
  if (!p) throw new Error(`no default pipeline for target ${target}`);
  return p;
}

/**
 * The format prompt applied to a text prompt column when none is configured (EasyR1's example config uses
 * `math`). A verl message-list prompt already holds its instruction: it gets no format prompt unless one is
 * asked for explicitly.
 */
export const DEFAULT_FORMAT_PROMPT = 'math';

/**
 * The format prompt `validate` / `report FILES` apply before counting when none is given: verl files hold the
 * final prompt (nothing is applied, whatever is given); EasyR1 files the raw problem, formatted with this.
 */
export function defaultFormatPromptFor(target: Target): string {
  return target === 'verl' ? 'none' : DEFAULT_FORMAT_PROMPT;
}

/** Who runs each pipeline, for the report and the manifest. */
export function trainerOfPipeline(pipeline: ResizePipeline): string {
  return PIPELINES[pipeline].trainer;
}

/** Where `--model` looks for a Hub id: both caches (Hugging Face first), or one of them. */
export const MODEL_SOURCES = ['auto', 'hf', 'modelscope'] as const;
export type ModelSource = (typeof MODEL_SOURCES)[number];
