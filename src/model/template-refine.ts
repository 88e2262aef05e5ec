/**
 * Facts an `if` test gives template-taint.ts: inside `{% if x is string %}` x holds a string, in its `else` it does
 * not (also through `not`, `is not string` and `… and x is string`). This is how a template's `{{ message.content }}`
 * under `message.content is string` is known to write a text, not a content list.
 */
import { STRINGS, CLEAN, pathKey, pathRoot, rebinds, type Node } from './template-kinds.js';

/** What a path (template-kinds.ts pathKey) is known to hold in the current branch. */
export type Refine = ReadonlyMap<string, number>;

type Branch = { map: Map<string, number>; body: unknown } | null;

/** The facts for an If node's then- and else-branch, on top of `r`; `kindsOf` evaluates an expression under `r`. */
export function refineIf(s: Node, r: Refine, kindsOf: (n: Node) => number): [Refine, Refine] {
  const then = new Map(r);
  const otherwise = new Map(r);
  // ifTrue / ifFalse: the branch that runs when `test` is true / false (null: not known from this test).
  const facts = (test: Node, ifTrue: Branch, ifFalse: Branch): void => {
    if (test.type === 'UnaryExpression' && (test.operator as Node).value === 'not') {
      facts(test.argument as Node, ifFalse, ifTrue);
      return;
    }
    if (test.type === 'BinaryExpression' && (test.operator as Node).value === 'and') {
      facts(test.left as Node, ifTrue, null);
      facts(test.right as Node, ifTrue, null);
      return;
    }
    if (test.type !== 'TestExpression' || (test.test as Node).value !== 'string') return;
    const key = pathKey(test.operand as Node);
    // `loop` is rebound by every inner for loop; a path through it is never refined.
    if (key === null || pathRoot(key) === 'loop') return;
    const k = kindsOf(test.operand as Node);
    const isString = k & (STRINGS | CLEAN);
    const notString = k & ~STRINGS;
    const negate = Boolean(test.negate);
    // A branch that rebinds the path's name (or sets an attribute it reads) may change it: no fact there.
    if (ifTrue && !rebinds(ifTrue.body, key)) ifTrue.map.set(key, negate ? notString : isString);
    if (ifFalse && !rebinds(ifFalse.body, key)) ifFalse.map.set(key, negate ? isString : notString);
  };
  facts(s.test as Node, { map: then, body: s.body }, { map: otherwise, body: s.alternate });
  return [then, otherwise];
}
