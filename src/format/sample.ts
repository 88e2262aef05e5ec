/**
 * Format one Sample: read and process its images (exact target size, RGB, orientation baked in), apply the
 * teacher-ending policy, and count prompt and response tokens exactly. Problems with an image become a row
 * drop with its reason; the row's other data is untouched.
 */
import type { LimitFunction } from 'p-limit';
import type { Drop, ProcessedImage, Sample } from '../core/types.js';
import { countImageTags } from '../core/image-tag.js';
import { createImageLimiter, processImage, readImageFile, type ImageOptions } from './image.js';
import type { PromptCounter, TeacherEnding } from './tokens.js';
import { applyTeacherEnding } from './tokens.js';

export interface FormatContext {
  counter: PromptCounter;
  image: ImageOptions;
  teacherEnding: TeacherEnding;
  /** Limits concurrent image work across all samples (sharp runs on the libuv pool): see createImageLimiter. */
  imageLimit?: LimitFunction;
  /** The max_prompt_length rows are dropped over: a prompt surely over it is not tokenized in full (atLeast). */
  maxPromptLength?: number;
}


async function loadBytes(ref: Sample['images'][number], i: number): Promise<Uint8Array | Drop> {
  if (ref.bytes) return ref.bytes;
  if (!ref.resolvedPath) {
    return { reason: 'image_undecodable', detail: `image ${i} has no bytes and no readable path${ref.path ? ` (${ref.path})` : ''}; set image_dir to the folder holding the images`, value: ref.path ?? null, image: i };
  }
  const r = await readImageFile(ref.resolvedPath);
  // What was read, for --resume: a resumed build checks each image of the reused rows is still this file.
  ref.fileStat = r.ok ? r.stat : null;
  return r.ok ? r.bytes : { ...r.drop, image: i };
}

/** Fill `sample.formatted` (or set `sample.drop`). Never throws for bad data. */
export async function formatSample(sample: Sample, ctx: FormatContext): Promise<Sample> {
  if (sample.drop) return sample;
  const problem = sample.problem ?? '';
  // A row whose <image> tags and images disagree cannot be counted; validate drops it (image_count_mismatch).
  if (countImageTags(problem) !== sample.images.length) return sample;
  const limit = ctx.imageLimit ?? createImageLimiter();
  const images: ProcessedImage[] = [];
  for (let i = 0; i < sample.images.length; i++) {
    const ref = sample.images[i]!;
    const outcome = await limit(async () => {
      const bytes = await loadBytes(ref, i);
      if (!(bytes instanceof Uint8Array)) return { ok: false as const, drop: bytes };
      return processImage(bytes, ctx.image);
    });
    if (!outcome.ok) {
      sample.drop = { ...outcome.drop, image: outcome.drop.image ?? i };
      return sample;
    }
    const ext = outcome.image.format === 'jpeg' ? 'jpg' : 'png';
    images.push({ ...outcome.image, path: `${safeName(sample.id)}-${i}.${ext}` });
  }
  const counted = ctx.counter.count(
    problem,
    images.map((im) => im.tokens),
    ctx.maxPromptLength !== undefined && Number.isFinite(ctx.maxPromptLength) ? { limit: ctx.maxPromptLength } : {},
  );
  let teacherResponse: string | null = null;
  let responseTokens: number | null = null;
  if (typeof sample.teacherResponse === 'string') {
    teacherResponse = applyTeacherEnding(sample.teacherResponse, ctx.teacherEnding);
    responseTokens = ctx.counter.countText(teacherResponse);
  }
  sample.formatted = {
    formatted: counted.formatted,
    textTokens: counted.textTokens,
    imageTokens: counted.imageTokens,
    promptTokens: counted.promptTokens,
    ...(counted.atLeast ? { atLeast: true } : {}),
    images,
    responseTokens,
    teacherResponse,
  };
  return sample;
}

/** A file-name-safe version of a row id for the image struct's `path` field. */
function safeName(id: string): string {
  return id.replace(/[^\w.-]+/g, '_').slice(0, 120) || 'row';
}
