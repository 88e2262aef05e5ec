/**
 * Exact sequence lengths of the recipe exports, as the model's chat template renders the whole
 * conversation: the user turn (one `<|image_pad|>` per image, expanded to the image's N tokens), the
 * assistant's answer and the template's closing tokens (`<|im_end|>\n` for Qwen), tokenized with the
 * model's own tokenizer (add_special_tokens=False). Reuses src/format's chat template, tokenizer and resize.
 */
import type { ModelProfile } from '../model/model-profile.js';
import { resizeFor } from '../images/resize.js';
import { buildMessages, renderChat } from '../model/chat-template.js';
import { encoderFor } from '../model/encoder.js';
import { applyTeacherEnding } from '../model/token-counts.js';
import type { Manifest } from '../core/types.js';
import { modelFamily } from '../model/families/family-table.js';
import type { CachedEncoder } from '../model/encoder.js';
import {
  type BuiltCounts,
  type LengthShortcut,
  answerJoinsCleanly,
  conversationTextTokens,
  lengthShortcut,
  promptTextTokens,
  teacherAnswerTokens,
} from './derived-lengths.js';
import { probeStoredImage } from './stored-image.js';

export type RecipeTrainer = 'ms-swift' | 'llamafactory';
export const RECIPE_TRAINERS: readonly RecipeTrainer[] = ['ms-swift', 'llamafactory'];

/**
 * The image settings the trainer is given: the model processor's own pixel bounds, so that it treats the build's
 * images (the originals, or shrunk to inside those bounds) as the RL trainer does; images counted accordingly:
 * - ms-swift resizes with qwen-vl-utils first, bounded by env MIN_PIXELS/MAX_PIXELS (Qwen2.5-VL, factor 28)
 *   or IMAGE_MIN_TOKEN_NUM/IMAGE_MAX_TOKEN_NUM (Qwen3-VL, tokens of 32×32 pixels);
 * - LLaMA-Factory rescales images outside [image_min_pixels, image_max_pixels] (default 32² / 768²).
 */
export interface TrainerImageSettings {
  /** Environment variables for ms-swift. */
  env: Record<string, string>;
  /** LLaMA-Factory config keys. */
  llamafactory: { image_min_pixels: number; image_max_pixels: number };
  /** The pixel bounds those settings mean for the pre-resize step. */
  minPixels: number;
  maxPixels: number;
}

export function trainerImageSettings(m: Manifest): TrainerImageSettings {
  const min = m.model.minPixels;
  const max = m.model.maxPixels;
  if (modelFamily(m.model.family).swiftImageBounds === 'tokens') {
    const unit = (2 * m.model.patchSize) ** 2;
    const minTok = Math.ceil(min / unit);
    const maxTok = Math.floor(max / unit);
    return {
      env: { IMAGE_MIN_TOKEN_NUM: String(minTok), IMAGE_MAX_TOKEN_NUM: String(maxTok) },
      llamafactory: { image_min_pixels: min, image_max_pixels: max },
      minPixels: minTok * unit,
      maxPixels: maxTok * unit,
    };
  }
  return {
    env: { MIN_PIXELS: String(min), MAX_PIXELS: String(max) },
    llamafactory: { image_min_pixels: min, image_max_pixels: max },
    minPixels: min,
    maxPixels: max,
  };
}

export interface ImageCount {
  width: number;
  height: number;
  format: string;
  tokens: number;
  /** True when the trainer would resize the stored image (the count is then the trainer's, not the build's). */
  resizedByTrainer: boolean;
  /** [w, h] the trainer's model processor sees (its grid × patch). */
  processed: [number, number];
}

export interface ConversationLength {
  /** Whole conversation: user turn + answer + closing tokens. */
  total: number;
  /** The user turn with the generation prompt (what a sampler is given). */
  prompt: number;
  /** The answer's own tokens (add_special_tokens=False). */
  response: number;
}

export class RecipeCounter {
  readonly profile: ModelProfile;
  readonly trainer: RecipeTrainer;
  readonly images: TrainerImageSettings;
  /** Lengths derived from the build's counts (derived-lengths.ts); null: every length is tokenized. */
  readonly shortcut: LengthShortcut | null;
  private encoder: CachedEncoder | null = null;

  constructor(profile: ModelProfile, manifest: Manifest, trainer: RecipeTrainer, derive = true) {
    this.profile = profile;
    this.trainer = trainer;
    this.images = trainerImageSettings(manifest);
    const sc = derive ? lengthShortcut(profile) : null;
    this.shortcut = sc && !('reason' in sc) ? sc : null;
  }

  /** The tokenizer, loaded on the first count the build's records do not give. */
  private get enc(): CachedEncoder {
    return (this.encoder ??= encoderFor(this.profile.tokenizer));
  }

  /** Size and image tokens of a stored image as the trainer will see it. */
  async image(bytes: Uint8Array): Promise<ImageCount> {
    // sharp (loaded only here, and for the GAD-size images) reads the headers of other stored images.
    const p = probeStoredImage(bytes) ?? (await (await import('../images/image-input.js')).probeImage(bytes));
    const r = this.grid(p.width, p.height);
    if (!r.ok) throw new Error(`image ${p.width}x${p.height}: ${r.error}`);
    const resized =
      r.resized[0] !== p.width ||
      r.resized[1] !== p.height ||
      (r.pre !== undefined && (r.pre[0] !== p.width || r.pre[1] !== p.height));
    return {
      width: p.width,
      height: p.height,
      format: p.format,
      tokens: r.tokens,
      resizedByTrainer: resized,
      processed: r.resized,
    };
  }

