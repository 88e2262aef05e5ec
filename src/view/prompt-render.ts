/**
 * A row's prompt as the trainer renders it: the prompt cell read as ingest reads it, the format prompt (EasyR1
 * applies it; verl prompts hold it already), the model's chat template with add_generation_prompt — counted by the
 * same PromptCounter as the build — and cut into text and image pieces (each `<|image_pad|>` stands for the
 * image's tokens). When the prompt is over max_prompt_length, the character where the limit falls.
 */
import { PromptCounter } from '../model/token-counts.js';
import { type FormatPrompt } from '../model/chat-template.js';
import { type ModelProfile } from '../model/model-profile.js';
import { promptText } from '../ingest/prompt.js';
import { modelFamily } from '../model/families/family-table.js';

export type PromptPiece = { text: string } | { imageTokens: number };

export interface RenderedPrompt {
  pieces: PromptPiece[];
  textTokens: number;
  imageTokens: number;
  promptTokens: number;
  /** Over the limit: the index of the piece and the character in it where token number `limit` ends. */
  cut: { piece: number; char: number } | null;
}

/** The image placeholder of the counter's model family (`<|image_pad|>`). */
const padOf = (counter: PromptCounter): string => modelFamily(counter.profile.family).tokens.imagePad;

export function renderPrompt(p: {
  profile: ModelProfile;
  formatPrompt: FormatPrompt;
  target: 'verl' | 'easyr1';
  cell: unknown;
  imageTokens: number[];
  limit: number | null;
}): RenderedPrompt | { error: string } {
  const read = promptText(p.cell);
  if ('error' in read) return { error: read.error };
  const counter = new PromptCounter(p.profile, p.formatPrompt);
  const c =
    read.messages && read.promptMessage !== undefined
      ? counter.countMessages(
          read.messages,
          read.promptMessage,
          p.imageTokens,
          p.target === 'verl' ? null : p.formatPrompt,
        )
      : counter.count(read.text ?? '', p.imageTokens);
  if (c.nImagesInText !== p.imageTokens.length)
    return {
      error: `the rendered prompt holds ${c.nImagesInText} image placeholder(s) for ${p.imageTokens.length} image(s)`,
    };
  const pieces: PromptPiece[] = [];
  c.rendered.split(padOf(counter)).forEach((text, i) => {
    if (i) pieces.push({ imageTokens: p.imageTokens[i - 1]! });
    if (text) pieces.push({ text });
  });
  let cut: RenderedPrompt['cut'] = null;
  if (p.limit !== null && c.promptTokens > p.limit) cut = findCut(counter, c.rendered, p.imageTokens, p.limit, pieces);
  return { pieces, textTokens: c.textTokens, imageTokens: c.imageTokens, promptTokens: c.promptTokens, cut };
}

/** Tokens of the rendered text's first `chars` characters, image placeholders counted as their images. */
function tokensUpTo(counter: PromptCounter, rendered: string, imageTokens: number[], chars: number): number {
  const prefix = rendered.slice(0, chars);
  const pads = prefix.split(padOf(counter)).length - 1;
  let extra = 0;
  for (let i = 0; i < pads; i++) extra += imageTokens[i]! - 1;
  return counter.countText(prefix) + extra;
}

function findCut(
  counter: PromptCounter,
  rendered: string,
  imageTokens: number[],
  limit: number,
  pieces: PromptPiece[],
): RenderedPrompt['cut'] {
  let lo = 0;
  let hi = rendered.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (tokensUpTo(counter, rendered, imageTokens, mid) <= limit) lo = mid;
    else hi = mid - 1;
  }
  // lo: characters of the rendered text within the limit; find its piece (images are the pad's length in characters).
  const padLength = padOf(counter).length;
  let at = 0;
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    const len = 'text' in piece ? piece.text.length : padLength;
    if (lo < at + len) return { piece: i, char: 'text' in piece ? lo - at : 0 };
    at += len;
  }
  return { piece: pieces.length - 1, char: 0 };
}
