/**
 * The row rules: one definition each, used by `build` (FilterChain, on a Sample) and by `validate` (on a
 * parquet row adapted to the same view). Each rule is one small predicate returning the Drop (reason, detail,
 * value, limit) or undefined; the caller decides whether the first one counts (build) or all are listed
 * (validate, in this same order, so its first problem is the reason build drops the row for).
 *
 * Order of checks for one row, in build and validate alike:
 *   1. unreadable row (ingest: bad_row, image_outside_root, duplicate_id)
 *   2. the `row` rules below (no decoding needed): empty_prompt, image count, no_teacher_response
 *   3. image problems (format: image_undecodable, image_too_large, aspect_ratio, image_too_small)
 *   4. the `measured` rules below (need the token counts): prompt_too_long, response_too_long
 *   5. duplicate / leak (build only: they compare rows of the whole dataset)
 */
import { IMAGE_TAG, rowImageTags } from '../core/image-tag.js';
import type { Drop, PromptMessage, Sample } from '../core/types.js';

/** What the rules read of a row, whether it comes from a build's Sample or from a parquet row. */
export interface RowView {
  /** The prompt text: a text prompt, or the user message of a message list, `<image>` tags in place. */
  problem: string;
  /** A message-list prompt, every turn (the `<image>` tags of every turn count). */
  messages?: ReadonlyArray<Pick<PromptMessage, 'content'>>;
  /** Number of images of the row. */
  images: number;
  /** The teacher response (after the ending policy when known); null when the row has none. */
  teacher?: string | null;
  /** Why `teacher` is null, when the source knows better than "no teacher response" (e.g. the id looked up). */
  teacherMissing?: string;
  /** Exact token counts, once measured. */
  tokens?: { prompt: number; image: number; atLeast?: boolean; chars?: number };
  /** Tokens of the teacher response, once measured. */
  responseTokens?: number | null;
  /** `responseTokens` is a lower bound: counting stopped past the limit. */
  responseAtLeast?: boolean;
}

export interface RuleOptions {
  /** A row is kept when prompt tokens ≤ this (as verl's / EasyR1's `filter_overlong_prompts`). */
  maxPromptLength: number;
  /** A teacher response is kept when its tokens ≤ this. */
  maxResponseLength: number;
  /** Drop rows with more than one image (`multi_image`). */
  singleImage: boolean;
  /** Drop rows without an image (`no_image`). */
  requireImage: boolean;
  /** Drop rows without a non-blank teacher response (`no_teacher_response`): GAD. */
  requireTeacher: boolean;
}

export interface RowRule {
  name: string;
  /** `row`: checked before the images are read; `measured`: needs the token counts (passes until measured). */
  phase: 'row' | 'measured';
  check(v: RowView): Drop | undefined;
}

/** `empty_prompt`: nothing but whitespace once the `<image>` tags are removed (an empty or null prompt cell too). */
export const emptyPrompt: RowRule = {
  name: 'empty_prompt',
  phase: 'row',
  check(v) {
    // `replaceAll` removes the tags as split/join did (left to right, once); `\S` is what `trim` keeps.
    const text = v.problem.replaceAll(IMAGE_TAG, '');
    if (!NOT_SPACE.test(text))
      return {
        reason: 'empty_prompt',
        detail: 'the prompt has no text besides <image> placeholders',
        value: text.length,
        limit: 1,
      };
    return undefined;
  },
};

const NOT_SPACE = /\S/;

/** `<image>` tags of the row: every turn of a message list (verl fills them in order over all messages). */
export function imageTagsOf(v: Pick<RowView, 'problem' | 'messages'>): number {
  return rowImageTags(v.problem, v.messages);
}

/**
 * `image_count_mismatch` (`<image>` tags ≠ images: verl asserts on it, EasyR1's processor raises), then
 * `no_image` (no image and no tag, when images are required), then `multi_image` (more than one image).
 */
export function imageCount(opts: Pick<RuleOptions, 'requireImage' | 'singleImage'>): RowRule {
  return {
    name: 'image_count',
    phase: 'row',
    check(v) {
      const tags = imageTagsOf(v);
      if (tags !== v.images)
        return {
          reason: 'image_count_mismatch',
          detail: `${tags} <image> placeholder(s) in the prompt but ${v.images} image(s)`,
          value: tags,
          limit: v.images,
        };
      if (v.images === 0 && opts.requireImage)
        return { reason: 'no_image', detail: 'the row has no image', value: 0, limit: 1 };
      if (v.images > 1 && opts.singleImage)
        return {
          reason: 'multi_image',
          detail: `${v.images} images; single-image rows only`,
          value: v.images,
          limit: 1,
        };
      return undefined;
    },
  };
}

