/**
 * Format one Sample: read and process its images (exact target size, RGB, orientation baked in), apply the
 * teacher-ending policy, and count prompt and response tokens exactly. Problems with an image become a row
 * drop with its reason; the row's other data is untouched.
 */
import type { LimitFunction } from 'p-limit';
import { LRUCache } from 'lru-cache';
import { sha256 } from '../core/hash.js';
import type { Drop, ProcessedImage, Sample } from '../core/types.js';
import { rowImageTags } from '../core/image-tag.js';
import { type ImageOptions, type ImageResult } from '../images/image-options.js';
import { type ImagePlan, createImageLimiter, planImage, renderImage } from '../images/process-image.js';
import { type ImageLoader, createImageLoader } from '../images/image-load-pool.js';
import type { PromptCount, PromptCounter, TeacherEnding } from './token-counts.js';
import type { FormatPrompt } from './chat-template.js';
import { applyTeacherEnding } from './token-counts.js';
import { must } from '../core/guards.js';

export interface FormatContext {
  counter: PromptCounter;
  image: ImageOptions;
  teacherEnding: TeacherEnding;
  /** Limits concurrent image work across all samples (sharp runs on the libuv pool): see createImageLimiter. */
  imageLimit?: LimitFunction;
  /**
   * Reads (and hashes, and in a worker thread checks) path-only images: image-load-pool.ts. Default: one loader per
   * context, its first images read inline and the rest by worker threads when the machine has a spare core.
   */
  imageLoader?: ImageLoader;
  /** Processed images by the sha256 of their input bytes (see createImageCache), for rows that share an image. */
  imageCache?: LRUCache<string, ImageResult>;
  /** The max_prompt_length rows are dropped over: a prompt surely over it is not tokenized in full (atLeast). */
  maxPromptLength?: number;
  /** The max_response_length rows with a teacher response are dropped over: a response surely over it is not tokenized in full. */
  maxResponseLength?: number;
  /**
   * The format prompt for a message-list prompt (verl's `prompt` column already holds its instruction): null
   * (default) applies none; set only when one was asked for explicitly.
   */
  messageFormatPrompt?: FormatPrompt | null;
  /** Called once per key, e.g. when an explicit format prompt would be applied a second time. */
  warnOnce?: (key: string, message: string) => void;
}

const instructions = new WeakMap<FormatPrompt, string | null>();

/**
 * The instruction a format prompt adds (its rendering of an empty problem), or null when it adds none. Rendered
 * once per prompt (a format prompt is fixed for a build; its rendering of '' never changes), not once per row.
 */
function instructionOf(fmt: FormatPrompt): string | null {
  let instr = instructions.get(fmt);
  if (instr === undefined) {
    const t = fmt.render('').trim();
    instr = t ? t : null;
    instructions.set(fmt, instr);
  }
  return instr;
}

const loaders = new WeakMap<FormatContext, ImageLoader>();

/** The context's image loader (one per context, made on first use). */
function loaderOf(ctx: FormatContext): ImageLoader {
  if (ctx.imageLoader) return ctx.imageLoader;
  let loader = loaders.get(ctx);
  if (!loader) loaders.set(ctx, (loader = createImageLoader()));
  return loader;
}

/** The image's bytes and their sha256 (hashed once: also the processed-image cache key), or its drop. */
async function loadBytes(
  ref: Sample['images'][number],
  i: number,
  ctx: FormatContext,
): Promise<{ bytes: Uint8Array; sha256: string } | Drop> {
  if (ref.bytes) return { bytes: ref.bytes, sha256: sha256(ref.bytes) };
  if (!ref.resolvedPath) {
    return {
      reason: 'image_undecodable',
      detail: `image ${i} has no bytes and no readable path${ref.path ? ` (${ref.path})` : ''}; set image_dir to the folder holding the images`,
      value: ref.path ?? null,
      image: i,
    };
  }
  const r = await loaderOf(ctx).load(ref.resolvedPath);
  // What was read, for --resume: a resumed build checks each image of the reused rows is still this file.
  ref.fileStat = r.ok ? r.stat : null;
  return r.ok ? { bytes: r.bytes, sha256: r.sha256 } : { ...r.drop, image: i };
}

