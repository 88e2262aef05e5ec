/**
 * The abstract values of the row-text analysis (see template-taint.ts): what a template expression can hold at
 * run time, as a bit set. `CLEAN` is anything that does not depend on a row's texts (it may depend on the row's
 * shape: roles, turn count, content kinds, image positions, which texts are empty).
 */
export const CLEAN = 1;
/** A row text (non-empty), or a string made by concatenating row texts and clean strings. */
export const TEXT = 2;
/** Python `str.strip()` of a row text (`text | trim`, `text.strip()`), only in format prompts. */
export const STEXT = 4;
/** A message's content list (image / text items). */
export const ITEMS = 8;
/** One content item: `{type: 'image'}` or `{type: 'text', text}`. */
export const ITEM = 16;
/** One message: `{role, content}`. */
export const MESSAGE = 32;
/** The `messages` list. */
export const MESSAGES = 64;
/** A for loop's `loop` object (holds `previtem` / `nextitem`, which may be messages). */
export const LOOP = 128;

export const STRINGS = TEXT | STEXT;

/** Tests whose result is the same for every string (they look at the value's type only). */
export const TYPE_TESTS: ReadonlySet<string> = new Set([
  'boolean',
  'callable',
  'false',
  'true',
  'none',
  'string',
  'number',
  'integer',
  'iterable',
  'mapping',
  'sequence',
  'defined',
  'undefined',
]);

/** `loop.*` attributes that are numbers or booleans. */
export const LOOP_CLEAN: ReadonlySet<string> = new Set([
  'index',
  'index0',
  'revindex',
  'revindex0',
  'first',
  'last',
  'length',
]);

/**
 * Built-in methods of a mapping (@huggingface/jinja 0.5.11 ObjectValue) that hand out its values: `m.get('content')`,
 * `m.items()`, `m.values()`, `m.dictsort()`. `keys` hands out only the keys, which are part of the shape.
 * template-fast.ts checks at run time that the library has no other mapping built-ins and only `length` on lists.
 */
export const VALUE_METHODS: ReadonlySet<string> = new Set(['get', 'items', 'values', 'dictsort']);

export type Node = { type: string; [k: string]: unknown };

/** The literal property of `a.b`, `a['b']`, `a[0]`; null when computed from an expression. */
export function literalProperty(n: Node): string | number | null {
  const p = n.property as Node;
  if (p.type === 'IntegerLiteral') return p.value as number;
  if (!n.computed && p.type === 'Identifier') return p.value as string;
  if (n.computed && p.type === 'StringLiteral') return p.value as string;
  return null;
}

/**
 * A name for an expression made of an identifier and literal properties, else null: `messages[0].content` and
 * `messages[0]['content']` are both `messages[0]."content"` (names quoted, so no two paths share a key).
 */
export function pathKey(n: Node): string | null {
  if (n.type === 'Identifier') return n.value as string;
  if (n.type !== 'MemberExpression') return null;
  const base = pathKey(n.object as Node);
  const p = literalProperty(n);
  if (base === null || p === null) return null;
  return typeof p === 'number' ? `${base}[${p}]` : `${base}.${JSON.stringify(p)}`;
}

/** The identifier a path starts from. */
export function pathRoot(key: string): string {
  const m = /^[^.[]*/.exec(key);
  return m ? m[0] : key;
}

/** Names a loop variable or `set` target binds (`x`, `a, b`). */
export function boundNames(target: Node): string[] {
  if (target.type === 'Identifier') return [target.value as string];
  if (target.type === 'TupleLiteral') {
    return (target.value as Node[]).flatMap((e) => (e.type === 'Identifier' ? [e.value as string] : []));
  }
  return [];
}

/**
 * Whether running these statements can change what a path names: a `set` or loop variable binding its root
 * name, or a `set a.b = …` (a namespace attribute, possibly reached through another name) of an attribute the
 * path reads.
 */
export function rebinds(stmts: unknown, key: string): boolean {
  const root = pathRoot(key);
  let hit = false;
  const visit = (node: unknown): void => {
    if (hit || !node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const c of node) visit(c);
      return;
    }
    if (node instanceof Map) {
      for (const [k, v] of node) {
        visit(k);
        visit(v);
      }
      return;
    }
    const n = node as Node;
    if (n.type === 'For' && boundNames(n.loopvar as Node).includes(root)) hit = true;
    if (n.type === 'Set') {
      const target = n.assignee as Node;
      if (boundNames(target).includes(root)) hit = true;
      if (target.type === 'MemberExpression') {
        const attr = (target.property as Node).value;
        if (typeof attr !== 'string' || key.includes(`.${JSON.stringify(attr)}`)) hit = true;
      }
    }
    for (const k of Object.keys(n)) if (k !== 'type') visit(n[k]);
  };
  visit(stmts);
  return hit;
}

/** What iterating over a value gives: list elements, or a mapping's keys. */
export function elementsOf(kinds: number): number {
  let out = 0;
  if (kinds & MESSAGES) out |= MESSAGE;
  if (kinds & ITEMS) out |= ITEM;
  if (kinds & (CLEAN | MESSAGE | ITEM | LOOP)) out |= CLEAN;
  return out;
}

/** What `x | name` holds for x of these kinds, or why that use of a row text is not allowed. */
export function filterKinds(k: number, name: string): number | string {
  if (!(k & ~CLEAN)) return CLEAN;
  if (name === 'safe') return k;
  if (k & ~(CLEAN | MESSAGES | ITEMS)) return `a row text or mapping goes through |${name}`;
  switch (name) {
    case 'length':
    case 'count':
      return CLEAN;
    case 'first':
    case 'last':
      return elementsOf(k) | CLEAN;
    case 'list':
    case 'reverse':
      return k;
    default:
      return `messages or content lists go through |${name}`;
  }
}