/** `no_teacher_response`: no teacher text, or only whitespace and a trailing `<|im_end|>`. */
export const teacherPresent: RowRule = {
  name: 'no_teacher_response',
  phase: 'row',
  check(v) {
    const t = v.teacher;
    if (t === undefined || t === null)
      return {
        reason: 'no_teacher_response',
        detail: v.teacherMissing ?? 'no teacher response for this row',
        value: null,
        limit: null,
      };
    if (t.replace(/<\|im_end\|>\s*$/, '').trim() === '')
      return { reason: 'no_teacher_response', detail: 'the teacher response is blank', value: 0, limit: 1 };
    return undefined;
  },
};

/**
 * A `measured` rule: the row's `measure` above `max` is a drop for `reason` (value: the measure, limit: `max`).
 * A row whose measure is undefined or null (not measured, no response) passes.
 */
function overLimit(params: {
  reason: 'prompt_too_long' | 'response_too_long';
  max: number;
  measure: (v: RowView) => number | null | undefined;
  detail: (v: RowView, n: number) => string;
}): RowRule {
  const { reason, max, measure, detail } = params;
  return {
    name: reason,
    phase: 'measured',
    check(v) {
      const n = measure(v);
      if (n === undefined || n === null || n <= max) return undefined;
      return { reason, detail: detail(v, n), value: n, limit: max };
    },
  };
}

/** `prompt_too_long`: exact prompt tokens (text + image) > max_prompt_length. Rows not measured pass. */
export function promptLength(max: number): RowRule {
  return overLimit({
    reason: 'prompt_too_long',
    max,
    measure: (v) => v.tokens?.prompt,
    detail: (v) => {
      const t = v.tokens!; // measured: `measure` gave a number
      return t.atLeast
        ? `prompt is at least ${t.prompt} tokens (from its size: ${t.chars ?? 0} characters; counting stopped past the limit) > max_prompt_length ${max}`
        : `prompt is ${t.prompt} tokens (${t.prompt - t.image} text + ${t.image} image) > max_prompt_length ${max}`;
    },
  });
}

/** `response_too_long`: teacher response tokens > max_response_length. Rows without a counted response pass. */
export function responseLength(max: number): RowRule {
  return overLimit({
    reason: 'response_too_long',
    max,
    measure: (v) => v.responseTokens,
    detail: (v, n) =>
      v.responseAtLeast
        ? `teacher response is at least ${n} tokens (from its size; counting stopped past the limit) > max_response_length ${max}`
        : `teacher response is ${n} tokens > max_response_length ${max}`,
  });
}

/** The standard rules, in the order they are checked. */
export function rowRules(opts: RuleOptions): RowRule[] {
  return [
    emptyPrompt,
    imageCount(opts),
    ...(opts.requireTeacher ? [teacherPresent] : []),
    promptLength(opts.maxPromptLength),
    responseLength(opts.maxResponseLength),
  ];
}

/** The first rule of `phase` (both when omitted) the row breaks. */
export function firstDrop(rules: readonly RowRule[], v: RowView, phase?: RowRule['phase']): Drop | undefined {
  for (const r of rules) {
    if (phase && r.phase !== phase) continue;
    const d = r.check(v);
    if (d) return d;
  }
  return undefined;
}

/** Every rule of `phase` (both when omitted) the row breaks, in rule order. */
export function allDrops(rules: readonly RowRule[], v: RowView, phase?: RowRule['phase']): Drop[] {
  const out: Drop[] = [];
  for (const r of rules) {
    if (phase && r.phase !== phase) continue;
    const d = r.check(v);
    if (d) out.push(d);
  }
  return out;
}

/** A build's Sample as the rules see it (the teacher response after format's ending policy once formatted). */
export function viewOfSample(s: Sample): RowView {
  const f = s.formatted;
  const teacher =
    f && f.teacherResponse !== undefined && f.teacherResponse !== null ? f.teacherResponse : s.teacherResponse;
  return {
    problem: s.problem ?? '',
    ...(s.messages ? { messages: s.messages } : {}),
    images: s.images?.length ?? 0,
    teacher,
    ...(s.teacherMissing ? { teacherMissing: s.teacherMissing } : {}),
    ...(f
      ? {
          tokens: {
            prompt: f.promptTokens,
            image: f.imageTokens,
            ...(f.atLeast ? { atLeast: true } : {}),
            chars: f.formatted.length,
          },
          responseTokens: f.responseTokens,
          ...(f.responseAtLeast ? { responseAtLeast: true } : {}),
        }
      : {}),
  };
}