type Planned = { ok: true; image: ImageResult } | { ok: true; plan: ImagePlan } | { ok: false; drop: Drop };

/**
 * Fill `sample.formatted` (or set `sample.drop`). Never throws for bad data. Header first: every image is checked
 * and sized from its header, the tokens are counted, and the images are decoded and written only when the row can
 * be kept — a row whose prompt or teacher response is already over its limit (it is dropped for that) is never
 * decoded (its `formatted.undecoded` is set, its images carry no bytes).
 */
export async function formatSample(sample: Sample, ctx: FormatContext): Promise<Sample> {
  if (sample.drop) return sample;
  const problem = sample.problem ?? '';
  // A row whose <image> tags and images disagree cannot be counted; the image-count rule drops it (rules/row-rules.ts).
  const tags = rowImageTags(problem, sample.messages);
  if (tags !== sample.images.length) return sample;
  const limit = ctx.imageLimit ?? createImageLimiter();
  const planned: Array<Exclude<Planned, { ok: false }>> = [];
  for (const [i, ref] of sample.images.entries()) {
    // Read outside the image limiter (it bounds sharp's work): a worker-thread read then overlaps other rows' work.
    const loaded = await loadBytes(ref, i, ctx);
    const outcome: Planned = await limit(async () => {
      if (!('bytes' in loaded)) return { ok: false as const, drop: loaded };
      // One decode per distinct image: rows that share an image (several questions about one figure) reuse it.
      // The bytes are hashed once: the cache key is also the image's sha256 processImage records.
      const key = loaded.sha256;
      const seen = ctx.imageCache?.get(key);
      if (seen) return { ok: true as const, image: seen };
      return planImage(loaded.bytes, ctx.image, key);
    });
    if (!outcome.ok) {
      sample.drop = { ...outcome.drop, image: outcome.drop.image ?? i };
      return sample;
    }
    planned.push(outcome);
  }
  const tokens = planned.map((p) => ('image' in p ? p.image : p.plan.header).tokens);
  const counted = countPrompt(sample, ctx, problem, tokens);
  let teacherResponse: string | null = null;
  let response: { tokens: number; atLeast?: true } | null = null;
  if (typeof sample.teacherResponse === 'string') {
    teacherResponse = applyTeacherEnding(sample.teacherResponse, ctx.teacherEnding);
    response = ctx.counter.countWithin(teacherResponse, ctx.maxResponseLength);
  }
  const over = (n: number, max: number | undefined) => max !== undefined && Number.isFinite(max) && n > max;
  const dropped = over(counted.promptTokens, ctx.maxPromptLength) || over(response?.tokens ?? 0, ctx.maxResponseLength);
  const images: ProcessedImage[] = [];
  for (const [i, p] of planned.entries()) {
    let image: ImageResult;
    if ('image' in p) image = p.image;
    else if (dropped) image = p.plan.header;
    else {
      const done = await limit(() => renderImage(p.plan));
      if (!done.ok) {
        sample.drop = { ...done.drop, image: done.drop.image ?? i };
        return sample;
      }
      ctx.imageCache?.set(p.plan.header.sha256, done.image);
      image = done.image;
    }
    images.push({
      ...image,
      path: imageFileName(must(sample.images[i], `row ${sample.id}: image ${i}`).path, sample.id, i, image.format),
    });
  }
  sample.formatted = {
    formatted: counted.formatted,
    ...(counted.messages ? { messages: counted.messages } : {}),
    textTokens: counted.textTokens,
    imageTokens: counted.imageTokens,
    promptTokens: counted.promptTokens,
    ...(counted.atLeast ? { atLeast: true } : {}),
    images,
    responseTokens: response?.tokens ?? null,
    ...(response?.atLeast ? { responseAtLeast: true } : {}),
    teacherResponse,
    ...(dropped && planned.some((p) => 'plan' in p) ? { undecoded: true } : {}),
  };
  return sample;
}

