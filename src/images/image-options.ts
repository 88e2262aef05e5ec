/** The options of image processing and its results: what process-image.ts, image-size.ts and image-encode.ts share. */
import type { Drop, ProcessedImage, ResizePipeline } from '../core/types.js';
import type { ImageGeometry, PipelineBounds } from './resize.js';

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

export interface ImageOptions {
  pipeline: ResizePipeline;
  geometry: ImageGeometry;
  bounds?: Partial<PipelineBounds>;
  imageFormat: ImageFormatPolicy;
  /** When to resize (default `auto`). */
  resize?: ResizePolicy;
  /** JPEG quality when re-encoding to JPEG (default 100, DEFAULT_JPEG_QUALITY). */
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
