/**
 * A static proof, from a parsed template, that its output depends on each row text only by inserting it verbatim.
 *
 * The row's texts are the non-empty strings of `message.content` and of content items' `.text` (chat templates), or
 * `content` (format prompts). Everything else about the row — roles, number of turns, content kinds, item types,
 * image positions, which texts are empty — is its *shape*. The analysis follows every expression of the template
 * (an abstract interpretation over the kinds in template-kinds.ts, joined over all assignments of a name, to a fixed
 * point) and accepts a template only when a text is never used except:
 * - output (`{{ x }}`), directly or after `+` / `~` concatenation with texts and clean values;
 * - stored in a variable (`set`), passed through `and` / `or` / `x if c else y`, read back;
 * - tested with a type-only test (`is string`, `is defined`, `is none`, …): the same answer for every string;
 * - tested for truth (`if x`, `not x`): the same answer for every non-empty string (empty texts are shape).
 * Any other use — `in`, `==`, `startswith`, `split`, `[i]`, `|length`, `|tojson`, `|trim` (chat templates),
 * macros, a text stored in a namespace — makes the template ineligible, with the reason.
 *
 * With `allowStrip` (format prompts, whose `{{ content | trim }}` is rewritten by pyjinja.ts into a call of
 * `__gad_py_strip`), `__gad_py_strip(text)` is accepted as the stripped text; a template may then output stripped
 * texts or raw texts, not both.
 *
 * What follows for two rows of one shape: the template takes the same branches and loop counts (every test it
 * evaluates is the same for both), and each output piece is either the same string or the same concatenation of
 * texts and fixed strings. So the output is fixed pieces with the texts in between (template-split.ts finds them).
 */
import { refineIf, type Refine } from './template-refine.js';
import {
  CLEAN,
  ITEM,
  ITEMS,
  LOOP,
  LOOP_CLEAN,
  MESSAGE,
  MESSAGES,
  STEXT,
  STRINGS,
  TEXT,
  TYPE_TESTS,
  VALUE_METHODS,
  boundNames,
  elementsOf,
  filterKinds,
  literalProperty,
  pathKey,
  pathRoot,
  type Node,
} from './template-kinds.js';

export type TaintVerdict = { ok: true; strip: boolean } | { ok: false; reason: string };

export interface TaintOptions {
  /** Variables holding row data: e.g. `{ messages: MESSAGES }` or `{ content: TEXT }`. Others are clean. */
  sources: Readonly<Record<string, number>>;
  /** Accept `__gad_py_strip(text)` (format prompts). */
  allowStrip?: boolean;
}

class Unsafe extends Error {}

const NONE: Refine = new Map();

class Analyzer {
  private readonly vars = new Map<string, number>();
  private changed = false;
  rawOut = false;
  stripOut = false;

  constructor(private readonly opts: TaintOptions) {}

  run(program: Node): void {
    for (let pass = 0; pass < 100; pass++) {
      this.changed = false;
      this.block(program.body as Node[], NONE);
      if (!this.changed) return;
    }
    throw new Unsafe('the analysis did not settle');
  }

  private unsafe(why: string): never {
    throw new Unsafe(why);
  }

  private clean(k: number, why: string): void {
    if (k & ~CLEAN) this.unsafe(why);
  }

  private truthy(k: number): void {
    if (k & STEXT) this.unsafe('the truth of a stripped text is tested');
  }

  private assign(name: string, k: number): void {
    const old = this.vars.get(name) ?? 0;
    if ((old | k) !== old) {
      this.vars.set(name, old | k);
      this.changed = true;
    }
  }

  private varKinds(name: string): number {
    const base = this.opts.sources[name] ?? (name === 'loop' ? LOOP | CLEAN : CLEAN);
    return base | (this.vars.get(name) ?? 0);
  }

  private block(stmts: Node[], r: Refine): number {
    let out = 0;
    for (const s of stmts) out |= this.stmt(s, r);
    return out;
  }