/** Format and count the row's prompt (a text prompt or a message list) with its images' tokens. */
function countPrompt(sample: Sample, ctx: FormatContext, problem: string, tokens: number[]): PromptCount {
  const within =
    ctx.maxPromptLength !== undefined && Number.isFinite(ctx.maxPromptLength) ? { limit: ctx.maxPromptLength } : {};
  if (sample.messages) {
    const fmt = ctx.messageFormatPrompt ?? null;
    const instr = fmt ? instructionOf(fmt) : null;
    if (fmt && instr && problem.includes(instr)) {
      ctx.warnOnce?.(
        'format-twice',
        `row ${sample.id}: the prompt message already holds the ${fmt.name} format prompt's instruction, and --format-prompt ${fmt.name} applies it again (twice in the prompt); drop --format-prompt / data.format_prompt to keep the message list as it is`,
      );
    }
    return ctx.counter.countMessages(sample.messages, sample.promptMessage ?? 0, tokens, fmt, within);
  }
  const instr = instructionOf(ctx.counter.formatPrompt);
  if (instr && problem.includes(instr)) {
    ctx.warnOnce?.(
      'format-twice',
      `row ${sample.id}: the prompt text already holds the ${ctx.counter.formatPrompt.name} format prompt's instruction, and the ${ctx.counter.formatPrompt.name} format prompt applies it again (twice in the prompt); use --format-prompt none to keep the text as it is`,
    );
  }
  return ctx.counter.count(problem, tokens, within);
}

/**
 * The `path` field written in an image struct. The source's own file name when it had one (`images/g3k_0000.png`
 * → `g3k_0000.png`; folders, URL queries and machine paths are dropped), with the extension of the bytes
 * actually written (a GIF written as PNG is `name.png`); else a stable name from the row id and the image's
 * position (`<row id>-<n>.png`, the id made file-name-safe). Names are made unique within a shard by the
 * shard writer.
 */
export function imageFileName(
  sourcePath: string | null,
  rowId: string,
  index: number,
  format: 'png' | 'jpeg' | 'webp',
): string {
  const ext = format === 'jpeg' ? 'jpg' : format;
  const base = sourcePath ? originalName(sourcePath) : null;
  if (base) {
    const dot = base.lastIndexOf('.');
    const stem = dot > 0 ? base.slice(0, dot) : base;
    const had = dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
    // Keep the original extension when it already names the written format (`.jpeg` stays `.jpeg`).
    const same = format === 'jpeg' ? had === 'jpg' || had === 'jpeg' : had === format;
    return same ? base : `${stem}.${ext}`;
  }
  return `${safeName(rowId)}-${index}.${ext}`;
}

/** The last segment of a path or URL, without query/fragment; control characters removed; null when empty. */
function originalName(p: string): string | null {
  if (p.startsWith('data:')) return null;
  const noQuery = /^[a-z][a-z0-9+.-]*:\/\//i.test(p) ? p.replace(/[?#].*$/, '') : p;
  const seg = noQuery.split(/[\\/]/).pop() ?? '';
  const clean = seg
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim()
    .slice(-200);
  return clean && clean !== '.' && clean !== '..' ? clean : null;
}

/** A file-name-safe version of a row id for the image struct's `path` field. */
function safeName(id: string): string {
  return id.replace(/[^\w.-]+/g, '_').slice(0, 120) || 'row';
}

/**
 * A cache of processed images for one build, bounded in bytes (default 256 MB of written image bytes): the same
 * input bytes with the same options always give the same result, so a repeated image is decoded once.
 */
export function createImageCache(maxBytes = 256 * 1024 * 1024): LRUCache<string, ImageResult> {
  return new LRUCache<string, ImageResult>({
    maxSize: maxBytes,
    sizeCalculation: (im) => Math.max(1, im.bytes.byteLength),
  });
}
