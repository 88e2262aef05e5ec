import { sha256, sha256Digest } from '../core/hash.js';
import { HexKeyTable } from '../core/key-table.js';
import { firstDrop, rowRules, viewOfSample, type RowRule } from './row-rules.js';
import { Tally } from '../core/tally.js';
import type { Drop, DropReason, Sample } from '../core/types.js';

/** What the standard chain checks. */
export interface FilterOptions {
  /** A row is kept when prompt tokens ≤ this (as verl's/EasyR1's `filter_overlong_prompts`). */
  maxPromptLength: number;
  /** A row with a teacher response is kept when response tokens ≤ this. */
  maxResponseLength: number;
  /** Drop rows with more than one image (`multi_image`): config `single_image`. */
  singleImage: boolean;
  /** Drop rows without a (non-blank) teacher response (`no_teacher_response`); true for GAD builds. */
  requireTeacher: boolean;
  /** Drop repeated rows within a split (`duplicate`). */
  dedupe: boolean;
  /** Drop rows equal to a row already kept in another split (`leak`). */
  leakCheck: boolean;
  /** Drop rows with no image at all (`no_image`): config `require_image`. */
  requireImage: boolean;
}

/** A small composable step. `check` returns a Drop to reject the sample, undefined to pass it. */
export interface FilterStep {
  name: string;
  check(sample: Sample): Drop | undefined;
  /** Called once the sample passed every step of the chain (e.g. to remember it for dedupe). */
  accept?(sample: Sample): void;
  /** Restore what `accept` remembered of a kept row from its dedupe key (a resumed build replays kept rows). */
  remember?(split: string, key: string): void;
  /** The dedupe key this step computed for a sample it checked (saves hashing the row again). */
  keyOf?(sample: Sample): string | undefined;
}

/**
 * Runs the steps in order on each sample. A sample that arrives with `drop` already set (format's image
 * problems: image_undecodable, image_too_large, aspect_ratio, image_too_small) is counted and skips the steps.
 * The first step returning a Drop decides; `apply` also sets `sample.drop`.
 *
 * Dedupe and leak checks remember kept rows, so the result depends on the order samples are applied in:
 * apply them in a deterministic order (split by split, by index) for reproducible builds.
 */
export class FilterChain {
  readonly steps: FilterStep[];
  /** Where each row's outcome is counted, once (a build passes its own, which the manifest's counts come from). */
  readonly tally: Tally;

  constructor(steps: FilterStep[], tally: Tally = new Tally()) {
    this.steps = steps;
    this.tally = tally;
  }

  /** The standard chain: the row rules of rules.ts in their order (empty_prompt, image_count_mismatch / no_image /
   * multi_image, no_teacher_response, prompt_too_long, response_too_long), then duplicate / leak. */
  static standard(opts: FilterOptions, tally?: Tally): FilterChain {
    const rules = rowRules(opts);
    const steps: FilterStep[] = [ruleStep(rules)];
    if (opts.dedupe || opts.leakCheck) steps.push(new DedupeStep({ dedupe: opts.dedupe, leakCheck: opts.leakCheck }));
    const chain = new FilterChain(steps, tally);
    chain.rules = rules;
    return chain;
  }

  /** The row rules of a standard chain (rules.ts), for `precheck`. */
  private rules: RowRule[] = [];

  /**
   * The `row` rules (no images read, no tokens counted) on a sample before format: sets `sample.drop` so format
   * skips the row; the drop is counted once, by `apply`. The same order as validate's.
   */
  precheck(sample: Sample): Drop | undefined {
    if (sample.drop) return sample.drop;
    const d = firstDrop(this.rules, viewOfSample(sample), 'row');
    if (d) sample.drop = d;
    return d;
  }

  apply(sample: Sample): Drop | undefined {
    let drop = sample.drop;
    if (!drop) {
      for (const step of this.steps) {
        drop = step.check(sample);
        if (drop) break;
      }
    }
    if (drop) {
      sample.drop = drop;
      this.tally.book(sample.split, drop.reason);
      return drop;
    }
    for (const step of this.steps) step.accept?.(sample);
    this.tally.book(sample.split, null);
    return undefined;
  }

