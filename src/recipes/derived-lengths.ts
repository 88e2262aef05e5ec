/**
 * The exports' sequence lengths derived from the build's own counts (lengths.jsonl), without the tokenizer, when
 * this is exact; `null` otherwise (the caller then tokenizes the rendered conversation as before).
 *
 * Why it is exact, for the chat templates listed in KNOWN_TEMPLATES (Qwen2.5-VL's and Qwen3-VL's, read and
 * checked: they emit each message's content as it is, and render an assistant answer `R` as
 * `<|im_start|>assistant\n` + R + `<|im_end|>\n`, the generation prompt being `<|im_start|>assistant\n`) and a
 * tokenizer of the shape tokenizer-shape.ts checks:
 * 1. The export's prompt (one user turn, or a system turn and one user turn, with ≥ 1 image) renders to the same
 *    text the build rendered and counted: the build split every message on `<image>` into image / text items, the
 *    export renders the system turn as a string, which both templates print the same when it holds no `<image>`.
 *    So its text tokens are the build's `text_tokens` (which leave out the `<|image_pad|>` placeholders).
 * 2. The whole conversation is that prompt + R + `<|im_end|>` + `\n`. The tokenizer first splits the text on its
 *    added tokens, and tokenizes each piece between them on its own; `<|im_end|>` is one added token and `\n` after
 *    it a piece of one byte, one token. The piece `assistant\n` (after `<|im_start|>`) runs into R's first piece:
 *    NFC leaves a newline alone, and the Qwen2 pattern splits `assistant`, then `\n`, then R as it splits R alone,
 *    unless R starts with white space (`\s*[\r\n]+` would take the newline and R's leading white space together).
 *    No added token may run across either end of R.
 * 3. R's own count is the build's `response_tokens` for the teacher answer (less one per `<|im_end|>` the export
 *    strips from its end, each an added token), or the tokenizer's count of R (the student's answer).
 * So total = text_tokens + count(R) + 2 + the export's image tokens; prompt = text_tokens + the image tokens.
 * test/export/derived-lengths.test.ts compares these with the tokenizer's count of the rendered text.
 */
import type { ModelProfile } from '../model/model-profile.js';
import { type TokenizerShape, readTokenizerShape } from './tokenizer-shape.js';
import { join } from 'node:path';

/** sha256 of the chat templates the derivation is proven for: Qwen2.5-VL-Instruct's and Qwen3-VL-Instruct's. */
export const KNOWN_TEMPLATES: ReadonlySet<string> = new Set([
  'a0bc6f6fc7a29a80017a433e8f03a1cc1236e838a944a2d034295a60c4f2fddb',
  '3636d0f0bd6bef02654cdffdc447b79cb2cef8ab02cc75267345946291a489e4',
]);

const ASSISTANT_START = '<|im_start|>assistant\n';
const TAIL = '<|im_end|>\n';
/** Closing tokens after the answer: `<|im_end|>` and `\n`. */
const TAIL_TOKENS = 2;
const IMAGE_TAG = '<image>';

export interface LengthShortcut {
  shape: TokenizerShape;
  imEnd: string;
  imagePad: string;
  /** Longest added token, in UTF-16 units. */
  longest: number;
}

/** The shortcut for this model, or why there is none. */
export function lengthShortcut(profile: ModelProfile): LengthShortcut | { reason: string } {
  if (!KNOWN_TEMPLATES.has(profile.chatTemplateSha256))
    return { reason: 'chat template not one the derivation covers' };
  const shape = readTokenizerShape(join(profile.dir, 'tokenizer.json'));
  if ('reason' in shape) return shape;
  const imEnd = profile.imEndToken;
  const imagePad = '<|image_pad|>';
  if (imEnd !== '<|im_end|>' || !shape.added.includes(imEnd) || !shape.added.includes(imagePad))
    return { reason: '<|im_end|> or <|image_pad|> is not an added token' };
  if (!shape.added.includes('<|im_start|>')) return { reason: '<|im_start|> is not an added token' };
  return { shape, imEnd, imagePad, longest: Math.max(...shape.added.map((a) => a.length)) };
}

/** The build's counts of one row (its lengths.jsonl line). */
export interface BuiltCounts {
  textTokens: number;
  imageTokens: number;
  promptTokens: number;
  /** Tokens of the stored teacher response; null when the build has none. */
  responseTokens: number | null;
}

/** True when an added token occurrence in `left + right` runs across their join. */
function crossesJoin(sc: LengthShortcut, left: string, right: string): boolean {
  const l = left.slice(-(sc.longest - 1));
  const window = l + right.slice(0, sc.longest - 1);
  for (const a of sc.shape.added) {
    for (let at = window.indexOf(a); at >= 0; at = window.indexOf(a, at + 1))
      if (at < l.length && at + a.length > l.length) return true;
  }
  return false;
}

/** White space (any definition a pre-tokenizer may use) or a control character. */
const SPACE_START = /^[\s\p{White_Space}\p{Z}\p{Cc}\p{Cf}]/u;

/**
 * The prompt's text tokens (the build's `text_tokens`) when the export renders exactly the text the build counted:
 * a user turn (and a system turn) with ≥ 1 image, its `<image>` tags the images, no literal `<|image_pad|>`.
 */
export function promptTextTokens(
  sc: LengthShortcut,
  p: { user: string; system: string | null; images: number; built: BuiltCounts | null },
): number | null {
  const b = p.built;
  if (!b || p.images < 1 || b.textTokens + b.imageTokens !== b.promptTokens) return null;
  if (p.user.split(IMAGE_TAG).length - 1 !== p.images || p.user.includes(sc.imagePad)) return null;
  if (p.system !== null && (p.system.includes(IMAGE_TAG) || p.system.includes(sc.imagePad))) return null;
  return b.textTokens;
}

/** True when the answer `r` after the generation prompt and before `<|im_end|>\n` adds exactly its own tokens. */
export function answerJoinsCleanly(sc: LengthShortcut, r: string): boolean {
  if (r === '') return false;
  const startsAdded = sc.shape.added.some((a) => r.startsWith(a));
  if (!startsAdded && SPACE_START.test(r)) return false;
  if (crossesJoin(sc, ASSISTANT_START, r) || crossesJoin(sc, r, TAIL)) return false;
  // NFC of the piece `assistant\n` + R's first piece is `assistant\n` + NFC(R's first piece) (a newline is stable).
  const first = r.slice(0, 64);
  return `\n${first}`.normalize('NFC') === `\n${first.normalize('NFC')}`;
}

/**
 * Tokens of the teacher answer `r` (the stored response less `stripped` trailing `<|im_end|>`) from the build's
 * count of the stored response, or null.
 */
export function teacherAnswerTokens(
  sc: LengthShortcut,
  p: { answer: string; stored: string; built: BuiltCounts | null },
): number | null {
  const n = p.built?.responseTokens;
  if (n === null || n === undefined) return null;
  const rest = p.stored.slice(p.answer.length);
  if (!p.stored.startsWith(p.answer) || rest !== sc.imEnd.repeat(rest.length / sc.imEnd.length)) return null;
  if (rest && crossesJoin(sc, p.answer, rest)) return null;
  return n - rest.length / sc.imEnd.length;
}

/** Whole-conversation text tokens: the prompt's, the answer's and the closing `<|im_end|>\n`. */
export function conversationTextTokens(promptText: number, answer: number): number {
  return promptText + answer + TAIL_TOKENS;
}
