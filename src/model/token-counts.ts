/**
 * Exact prompt and response token counts, as the trainers compute them:
 * prompt = tokens(rendered chat template, add_special_tokens=False) + Σ over images (N − 1),
 * with one `<|image_pad|>` per image in the rendered text expanding to N tokens.
 */
import { encoderFor, type CachedEncoder } from './encoder.js';
import type { ModelProfile } from './model-profile.js';
import { buildMessages, renderChat, type FormatPrompt } from './chat-template.js';
import type { PromptMessage } from '../core/types.js';

export interface PromptCount {
  /** The format prompt applied to the problem. */
  formatted: string;
  /** The chat template rendered with add_generation_prompt=True. */
  rendered: string;
  /** Tokens of `rendered` as tokenized, one <|image_pad|> placeholder per image included (= ids.length). */
  renderedTokens: number;
  /** Text tokens without the placeholders: renderedTokens − nImagesInText. */
  textTokens: number;
  /** Σ image tokens given (N per image: the placeholder expands to N tokens, so it is counted here). */
  imageTokens: number;
  /** textTokens + imageTokens: the processor's input_ids length. */
  promptTokens: number;
  /** <|image_pad|> tokens found in the tokenized text (what the processor expands). */
  nImagesInText: number;
  /** Token ids of `rendered`, when asked for. */
  ids?: number[];
  /** Counting stopped early: the prompt is surely over `limit`, and the counts are lower bounds (see CachedEncoder.lowerBound). */
  atLeast?: boolean;
  /** countMessages: the message list as written (format prompt applied to the prompt message, contents as text). */
  messages?: PromptMessage[];
}

export class PromptCounter {
  readonly profile: ModelProfile;
  readonly formatPrompt: FormatPrompt;
  private readonly encoder: CachedEncoder;

  constructor(profile: ModelProfile, formatPrompt: FormatPrompt) {
    this.profile = profile;
    this.formatPrompt = formatPrompt;
    this.encoder = encoderFor(profile.tokenizer);
  }

  /** Token ids of a text with add_special_tokens=False (special-token strings in the text become their ids). */
  encode(text: string): number[] {
    return this.encoder.encode(text);
  }

  /** Number of tokens of a text with add_special_tokens=False. */
  countText(text: string): number {
    return this.encode(text).length;
  }

  /**
   * Tokens of a response (add_special_tokens=False), counted exactly unless a `limit` is given and the text is
   * surely over it: then counting stops and the lower bound from its size is returned with `atLeast` (a 50 MB
   * answer is not tokenized whole). Exact whenever the count is ≤ limit.
   */
  countWithin(text: string, limit?: number): { tokens: number; atLeast?: true } {
    if (limit !== undefined && Number.isFinite(limit) && text.length > this.encoder.boundReachableAbove(limit)) {
      const lower = this.encoder.lowerBound(text);
      if (lower > limit) return { tokens: lower, atLeast: true };
    }
    return { tokens: this.countText(text) };
  }

  /** Format, render and count one prompt. `imageTokens` holds N for each image of the row. */
  count(problem: string, imageTokens: readonly number[], opts: { ids?: boolean; limit?: number } = {}): PromptCount {
    const formatted = this.formatPrompt.render(problem);
    return this.tally(formatted, renderChat(this.profile, buildMessages(formatted)), imageTokens, opts);
  }

  /**
   * Count a verl message-list prompt as verl renders it (`RLHFDataset._build_messages`, then
   * `apply_chat_template(messages, add_generation_prompt=True)`): every turn kept; when the row has images,
   * each message's text is split on `<image>` into image/text items (empty pieces dropped), else contents stay
   * text. `format` (null: none) is applied to `messages[promptMessage]` only.
   */
  countMessages(
    messages: readonly PromptMessage[],
    promptMessage: number,
    imageTokens: readonly number[],
    format: FormatPrompt | null,
    opts: { ids?: boolean; limit?: number } = {},
  ): PromptCount {
    const written = messages.map((m, i) => ({
      role: m.role,
      content: i === promptMessage && format ? format.render(m.content) : m.content,
    }));
    const chat = imageTokens.length
      ? written.map((m) => ({
          role: m.role,
          content: m.content
            .split('<image>')
            .flatMap((piece, i) => [
              ...(i ? [{ type: 'image' }] : []),
              ...(piece ? [{ type: 'text', text: piece }] : []),
            ]),
        }))
      : written;
    const out = this.tally(written[promptMessage]?.content ?? '', renderChat(this.profile, chat), imageTokens, opts);
    out.messages = written;
    return out;
  }

  private tally(
    formatted: string,
    rendered: string,
    imageTokens: readonly number[],
    opts: { ids?: boolean; limit?: number },
  ): PromptCount {
    let imageExtra = 0;
    for (const n of imageTokens) imageExtra += n - 1;
    // A prompt far over the limit (a 20 MB text) is not tokenized in full: a lower bound from its size shows it
    // cannot fit, and that bound is what is reported (atLeast). Exact counts below that.
    if (opts.limit !== undefined && !opts.ids && rendered.length > this.encoder.boundReachableAbove(opts.limit)) {
      const lower = this.encoder.lowerBound(rendered);
      if (lower + imageExtra > opts.limit) {
        return {
          formatted,
          rendered,
          renderedTokens: lower,
          textTokens: Math.max(0, lower - imageTokens.length),
          imageTokens: imageExtra + imageTokens.length,
          promptTokens: lower + imageExtra,
          nImagesInText: imageTokens.length,
          atLeast: true,
        };
      }
    }
    const ids = this.encode(rendered);
    const pad = this.profile.specialTokens.imagePad;
    let nImagesInText = 0;
    for (const id of ids) if (id === pad) nImagesInText++;
    let imageSum = 0;
    for (const n of imageTokens) imageSum += n;
    const out: PromptCount = {
      formatted,
      rendered,
      renderedTokens: ids.length,
      textTokens: ids.length - nImagesInText,
      imageTokens: imageSum,
      promptTokens: ids.length - nImagesInText + imageSum,
      nImagesInText,
    };
    if (opts.ids) out.ids = ids;
    return out;
  }
}

export type TeacherEnding = 'keep' | 'strip' | 'append';

const IM_END = '<|im_end|>';

/** True if the text ends with the literal `<|im_end|>` (the token student rollouts end with). */
export function endsWithImEnd(text: string): boolean {
  return text.endsWith(IM_END);
}

/**
 * The teacher-response ending policy: `keep` the text as is; `strip` the literal `<|im_end|>` tokens at
 * the very end (repeated ones too; whitespace before them is kept); `append` one `<|im_end|>` unless
 * the text already ends with it.
 */
export function applyTeacherEnding(text: string, policy: TeacherEnding): string {
  switch (policy) {
    case 'keep':
      return text;
    case 'strip': {
      let t = text;
      while (t.endsWith(IM_END)) t = t.slice(0, -IM_END.length);
      return t;
    }
    case 'append':
      return endsWithImEnd(text) ? text : text + IM_END;
    default:
      throw new Error(`unknown teacher ending policy: ${String(policy)}`);
  }
}

/** Tokens of a teacher response as the GAD trainer tokenizes it (add_special_tokens=False). */
export function countResponse(profile: ModelProfile, text: string): number {
  return encoderFor(profile.tokenizer).encode(text).length;
}
