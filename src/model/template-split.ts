/**
 * Rendering by shape: for a template that template-taint.ts proved inserts row texts verbatim, render each row shape
 * once with a unique sentinel in place of every text, cut the output at the sentinels into fixed pieces, and build a
 * row's output by joining the pieces with its texts. Exact by construction: the analysis proves the output is fixed
 * pieces with the texts in between; the sentinels only locate them, and a shape whose output does not hold every
 * sentinel exactly once (or holds the sentinel mark anywhere else) is rendered in full instead.
 */
import { randomBytes } from 'node:crypto';
import { must } from '../core/guards.js';

const MARK = '\ue000';
const END = '\ue001';
/** Unique per process: no template or role can hold it by chance; the mark character alone is also rejected. */
const PREFIX = `${MARK}gad-${randomBytes(8).toString('hex')}:`;

export function sentinel(i: number): string {
  return `${PREFIX}${i}${END}`;
}

export interface Split {
  /** Fixed output pieces; texts go between them. */
  pieces: string[];
  /** `order[j]`: the index of the text between pieces[j] and pieces[j + 1]. */
  order: number[];
}

/** Cut a sentinel rendering of `n` texts; null unless every sentinel appears exactly once and the mark nowhere else. */
export function splitRendered(out: string, n: number): Split | null {
  const pieces: string[] = [];
  const order: number[] = [];
  const seen = new Uint8Array(n);
  let pos = 0;
  for (;;) {
    const at = out.indexOf(MARK, pos);
    if (at < 0) break;
    if (!out.startsWith(PREFIX, at)) return null;
    const end = out.indexOf(END, at + PREFIX.length);
    const digits = end < 0 ? '' : out.slice(at + PREFIX.length, end);
    if (!/^(0|[1-9][0-9]*)$/.test(digits)) return null;
    const i = Number(digits);
    if (i >= n || seen[i]) return null;
    seen[i] = 1;
    pieces.push(out.slice(pos, at));
    order.push(i);
    pos = end + 1;
  }
  pieces.push(out.slice(pos));
  return order.length === n ? { pieces, order } : null;
}

/** The row's output: the pieces with its texts (each through `transform`, e.g. Python strip) in between. */
export function joinSplit(split: Split, texts: readonly string[], transform?: (s: string) => string): string {
  const { pieces, order } = split;
  let out = pieces[0] ?? '';
  for (let j = 0; j < order.length; j++) {
    const t = must(texts[order[j] ?? -1], 'a text for each place in the pieces');
    out += (transform ? transform(t) : t) + (pieces[j + 1] ?? '');
  }
  return out;
}

/** How many shapes one template keeps (a row of a new shape past this is rendered in full). */
export const MAX_SHAPES = 4096;

/** Splits by shape key for one template. */
export class ShapeCache {
  private readonly shapes = new Map<string, Split | null>();

  constructor(private readonly transform?: (s: string) => string) {}

  /**
   * The row's output, or null when this shape cannot be rendered by pieces (then render in full).
   * `renderWith(reps)` renders the row with its texts replaced, in order, by `reps`.
   */
  render(key: string, texts: readonly string[], renderWith: (reps: string[]) => string): string | null {
    let split = this.shapes.get(key);
    if (split === undefined) {
      if (this.shapes.size >= MAX_SHAPES) return null;
      split = null;
      try {
        split = splitRendered(renderWith(texts.map((_, i) => sentinel(i))), texts.length);
      } catch {
        // The template raises for this shape: each row is rendered in full and raises its own error.
      }
      this.shapes.set(key, split);
    }
    return split ? joinSplit(split, texts, this.transform) : null;
  }

  /** Shapes seen so far (for tests). */
  get size(): number {
    return this.shapes.size;
  }
}
