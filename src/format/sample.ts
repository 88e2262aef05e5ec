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
import type { FormatPrompt } from './template.js';
import { applyTeacherEnding } from './tokens.js';

export interface FormatContext {
  counter: PromptCounter;
  image: ImageOptions;
  teacherEnding: TeacherEnding;
  /** Limits concurrent image work across all samples (sharp runs on the libuv pool): see createImageLimiter. */
  imageLimit?: LimitFunction;
  /**
   * The format prompt for a message-list prompt (verl's `prompt` column already holds its instruction): null
   * (default) applies none; set only when one was asked for explicitly.
   */
  messageFormatPrompt?: FormatPrompt | null;
  /** Called once per key, e.g. when an explicit format prompt would be applied a second time. */
  warnOnce?: (key: string, message: string) => void;
}

/** The instruction a format prompt adds (its rendering of an empty problem), or null when it adds none. */
function instructionOf(fmt: FormatPrompt): string | null {
  const t = fmt.render('').trim();
  return t ? t : null;
}


async function loadBytes(ref: Sample['images'][number], i: number): Promise<Uint8Array | Drop> {
  if (ref.bytes) return ref.bytes;
  if (!ref.resolvedPath) {
    return { reason: 'image_undecodable', detail: `image ${i} has no bytes and no readable path${ref.path ? ` (${ref.path})` : ''}; set image_dir to the folder holding the images`, value: ref.path ?? null, image: i };
  }
  const r = await readImageFile(ref.resolvedPath);
  return r.ok ? r.bytes : { ...r.drop, image: i };
}

/** Fill `sample.formatted` (or set `sample.drop`). Never throws for bad data. */
export async function formatSample(sample: Sample, ctx: FormatContext): Promise<Sample> {
  if (sample.drop) return sample;
  const problem = sample.problem ?? '';
  // A row whose <image> tags and images disagree cannot be counted; validate drops it (image_count_mismatch).
  const tags = sample.messages ? sample.messages.reduce((a, m) => a + countImageTags(m.content), 0) : countImageTags(problem);
  if (tags !== sample.images.length) return sample;
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
  const tokens = images.map((im) => im.tokens);
  let counted;
  if (sample.messages) {
    const fmt = ctx.messageFormatPrompt ?? null;
    const instr = fmt ? instructionOf(fmt) : null;
    if (instr && problem.includes(instr)) {
      ctx.warnOnce?.(
        'format-twice',
        `row ${sample.id}: the prompt message already holds the ${fmt!.name} format prompt's instruction, and --format-prompt ${fmt!.name} applies it again (twice in the prompt); drop --format-prompt / data.format_prompt to keep the message list as it is`,
      );
    }
    counted = ctx.counter.countMessages(sample.messages, sample.promptMessage ?? 0, tokens, fmt);
  } else {
    const instr = instructionOf(ctx.counter.formatPrompt);
    if (instr && problem.includes(instr)) {
      ctx.warnOnce?.(
        'format-twice',
        `row ${sample.id}: the prompt text already holds the ${ctx.counter.formatPrompt.name} format prompt's instruction, and the ${ctx.counter.formatPrompt.name} format prompt applies it again (twice in the prompt); use --format-prompt none to keep the text as it is`,
      );
    }
    counted = ctx.counter.count(problem, tokens);
  }
  let teacherResponse: string | null = null;
  let responseTokens: number | null = null;
  if (typeof sample.teacherResponse === 'string') {
    teacherResponse = applyTeacherEnding(sample.teacherResponse, ctx.teacherEnding);
    responseTokens = ctx.counter.countText(teacherResponse);
  }
  sample.formatted = {
    formatted: counted.formatted,
    ...(counted.messages ? { messages: counted.messages } : {}),
    textTokens: counted.textTokens,
    imageTokens: counted.imageTokens,
    promptTokens: counted.promptTokens,
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