  private stmt(s: Node, r: Refine): number {
    switch (s.type) {
      case 'If': {
        this.truthy(this.expr(s.test as Node, r));
        const [then, otherwise] = refineIf(s, r, (n) => this.expr(n, r));
        return this.block(s.body as Node[], then) | this.block(s.alternate as Node[], otherwise);
      }
      case 'For':
        return this.forLoop(s, r);
      case 'Set': {
        const target = s.assignee as Node;
        const v = s.value ? this.expr(s.value as Node, r) : this.block(s.body as Node[], r);
        if (target.type === 'Identifier') this.assign(target.value as string, v);
        else if (target.type === 'MemberExpression') {
          this.expr(target.object as Node, r);
          this.clean(v, 'a row text is stored in a namespace attribute');
        } else {
          this.clean(v, 'a row text is unpacked in a set');
          for (const name of boundNames(target)) this.assign(name, CLEAN);
        }
        return 0;
      }
      case 'FilterStatement': {
        this.clean(this.block(s.body as Node[], r), 'a filter block holds a row text');
        this.filterArgs(s.filter as Node, r);
        return CLEAN;
      }
      case 'Macro':
      case 'CallStatement':
        return this.unsafe('the template defines or calls a macro');
      case 'Break':
      case 'Continue':
      case 'Comment':
        return 0;
      default: {
        const k = this.expr(s, r);
        if (k & ~(CLEAN | STRINGS)) this.unsafe('a message, list or mapping is written into the output');
        if (k & TEXT) this.rawOut = true;
        if (k & STEXT) this.stripOut = true;
        return k;
      }
    }
  }

  private forLoop(s: Node, r: Refine): number {
    const iter = s.iterable as Node;
    const select = iter.type === 'SelectExpression';
    const k = this.expr((select ? iter.lhs : iter) as Node, r);
    if (k & STRINGS) this.unsafe('a loop runs over the characters of a row text');
    const loopvar = s.loopvar as Node;
    const names = boundNames(loopvar);
    if (loopvar.type === 'Identifier') this.assign(loopvar.value as string, elementsOf(k));
    else {
      this.clean(elementsOf(k), 'a loop unpacks messages or content items');
      for (const name of names) this.assign(name, CLEAN);
    }
    // Inside the loop the loop variables and `loop` name new values: facts about their old values do not hold.
    const inner = new Map([...r].filter(([key]) => !names.includes(pathRoot(key)) && pathRoot(key) !== 'loop'));
    if (select) this.truthy(this.expr(iter.test as Node, inner));
    return this.block(s.body as Node[], inner) | this.block(s.defaultBlock as Node[], r);
  }

  private expr(n: Node, r: Refine): number {
    const key = n.type === 'Identifier' || n.type === 'MemberExpression' ? pathKey(n) : null;
    const refined = key === null ? undefined : r.get(key);
    if (refined !== undefined) {
      // Still evaluate the parts (e.g. a computed index) for their own checks.
      if (n.type === 'MemberExpression') this.member(n, r);
      return refined;
    }
    switch (n.type) {
      case 'StringLiteral':
      case 'IntegerLiteral':
      case 'FloatLiteral':
        return CLEAN;
      case 'ArrayLiteral':
      case 'TupleLiteral':
        for (const e of n.value as Node[]) this.clean(this.expr(e, r), 'a row text is put in a list literal');
        return CLEAN;
      case 'ObjectLiteral':
        for (const [k, v] of n.value as Map<Node, Node>) {
          this.clean(this.expr(k, r) | this.expr(v, r), 'a row text is put in a mapping literal');
        }
        return CLEAN;
      case 'Identifier':
        return this.varKinds(n.value as string);
      case 'MemberExpression':
        return this.member(n, r);
      case 'CallExpression':
        return this.call(n, r);
      case 'FilterExpression':
        return this.filter(n, r);
      case 'TestExpression': {
        const k = this.expr(n.operand as Node, r);
        const test = (n.test as Node).value as string;
        if (k !== CLEAN && !TYPE_TESTS.has(test)) this.unsafe(`a row text is tested with "is ${test}"`);
        return CLEAN;
      }
      case 'UnaryExpression': {
        const k = this.expr(n.argument as Node, r);
        if ((n.operator as Node).value === 'not') this.truthy(k);
        else this.clean(k, 'a row text is used in arithmetic');
        return CLEAN;
      }
      case 'BinaryExpression':
        return this.binary(n, r);
      case 'Ternary':
        this.truthy(this.expr(n.condition as Node, r));
        return this.expr(n.trueExpr as Node, r) | this.expr(n.falseExpr as Node, r);
      case 'SelectExpression':
        this.truthy(this.expr(n.test as Node, r));
        return this.expr(n.lhs as Node, r) | CLEAN;
      case 'KeywordArgumentExpression':
        return this.expr(n.value as Node, r);
      case 'SpreadExpression':
      case 'KeywordSpreadExpression':
        this.clean(this.expr(n.argument as Node, r), 'a row text is spread into arguments');
        return CLEAN;
      default:
        return this.unsafe(`unknown expression ${n.type}`);
    }
  }