  /**
   * Replay a row of an interrupted build without checking it again: count its outcome (`reason`, null when kept)
   * and restore what the steps remember of a kept row (its dedupe `key`).
   */
  replay(split: string, outcome: { reason: DropReason | null; key?: string }): void {
    this.tally.book(split, outcome.reason);
    if (outcome.reason === null && outcome.key) for (const step of this.steps) step.remember?.(split, outcome.key);
  }

  /** The dedupe key of a sample the chain checked (computed now if no step did). */
  dedupeKeyOf(sample: Sample): string {
    for (const step of this.steps) {
      const k = step.keyOf?.(sample);
      if (k !== undefined) return k;
    }
    return dedupeKey(sample);
  }

  /** Drops per split and reason (every reason present, zero when none). */
  counts(): Record<string, Record<DropReason, number>> {
    return Object.fromEntries(this.tally.splits().map((split) => [split, this.tally.drops(split)]));
  }

  /** Rows that passed, per split. */
  kept(): Record<string, number> {
    return Object.fromEntries(this.tally.splits().map((split) => [split, this.tally.kept(split)]));
  }
}

/** A FilterStep running the row rules in order on the sample's view (see rules.ts), built once per row. */
function ruleStep(rules: readonly RowRule[]): FilterStep {
  return { name: 'rules', check: (s) => firstDrop(rules, viewOfSample(s)) };
}

/**
 * The normalization used by the dedupe key: Unicode NFC, `<image>` placeholders kept in place, every run
 * of whitespace (JS `\s`: includes U+00A0, U+3000, tabs, newlines) collapsed to one space, trimmed.
 * Case and punctuation are kept (in math problems they matter).
 */
export function normalizePrompt(text: string): string {
  // The same result with less work for the common text: ASCII is its own NFC form, and a text whose only
  // whitespace is single inner spaces is unchanged by the collapse and the trim.
  const nfc = ASCII_ONLY.test(text) ? text : text.normalize('NFC');
  return IRREGULAR_SPACE.test(nfc) ? nfc.replace(/\s+/gu, ' ').trim() : nfc;
}

const ASCII_ONLY = /^[^\u0080-\uffff]*$/;
/** Whitespace other than a space, two spaces in a row, or a space at either end (JS `trim` and `\s` agree). */
const IRREGULAR_SPACE = /[^\S ]| {2}|^ | $/;

/** sha256 hex of each image: format's hash of the decoded input when formatted, else of the input bytes, else of the path. */
export function imageHashes(s: Sample): string[] {
  if (s.formatted && s.formatted.images.length === (s.images?.length ?? 0))
    return s.formatted.images.map((im) => im.sha256);
  return (s.images ?? []).map((im) => (im.bytes ? sha256(im.bytes) : 'path:' + (im.resolvedPath ?? im.path ?? '')));
}

/** The dedupe key: the first 32 hex digits of the sha256 of the normalized prompt text and the image hashes in order. */
export function dedupeKey(s: Sample): string {
  // 128 bits of the sha256 are plenty to tell rows apart and halve the memory per kept row.
  // A message list with other turns (a system prompt, earlier turns): those are part of the prompt too.
  const others =
    s.messages && s.messages.length > 1
      ? s.messages
          .filter((_, i) => i !== s.promptMessage)
          .map((m) => `${m.role}\u0001${normalizePrompt(m.content)}`)
          .join('\u0002') + '\u0003'
      : '';
  // The hex of the digest's first 16 bytes: a string of its own (a slice of the 64-digit hex would keep that alive).
  return sha256Digest(others + normalizePrompt(s.problem ?? '') + '\u0000' + imageHashes(s).join(',')).toString(
    'hex',
    0,
    16,
  );
}

/**
 * `duplicate` (same key as a row already kept in the same split) and `leak` (same key as a row already kept
 * in another split). Only kept rows are remembered (in `accept`), so of two equal rows in different splits
 * the one applied second is dropped: whatever the order, no kept test row equals a kept train row.
 * Memory: the 128 bits of each kept row's key and its split's number, in a typed table (core/key-table.ts).
 */
export class DedupeStep implements FilterStep {
  readonly name = 'dedupe';
  /** Key of each kept row → 1 + its split's index in `splits`. */
  private readonly seen = new HexKeyTable();
  private readonly splits: string[] = [];
  private readonly opts: { dedupe: boolean; leakCheck: boolean };
  private readonly pending = new WeakMap<Sample, string>();