  /** How the trainer resizes an image of `width`×`height` (`resized`: [w, h] its processor sees). */
  grid(width: number, height: number): ReturnType<typeof resizeFor> {
    const g = this.profile.geometry;
    // ms-swift pre-resizes with qwen-vl-utils; LLaMA-Factory's _preprocess_image scales into its pixel bounds with
    // int() truncation, the same step as EasyR1's process_image.
    const bounds = { min: this.images.minPixels, max: this.images.maxPixels };
    return this.trainer === 'ms-swift'
      ? resizeFor(width, height, 'qwen-vl-utils', g, {
          qwenVlUtilsMinPixels: bounds.min,
          qwenVlUtilsMaxPixels: bounds.max,
        })
      : resizeFor(width, height, 'easyr1', g, { easyr1MinPixels: bounds.min, easyr1MaxPixels: bounds.max });
  }

  private count(
    messages: Array<{ role: string; content: unknown }>,
    addGenerationPrompt: boolean,
    imageTokens: readonly number[],
  ): number {
    const ids = this.enc.encode(renderChat(this.profile, messages, { addGenerationPrompt }));
    const pad = this.profile.specialTokens.imagePad;
    let pads = 0;
    for (const id of ids) if (id === pad) pads++;
    if (pads !== imageTokens.length)
      throw new Error(`the rendered conversation has ${pads} image placeholders for ${imageTokens.length} image(s)`);
    let sum = 0;
    for (const n of imageTokens) sum += n;
    return ids.length - pads + sum;
  }

  /**
   * Lengths of `prompt` (with `<image>` tags) answered by `response`. With a `limit`, a conversation surely longer
   * (from its size: see CachedEncoder.lowerBound) is not tokenized: `total` and `response` are then lower bounds and
   * `atLeast` is set. Exact whenever the total is ≤ limit.
   */
  conversation(
    prompt: string,
    imageTokens: readonly number[],
    response: string,
    limit?: number,
    /** A system turn before the user turn (the SFT export writes one). */
    system: string | null = null,
    /** The build's counts of the row, and its stored teacher response when `response` is the teacher's answer. */
    built?: { counts: BuiltCounts | null; teacher?: string },
  ): ConversationLength & { atLeast?: true } {
    const derived = built ? this.derived(prompt, imageTokens, response, limit, system, built) : null;
    if (derived) return derived;
    const user = [...(system === null ? [] : [{ role: 'system', content: system }]), ...buildMessages(prompt)];
    if (limit !== undefined && response.length > this.enc.boundReachableAbove(limit)) {
      const rendered = renderChat(this.profile, [...user, { role: 'assistant', content: response }], {
        addGenerationPrompt: false,
      });
      let imageExtra = 0;
      for (const n of imageTokens) imageExtra += n - 1;
      const lower = this.enc.lowerBound(rendered) + imageExtra;
      if (lower > limit)
        return {
          prompt: this.count(user, true, imageTokens),
          total: lower,
          response: this.enc.lowerBound(response),
          atLeast: true,
        };
    }
    return {
      prompt: this.count(user, true, imageTokens),
      total: this.count([...user, { role: 'assistant', content: response }], false, imageTokens),
      response: this.enc.encode(response).length,
    };
  }

  /** Length of the prompt alone with the generation prompt (for the sampling export). */
  prompt(prompt: string, imageTokens: readonly number[], built?: BuiltCounts | null): number {
    const sc = this.shortcut;
    const text = sc
      ? promptTextTokens(sc, { user: prompt, system: null, images: imageTokens.length, built: built ?? null })
      : null;
    if (text !== null) return text + sum(imageTokens);
    return this.count(buildMessages(prompt), true, imageTokens);
  }

  /** `conversation` from the build's counts (derived-lengths.ts), or null where that is not exact. */
  private derived(
    prompt: string,
    imageTokens: readonly number[],
    response: string,
    limit: number | undefined,
    system: string | null,
    built: { counts: BuiltCounts | null; teacher?: string },
  ): ConversationLength | null {
    const sc = this.shortcut;
    if (!sc) return null;
    const text = promptTextTokens(sc, { user: prompt, system, images: imageTokens.length, built: built.counts });
    if (text === null || !answerJoinsCleanly(sc, response)) return null;
    // The tokenizing path may stop early on an answer surely over `limit` (a lower bound): take it there. Its
    // threshold is at least limit × the longest added token, so below that the tokenizer is not needed to tell.
    const long = limit !== undefined && response.length > limit * sc.longest;
    if (long && response.length > this.enc.boundReachableAbove(limit)) return null;
    const answer =
      built.teacher !== undefined
        ? teacherAnswerTokens(sc, { answer: response, stored: built.teacher, built: built.counts })
        : this.enc.encode(response).length;
    if (answer === null) return null;
    const images = sum(imageTokens);
    return { prompt: text + images, total: conversationTextTokens(text, answer) + images, response: answer };
  }
}

function sum(xs: readonly number[]): number {
  let n = 0;
  for (const x of xs) n += x;
  return n;
}

/**
 * The recipe's ending policy, the same on every side: a trailing literal `<|im_end|>` (repeated ones
 * too) is removed, because the chat template closes every assistant turn with its own `<|im_end|>`;
 * otherwise the teacher's answers would end in two and the student's in one, and a reward model
 * learns "ends with <|im_end|> or not" instead of quality.
 */
export function stripImEnd(text: string): { text: string; stripped: boolean } {
  const t = applyTeacherEnding(text, 'strip');
  return { text: t, stripped: t.length !== text.length };
}