  private member(n: Node, r: Refine): number {
    const obj = this.expr(n.object as Node, r);
    const p = n.property as Node;
    if (n.computed && p.type === 'SliceExpression') {
      for (const part of [p.start, p.stop, p.step]) {
        if (part) this.clean(this.expr(part as Node, r), 'a row text is used as a slice bound');
      }
      if (obj & ~(CLEAN | MESSAGES | ITEMS)) this.unsafe('a row text or mapping is sliced');
      return obj;
    }
    let prop = literalProperty(n);
    if (prop === null) {
      this.clean(this.expr(p, r), 'a row text is used as an index');
      prop = -1;
    }
    const general = literalProperty(n) === null;
    let out = 0;
    if (obj & CLEAN) out |= CLEAN;
    if (obj & STRINGS) {
      this.unsafe(`a row text's ${general ? '[…]' : typeof prop === 'number' ? `[${prop}]` : `.${prop}`} is read`);
    }
    for (const [bit, elem] of [
      [MESSAGES, MESSAGE],
      [ITEMS, ITEM],
    ] as const) {
      if (!(obj & bit)) continue;
      // A list: an index gives an element; a name gives a built-in (only `length` in this library version).
      out |= typeof prop === 'number' ? elem | (general ? CLEAN : 0) : CLEAN;
    }
    for (const [bit, textKey, textKinds] of [
      [MESSAGE, 'content', TEXT | ITEMS],
      [ITEM, 'text', TEXT],
    ] as const) {
      if (!(obj & bit)) continue;
      if (general) this.unsafe('a message or content item is read with a computed key');
      if (prop === textKey) out |= textKinds;
      else if (typeof prop === 'string' && VALUE_METHODS.has(prop)) this.unsafe(`a message's .${prop}() is used`);
      else out |= CLEAN;
    }
    if (obj & LOOP) {
      if (typeof prop !== 'string' || !LOOP_CLEAN.has(prop)) this.unsafe(`loop.${String(prop)} is used`);
      out |= CLEAN;
    }
    return out;
  }

  private call(n: Node, r: Refine): number {
    const args = (n.args as Node[]).map((a) => this.expr(a, r));
    const callee = n.callee as Node;
    const [only] = args;
    if (
      this.opts.allowStrip &&
      callee.type === 'Identifier' &&
      callee.value === '__gad_py_strip' &&
      !this.vars.has('__gad_py_strip') &&
      only !== undefined &&
      args.length === 1 &&
      (n.args as Node[])[0]?.type !== 'KeywordArgumentExpression' &&
      !(only & ~(CLEAN | TEXT))
    ) {
      return (only & TEXT ? STEXT : 0) | (only & CLEAN);
    }
    this.clean(this.expr(callee, r), 'a method of a row text, message or list is called');
    for (const a of args) this.clean(a, 'a row text is passed to a function');
    return CLEAN;
  }

  private filterArgs(filter: Node, r: Refine): string {
    if (filter.type === 'CallExpression') {
      for (const a of filter.args as Node[]) this.clean(this.expr(a, r), 'a row text is passed to a filter');
      return (filter.callee as Node).value as string;
    }
    return filter.value as string;
  }

  private filter(n: Node, r: Refine): number {
    const k = this.expr(n.operand as Node, r);
    const out = filterKinds(k, this.filterArgs(n.filter as Node, r));
    return typeof out === 'string' ? this.unsafe(out) : out;
  }

  private binary(n: Node, r: Refine): number {
    const op = (n.operator as Node).value as string;
    const l = this.expr(n.left as Node, r);
    const rr = this.expr(n.right as Node, r);
    if (op === 'and' || op === 'or') {
      this.truthy(l);
      return l | rr;
    }
    if (op === '+' || op === '~') {
      if ((l | rr) & ~(CLEAN | STRINGS)) this.unsafe(`a message or list is joined with ${op}`);
      return l | rr;
    }
    if (op === 'in' || op === 'not in') {
      this.clean(l, `a row text is looked for with ${op}`);
      if (rr & ~(CLEAN | MESSAGE | ITEM)) this.unsafe(`a row text or list is searched with ${op}`);
      return CLEAN;
    }
    this.clean(l | rr, `a row text is compared or computed with ${op}`);
    return CLEAN;
  }
}

/** Whether a parsed template (after pyjinja.ts's rewrite) inserts its row texts only verbatim; see the file comment. */
export function analyzeTemplate(program: unknown, opts: TaintOptions): TaintVerdict {
  const a = new Analyzer(opts);
  try {
    a.run(program as Node);
  } catch (e) {
    if (e instanceof Unsafe) return { ok: false, reason: e.message };
    return { ok: false, reason: `the analysis failed: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (a.rawOut && a.stripOut) return { ok: false, reason: 'the template writes a row text both as is and stripped' };
  return { ok: true, strip: a.stripOut };
}