  constructor(opts: { dedupe: boolean; leakCheck: boolean }) {
    this.opts = opts;
  }

  check(s: Sample): Drop | undefined {
    const key = dedupeKey(s);
    this.pending.set(s, key);
    const at = this.seen.get(key);
    if (at === 0) return undefined;
    const first = this.splits[at - 1] ?? '';
    if (first === s.split) {
      if (this.opts.dedupe)
        return {
          reason: 'duplicate',
          detail: `same normalized prompt and image(s) as an earlier row of split ${s.split}`,
          value: key.slice(0, 16),
          limit: null,
        };
      return undefined;
    }
    if (this.opts.leakCheck)
      return {
        reason: 'leak',
        detail: `same normalized prompt and image(s) as a row kept in split ${first}`,
        value: key.slice(0, 16),
        limit: first,
      };
    return undefined;
  }

  accept(s: Sample): void {
    this.remember(s.split, this.pending.get(s) ?? dedupeKey(s));
  }

  remember(split: string, key: string): void {
    if (this.seen.has(key)) return;
    let at = this.splits.indexOf(split);
    if (at < 0) at = this.splits.push(split) - 1;
    this.seen.set(key, at + 1);
  }

  /** Kept rows remembered, and the bytes their keys take (for tests of its memory). */
  memory(): { keys: number; bytes: number } {
    return { keys: this.seen.size, bytes: this.seen.bytes };
  }

  keyOf(s: Sample): string | undefined {
    return this.pending.get(s);
  }
}

/** One line of dropped.jsonl. */
export interface DropRecord {
  split: string;
  source: string;
  index: number;
  id: string;
  reason: DropReason;
  detail: string;
  value: number | string | null;
  limit: number | string | null;
  image?: number;
  /** Token counts when the row was formatted before being dropped (lets the report show what other limits would keep). */
  prompt_tokens?: number;
  text_tokens?: number;
  image_tokens?: number;
  response_tokens?: number | null;
  /** True when `value` and the token counts are lower bounds: counting stopped once the prompt was surely over the limit. */
  at_least?: true;
  /** True when `response_tokens` (and `value`, for response_too_long) is a lower bound: counting stopped past max_response_length. */
  response_at_least?: true;
}

/** One line of lengths.jsonl. `text_tokens` excludes the `<|image_pad|>` placeholders, so text + image = prompt. */
export interface LengthRecord {
  split: string;
  index: number;
  id: string;
  text_tokens: number;
  image_tokens: number;
  prompt_tokens: number;
  response_tokens: number | null;
  /** Per image: the size the model processor resizes it to (its grid and tokens come from this). */
  resized: Array<[number, number]>;
  /** Per image: the size of the stored image. */
  written: Array<[number, number]>;
}

export function dropRecord(sample: Sample): DropRecord {
  const d = sample.drop;
  if (!d) throw new Error(`dropRecord: row ${sample.id} of split ${sample.split} is not dropped`);
  const rec: DropRecord = {
    split: sample.split,
    source: sample.source,
    index: sample.index,
    id: sample.id,
    reason: d.reason,
    detail: d.detail,
    value: d.value ?? null,
    limit: d.limit ?? null,
  };
  if (d.image !== undefined) rec.image = d.image;
  const f = sample.formatted;
  if (f) {
    rec.prompt_tokens = f.promptTokens;
    rec.text_tokens = f.promptTokens - f.imageTokens;
    rec.image_tokens = f.imageTokens;
    rec.response_tokens = f.responseTokens ?? null;
    if (f.atLeast) rec.at_least = true;
    if (f.responseAtLeast) rec.response_at_least = true;
  }
  return rec;
}

export function lengthRecord(sample: Sample): LengthRecord {
  const f = sample.formatted;
  if (!f) throw new Error(`lengthRecord: row ${sample.id} of split ${sample.split} has not been formatted`);
  return {
    split: sample.split,
    index: sample.index,
    id: sample.id,
    text_tokens: f.promptTokens - f.imageTokens,
    image_tokens: f.imageTokens,
    prompt_tokens: f.promptTokens,
    response_tokens: f.responseTokens ?? null,
    resized: f.images.map((im) => im.resized),
    written: f.images.map((im) => [im.width, im.height] as [number, number]),
  };
}
