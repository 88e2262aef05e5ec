/**
 * Jinja templates with Python (jinja2) semantics on top of @huggingface/jinja.
 *
 * The library is close to jinja2 but not equal where it calls JavaScript string functions. Where it
 * differs in a way that changes our output, we fix it here, each with the reason:
 *
 * 1. `| trim`, `.strip()`, `.lstrip()`, `.rstrip()` use JS `String.prototype.trim*`, whose whitespace set
 *    differs from Python's `str.strip()`: JS removes U+FEFF (Python keeps it) and keeps U+001C..U+001F
 *    and U+0085 (Python removes them). jinja2's `trim` filter is `str.strip(chars)`. We rewrite those
 *    filter / method calls in the parsed template into calls of our own Python-exact functions.
 * 2. jinja2's lexer turns every `\r\n` and `\r` in the template source into `\n` (newline_sequence)
 *    before anything else, and drops one trailing newline (keep_trailing_newline=False). The library
 *    only drops a trailing `\n`. We normalise the source first.
 * 3. `jinja2.Template(src)` (EasyR1's format prompt) uses the default environment: no trim_blocks, no
 *    lstrip_blocks. The library's `Template` class always turns both on (they are right for chat
 *    templates, which transformers compiles with trim_blocks=True, lstrip_blocks=True), so plain
 *    templates are lexed here with both off.
 */
import { Template, parse, tokenize } from '@huggingface/jinja';

/** Python's `str.isspace()` characters: what `str.strip()` with no argument removes. */
const PY_WHITESPACE = new Set<string>(
  [
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
    0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
  ].map((c) => String.fromCharCode(c)),
);

function stripSet(chars: string | null | undefined): (ch: string) => boolean {
  if (chars === null || chars === undefined) return (ch) => PY_WHITESPACE.has(ch);
  const set = new Set(Array.from(chars));
  return (ch) => set.has(ch);
}

/** Python `s.lstrip(chars)`. Works on code points, as Python does. */
export function pyLstrip(s: string, chars?: string | null): string {
  const isStrip = stripSet(chars);
  let i = 0;
  while (i < s.length) {
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    if (!isStrip(ch)) break;
    i += ch.length;
  }
  return s.slice(i);
}

/** Python `s.rstrip(chars)`. */
export function pyRstrip(s: string, chars?: string | null): string {
  const isStrip = stripSet(chars);
  let j = s.length;
  while (j > 0) {
    let start = j - 1;
    const c = s.charCodeAt(start);
    if (c >= 0xdc00 && c <= 0xdfff && start > 0) {
      const hi = s.charCodeAt(start - 1);
      if (hi >= 0xd800 && hi <= 0xdbff) start -= 1;
    }
    if (!isStrip(s.slice(start, j))) break;
    j = start;
  }
  return s.slice(0, j);
}

/** Python `s.strip(chars)`. */
export function pyStrip(s: string, chars?: string | null): string {
  // The common case (a row text with no whitespace at either end) without walking it; both ends are single
  // UTF-16 units here, and every Python whitespace character is one unit.
  if ((chars === null || chars === undefined) && s.length > 0) {
    if (!PY_WHITESPACE.has(s.charAt(0)) && !PY_WHITESPACE.has(s.charAt(s.length - 1))) return s;
  }
  return pyRstrip(pyLstrip(s, chars), chars);
}

/** jinja2's lexer: `\r\n` and `\r` become `\n`. */
export function normalizeNewlines(s: string): string {
  return s.replace(/\r\n?/g, '\n');
}

type Node = { type: string; [k: string]: unknown };

const HELPERS: Record<string, (s: unknown, chars?: unknown) => string> = {
  __gad_py_strip: (s, chars) => pyStrip(toPyStr(s), charsArg(chars)),
  __gad_py_lstrip: (s, chars) => pyLstrip(toPyStr(s), charsArg(chars)),
  __gad_py_rstrip: (s, chars) => pyRstrip(toPyStr(s), charsArg(chars)),
};

function toPyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return v === null ? 'None' : '';
  return String(v);
}

function charsArg(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function ident(name: string): Node {
  return { type: 'Identifier', value: name };
}

/** Rewrite `x | trim`, `x | trim(c)`, `x.strip()`, `x.lstrip(c)`, `x.rstrip()` into calls of the Python-exact helpers. */
function rewrite(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewrite);
  if (!node || typeof node !== 'object') return node;
  if (node instanceof Map) {
    const m = new Map();
    for (const [k, v] of node) m.set(rewrite(k), rewrite(v));
    return m;
  }
  const n = node as Node;
  if (typeof n.type !== 'string') return node;
  if (n.type === 'FilterExpression') {
    const filter = n.filter as Node;
    const operand = rewrite(n.operand);
    if (filter.type === 'Identifier' && filter.value === 'trim') {
      return { type: 'CallExpression', callee: ident('__gad_py_strip'), args: [operand] };
    }
    if (
      filter.type === 'CallExpression' &&
      (filter.callee as Node).type === 'Identifier' &&
      (filter.callee as Node).value === 'trim'
    ) {
      return {
        type: 'CallExpression',
        callee: ident('__gad_py_strip'),
        args: [operand, ...(rewrite(filter.args) as unknown[])],
      };
    }
  }
  if (n.type === 'CallExpression') {
    const callee = n.callee as Node;
    if (callee.type === 'MemberExpression' && !callee.computed) {
      const prop = callee.property as Node;
      if (
        prop.type === 'Identifier' &&
        (prop.value === 'strip' || prop.value === 'lstrip' || prop.value === 'rstrip')
      ) {
        return {
          type: 'CallExpression',
          callee: ident(`__gad_py_${prop.value}`),
          args: [rewrite(callee.object), ...(rewrite(n.args) as unknown[])],
        };
      }
    }
  }
  // Rewrite children in place (keeps the node's class, which some code paths check).
  for (const k of Object.keys(n)) {
    if (k === 'type') continue;
    n[k] = rewrite(n[k]);
  }
  return n;
}

export interface PyTemplate {
  render(vars: Record<string, unknown>): string;
  /** The parsed template as rendered (after the rewrites above), for template-taint.ts. */
  readonly program: unknown;
}

/**
 * Compile a template with Python jinja2 semantics.
 * - `chat: true`: transformers' chat-template environment (trim_blocks, lstrip_blocks).
 * - `chat: false`: `jinja2.Template(source)` defaults.
 */
export function compilePyTemplate(source: string, opts: { chat: boolean }): PyTemplate {
  const src = normalizeNewlines(source);
  const tokens = tokenize(src, opts.chat ? { lstrip_blocks: true, trim_blocks: true } : {});
  const program = rewrite(parse(tokens)) as ReturnType<typeof parse>;
  // Template.render sets up the library's globals (namespace, range, raise_exception, True/False/None).
  const t = new Template('');
  t.parsed = program;
  return {
    program,
    render(vars: Record<string, unknown>): string {
      return t.render({ ...HELPERS, ...vars });
    },
  };
}
