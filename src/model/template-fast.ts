/**
 * Render by shape where it is proven exact (template-taint.ts + template-split.ts), else in full. One FastTemplate
 * per compiled template; the chat template and the format prompt each get one.
 */
import { Environment, Interpreter, parse, tokenize } from '@huggingface/jinja';
import { pyStrip, type PyTemplate } from './pyjinja.js';
import { analyzeTemplate, type TaintOptions, type TaintVerdict } from './template-taint.js';
import { ShapeCache } from './template-split.js';
import { VALUE_METHODS } from './template-kinds.js';

let libraryChecked: boolean | undefined;

/**
 * The analysis knows @huggingface/jinja 0.5.11: lists have the one built-in `length`, mappings only `keys` and the
 * value methods. A library with other built-ins is not trusted: every template then renders in full.
 */
export function libraryAsAnalysed(): boolean {
  if (libraryChecked === undefined) {
    try {
      const builtins = (src: string): string[] => {
        const env = new Environment();
        const v = new Interpreter(env).evaluate(parse(tokenize(`{{ ${src} }}`)).body[0], env);
        return [...v.builtins.keys()];
      };
      const list = builtins('[1]');
      const mapping = builtins("{'a': 1}");
      libraryChecked =
        list.length === 1 &&
        list[0] === 'length' &&
        mapping.includes('keys') &&
        mapping.every((m) => m === 'keys' || VALUE_METHODS.has(m));
    } catch {
      libraryChecked = false;
    }
  }
  return libraryChecked;
}

export interface FastTemplate {
  /** Why the template is or is not rendered by shape. */
  readonly verdict: TaintVerdict;
  /**
   * The output for a row of this shape (`key`) and these non-empty texts, or null (render in full).
   * `renderWith(reps)` renders the row with its texts replaced, in order, by `reps`.
   */
  render(key: string, texts: readonly string[], renderWith: (reps: string[]) => string): string | null;
  /** Rows rendered by shape, rows that fell back to the full render (ineligible template or shape). */
  readonly stats: { byShape: number; full: number };
}

/** Analyse a compiled template once; its renderer by shape (null answers for an ineligible template). */
export function fastTemplate(tpl: PyTemplate, opts: TaintOptions): FastTemplate {
  const verdict: TaintVerdict = libraryAsAnalysed()
    ? analyzeTemplate(tpl.program, opts)
    : { ok: false, reason: 'this @huggingface/jinja version is not the one the analysis knows' };
  const cache = verdict.ok ? new ShapeCache(verdict.strip ? (s) => pyStrip(s) : undefined) : null;
  const stats = { byShape: 0, full: 0 };
  return {
    verdict,
    stats,
    render: (key, texts, renderWith) => {
      const out = cache ? cache.render(key, texts, renderWith) : null;
      if (out === null) stats.full++;
      else stats.byShape++;
      return out;
    },
  };
}
