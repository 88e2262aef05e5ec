/**
 * A faster `tokenizer.encode(text, {add_special_tokens: false}).ids` that gives the same ids by
 * construction, for byte-level BPE tokenizers like Qwen's.
 *
 * @huggingface/tokenizers encodes a text in these steps (Tokenizer.encode_text, v0.2):
 *   1. split on the added tokens that are not normalized (a trie; each added token becomes its id),
 *   2. normalize each remaining section (NFC for Qwen), split again on normalized added tokens,
 *   3. pre-tokenize each sub-section: Sequence[Split(regex, Isolated), ByteLevel(use_regex=false)],
 *   4. run the BPE model on the list of pre-tokens, which handles each pre-token on its own and
 *      concatenates (BPE.encode loops over them; fuse_unk is off), then map tokens to ids.
 * The ByteLevel step with use_regex=false maps one Split piece to exactly one byte-level string, so
 * the ids of a text are the concatenation, over the Split pieces, of model([byteLevel(piece)]). We
 * run steps 1-3a with the library's own objects and cache step 3b+4 per Split piece (most pieces —
 * words, numbers, the format prompt's instruction — repeat across rows). Nothing is re-implemented:
 * the regex, normalizer, splitters and BPE are the library's, so the ids cannot differ.
 *
 * The fast path is used only when the tokenizer has exactly that shape (checked from its config);
 * any other tokenizer, or a library whose internals moved, falls back to `encode` itself.
 * Tests compare both paths on every golden line and on random text.
 */
import type { Tokenizer } from '@huggingface/tokenizers';
import { PackedMap } from './packed-map.js';

interface PreTokenizerStep {
  pre_tokenize_text(text: string, options?: unknown): string[];
  config?: Record<string, unknown>;
}

interface Internals {
  splitter_unnormalized: { split(text: string): string[] };
  splitter_normalized: { split(text: string): string[] };
  added_tokens_map: Map<string, { id: number; lstrip: boolean; rstrip: boolean }>;
  added_tokens?: Array<{ normalized: boolean }>;
  normalizer: ((text: string) => string) | null;
  pre_tokenizer: {
    tokenizers?: PreTokenizerStep[];
  } | null;
  model: ((tokens: string[]) => string[]) & {
    tokens_to_ids: Map<string, number>;
    unk_token_id?: number;
    fuse_unk?: boolean;
  };
  remove_space?: unknown;
  do_lowercase_and_remove_accent?: unknown;
  tokenizer?: Record<string, unknown>;
}

const CACHE_LIMIT = 200_000;

export class CachedEncoder {
  readonly tokenizer: Tokenizer;
  /** True when the per-piece cache is used; false when every call goes to `tokenizer.encode`. */
  readonly fast: boolean;
  /** Why the fast path is off (for tests and diagnostics). */
  readonly reason: string;
  private readonly cache = new Map<string, number[]>();
  private readonly t: Internals;
  /** The fast path's two pre-tokenizer steps: the Split, then the ByteLevel mapping (null: no fast path). */
  private readonly steps: [PreTokenizerStep, PreTokenizerStep] | null;
  /** False when no added token is `normalized`: the library's second splitter has an empty trie then, and splits nothing. */
  private readonly splitNormalized: boolean;
  /** Most UTF-8 bytes of input one token can stand for (0: no sound bound known); see lowerBound. */
  private bytesPerTokenMax: number | null = null;

  constructor(tokenizer: Tokenizer) {
    this.tokenizer = tokenizer;
    this.t = tokenizer as unknown as Internals;
    const why = this.checkShape();
    this.fast = why === '';
    this.reason = why;
    const steps = this.fast ? this.t.pre_tokenizer?.tokenizers : undefined;
    this.steps = steps?.[0] && steps[1] ? [steps[0], steps[1]] : null;
    // The library puts an added token in splitter_normalized when `token.normalized && normalizer`.
    const added = this.t.added_tokens;
    this.splitNormalized =
      !Array.isArray(added) || (this.t.normalizer !== null && added.some((a) => a.normalized !== false));
  }

  private checkShape(): string {
    const t = this.t;
    const json = t.tokenizer;
    if (!json || typeof json !== 'object') return 'no tokenizer config';
    if (!t.splitter_unnormalized?.split || !t.splitter_normalized?.split || !(t.added_tokens_map instanceof Map))
      return 'library internals differ';
    if (t.remove_space === true || t.do_lowercase_and_remove_accent) return 'remove_space / lowercase options';
    const pre = json.pre_tokenizer as { type?: string; pretokenizers?: Array<Record<string, unknown>> } | null;
    if (!pre || pre.type !== 'Sequence' || pre.pretokenizers?.length !== 2)
      return 'pre-tokenizer is not Sequence[Split, ByteLevel]';
    const [split, bl] = pre.pretokenizers;
    if (split?.type !== 'Split' || split.invert !== false || String(split.behavior).toLowerCase() !== 'isolated')
      return 'first pre-tokenizer is not an isolated Split';
    if (bl?.type !== 'ByteLevel' || bl.use_regex !== false || bl.add_prefix_space === true)
      return 'second pre-tokenizer is not ByteLevel(use_regex=false)';
    const model = json.model as Record<string, unknown> | undefined;
    if (
      !model ||
      model.type !== 'BPE' ||
      model.fuse_unk === true ||
      (model.dropout !== null && model.dropout !== undefined)
    )
      return 'model is not a plain BPE';
    const post = json.post_processor as { type?: string } | null;
    if (post && post.type !== 'ByteLevel') return 'post-processor adds tokens';
    for (const tok of t.added_tokens_map.values())
      if (tok.lstrip || tok.rstrip) return 'added tokens with lstrip/rstrip';
    const steps = t.pre_tokenizer?.tokenizers;
    if (
      !steps ||
      steps.length !== 2 ||
      typeof steps[0]?.pre_tokenize_text !== 'function' ||
      typeof steps[1]?.pre_tokenize_text !== 'function'
    )
      return 'library internals differ';
    if (typeof t.model !== 'function' || !(t.model.tokens_to_ids instanceof Map)) return 'library internals differ';
    return '';
  }

