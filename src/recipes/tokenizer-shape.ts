/**
 * What the exports' derived lengths (derived-lengths.ts) need to know about a tokenizer, read from tokenizer.json
 * without parsing its 11 MB (vocabulary and merges): the added tokens, the normalizer, the pre-tokenizer and the head
 * of the BPE model. `null` with a reason when the file is not of the shape the derivation is proven for; the export
 * then tokenizes as before.
 *
 * The shape (Qwen2 / Qwen2.5-VL / Qwen3-VL): added tokens that split the input (no lstrip / rstrip / single_word,
 * not normalized), an NFC normalizer, `Sequence[Split(<the Qwen2 pattern>, Isolated), ByteLevel(use_regex=false)]`,
 * a BPE model without dropout, unknown-token fusing or word suffixes, whose vocabulary holds the byte `\n` (`Ċ`).
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { isRecord } from '../core/guards.js';

/** The Qwen2 pre-tokenizer, exactly as tokenizer.json holds it. */
export const QWEN_PRE_TOKENIZER = {
  type: 'Sequence',
  pretokenizers: [
    {
      type: 'Split',
      pattern: {
        Regex:
          "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
      },
      behavior: 'Isolated',
      invert: false,
    },
    { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
  ],
};

export interface TokenizerShape {
  /** Every added token's text (each is one id wherever it occurs). */
  added: string[];
}

/** The bytes read to find the keys before `model` (the added tokens of a Qwen tokenizer take about 5 kB). */
const HEAD_BYTES = 1 << 20;

const STRING = /"(?:[^"\\]|\\.)*"/y;
const PRIMITIVE = /-?\d[\d.eE+-]*|true|false|null/y;

/** The end (exclusive) of the JSON value starting at `i` (after white space), or -1. */
function valueEnd(text: string, start: number): number {
  let i = start;
  let depth = 0;
  do {
    const c = text[i];
    if (c === undefined) return -1;
    if (c === '"') {
      STRING.lastIndex = i;
      if (!STRING.test(text)) return -1;
      i = STRING.lastIndex;
    } else if (c === '{' || c === '[') {
      depth++;
      i++;
    } else if (c === '}' || c === ']') {
      depth--;
      i++;
    } else if (depth > 0) i++;
    else {
      PRIMITIVE.lastIndex = i;
      if (!PRIMITIVE.test(text)) return -1;
      i = PRIMITIVE.lastIndex;
    }
  } while (depth > 0);
  return i;
}

/** The object's keys and values from `i` (at its `{`) until the key `stop` (its value's start), or null. */
function keysUntil(text: string, i: number, stop: string): { values: Map<string, unknown>; at: number } | null {
  const values = new Map<string, unknown>();
  const ws = /[\s,]*/y;
  if (text[i] !== '{') return null;
  let at = i + 1;
  for (;;) {
    ws.lastIndex = at;
    ws.test(text);
    at = ws.lastIndex;
    STRING.lastIndex = at;
    const m = STRING.exec(text);
    if (!m) return null;
    const key = JSON.parse(m[0]) as string;
    const colon = /\s*:\s*/y;
    colon.lastIndex = STRING.lastIndex;
    if (!colon.test(text)) return null;
    at = colon.lastIndex;
    if (key === stop) return { values, at };
    const end = valueEnd(text, at);
    if (end < 0 || values.has(key)) return null;
    values.set(key, JSON.parse(text.slice(at, end)));
    at = end;
  }
}

/** The first `size` bytes of `path` (fewer when the file is shorter). */
function readHead(path: string, size: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(size);
    return buf.subarray(0, readSync(fd, buf, 0, size, 0));
  } finally {
    closeSync(fd);
  }
}

/** The top-level keys before `model` and the model's keys before `vocab`, from the file's head, or why not. */
function headKeys(
  path: string,
): { t: Map<string, unknown>; m: Map<string, unknown>; bytes: Buffer } | { reason: string } {
  // A small head first (a Qwen tokenizer's keys end within 10 kB); the whole HEAD_BYTES when they do not fit in it.
  // Keys read whole from a shorter head are the same as from a longer one: a value cut at its end does not parse.
  for (const size of [1 << 16, HEAD_BYTES]) {
    const bytes = readHead(path, size);
    const head = bytes.toString('utf8');
    const top = keysUntil(head, head.search(/\S/), 'model');
    const model = top && keysUntil(head, top.at, 'vocab');
    if (top && model) return { t: top.values, m: model.values, bytes };
    if (size < HEAD_BYTES && bytes.length === size) continue;
    if (!top) return { reason: 'the keys before "model" of tokenizer.json could not be read' };
    return { reason: 'the BPE model head could not be read' };
  }
  return { reason: 'the keys before "model" of tokenizer.json could not be read' };
}

/** The tokenizer shape of `path` (a tokenizer.json), or why the derivation does not apply. */
export function readTokenizerShape(path: string): TokenizerShape | { reason: string } {
  const keys = headKeys(path);
  if ('reason' in keys) return keys;
  const { t, m, bytes: headBytes } = keys;
  if (!isDeepStrictEqual(t.get('normalizer'), { type: 'NFC' })) return { reason: 'normalizer is not NFC' };
  if (!isDeepStrictEqual(t.get('pre_tokenizer'), QWEN_PRE_TOKENIZER)) return { reason: 'not the Qwen2 pre-tokenizer' };
  const post = t.get('post_processor');
  if (post !== null && !(isRecord(post) && post.type === 'ByteLevel')) return { reason: 'post-processor adds tokens' };
  if (m.get('type') !== 'BPE' || (m.get('dropout') ?? null) !== null || m.get('fuse_unk') === true)
    return { reason: 'model is not a plain BPE' };
  if (m.get('end_of_word_suffix') || m.get('continuing_subword_prefix')) return { reason: 'BPE word affixes' };
  const added: string[] = [];
  const list = t.get('added_tokens');
  if (!Array.isArray(list)) return { reason: 'no added_tokens list' };
  for (const a of list) {
    if (!isRecord(a) || typeof a.content !== 'string' || !a.content) return { reason: 'an added token has no text' };
    if (a.lstrip === true || a.rstrip === true || a.single_word === true || a.normalized === true)
      return { reason: `added token ${a.content} strips, matches single words or is normalized` };
    added.push(a.content);
  }
  // A one-byte piece is one token when the byte's symbol is in the vocabulary (`\n` is `Ċ`, U+010A). The byte
  // symbols come first in a byte-level vocabulary, so the head read above usually holds it: the whole file is read
  // only when it does not.
  const hasNewline = (b: Buffer) =>
    b.indexOf('"Ċ":') >= 0 || b.indexOf('"\\u010a":') >= 0 || b.indexOf('"\\u010A":') >= 0;
  if (!hasNewline(headBytes) && !hasNewline(readFileSync(path)))
    return { reason: 'the vocabulary has no newline byte' };
  return { added };
}