  /**
   * A lower bound on `encode(text).length` from the text's UTF-8 size alone, without tokenizing: a byte-level BPE
   * token stands for at most as many bytes as its longest vocabulary entry (128 for Qwen), an added token for its
   * own length, and NFC, the only normalizer allowed here, shrinks text at most 3-fold (Hangul L+V+T → one
   * syllable, U+212A KELVIN SIGN → K). So tokens ≥ ceil(bytes / (3 · 128)). 0 for other tokenizer shapes.
   */
  lowerBound(text: string): number {
    if (this.bytesPerTokenMax === null) this.bytesPerTokenMax = this.computeBytesPerTokenMax();
    if (this.bytesPerTokenMax === 0) return 0;
    return Math.ceil(Buffer.byteLength(text, 'utf8') / this.bytesPerTokenMax);
  }

  /** The largest text length (UTF-16 units) whose lower bound can still be ≤ `tokens`: longer texts may be past it. */
  boundReachableAbove(tokens: number): number {
    if (this.bytesPerTokenMax === null) this.bytesPerTokenMax = this.computeBytesPerTokenMax();
    // a UTF-16 unit is at most 3 UTF-8 bytes
    return this.bytesPerTokenMax === 0 ? Number.POSITIVE_INFINITY : Math.floor((tokens * this.bytesPerTokenMax) / 3);
  }

  private computeBytesPerTokenMax(): number {
    if (!this.fast) return 0;
    const norm = (this.t.tokenizer?.normalizer ?? null) as { type?: string } | null;
    if (norm !== null && norm.type !== 'NFC') return 0;
    // byte-level: one char per byte. A cached tokenizer's PackedMap gives the longest key without copying its entries.
    const vocab = this.t.model.tokens_to_ids;
    let max = 1;
    if (vocab instanceof PackedMap) max = Math.max(max, vocab.maxKeyLength());
    else for (const k of vocab.keys()) if (k.length > max) max = k.length;
    for (const k of this.t.added_tokens_map.keys()) max = Math.max(max, Buffer.byteLength(k, 'utf8'));
    return max * (norm === null ? 1 : 3);
  }

  /** Forget the cached pieces (benchmarks measure a cold start with it). */
  clearCache(): void {
    this.cache.clear();
  }

  /** `tokenizer.encode(text, { add_special_tokens: false }).ids`. */
  encode(text: string): number[] {
    if (!this.fast || !this.steps) return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
    const [splitStep, byteLevel] = this.steps;
    const t = this.t;
    const out: number[] = [];
    const added = t.added_tokens_map;
    for (const section of t.splitter_unnormalized.split(text)) {
      if (section.length === 0) continue;
      const a = added.get(section);
      if (a) {
        out.push(a.id);
        continue;
      }
      const normalized = t.normalizer ? t.normalizer(section) : section;
      if (normalized.length === 0) continue;
      const subs = this.splitNormalized ? t.splitter_normalized.split(normalized) : [normalized];
      for (const sub of subs) {
        if (sub.length === 0) continue;
        const b = added.get(sub);
        if (b) {
          out.push(b.id);
          continue;
        }
        for (const piece of splitStep.pre_tokenize_text(sub)) this.pushPiece(piece, out, byteLevel);
      }
    }
    return out;
  }

  private pushPiece(piece: string, out: number[], byteLevel: PreTokenizerStep): void {
    let ids = this.cache.get(piece);
    if (!ids) {
      const t = this.t;
      const tokens = t.model(byteLevel.pre_tokenize_text(piece));
      ids = tokens.map((x) => added(t, x) ?? t.model.tokens_to_ids.get(x) ?? (t.model.unk_token_id as number));
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(piece, ids);
    }
    for (const id of ids) out.push(id);
  }
}

function added(t: Internals, token: string): number | undefined {
  return t.added_tokens_map.get(token)?.id;
}

const encoders = new WeakMap<Tokenizer, CachedEncoder>();

/** One shared CachedEncoder per Tokenizer object. */
export function encoderFor(tokenizer: Tokenizer): CachedEncoder {
  let e = encoders.get(tokenizer);
  if (!e) {
    e = new CachedEncoder(tokenizer);
    encoders.set(tokenizer, e);
  }
  return e;
}
