/**
 * Counts the type escapes in src/ with the TypeScript compiler's own parser: non-null assertions (`x!`) and casts
 * (`x as T`, `<T>x`; `as const` is not a cast). Prints both numbers and the files with the most, so a change can
 * say how many it removed: `npx tsx scripts/count-assertions.ts [--files]`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

export interface AssertionCount {
  nonNull: number;
  casts: number;
  byFile: Map<string, { nonNull: number; casts: number }>;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function isAsConst(node: ts.AsExpression | ts.TypeAssertion): boolean {
  const t = node.type;
  return ts.isTypeReferenceNode(t) && ts.isIdentifier(t.typeName) && t.typeName.text === 'const';
}

/** The counts over every .ts file under `dir`. */
export function countAssertions(dir: string): AssertionCount {
  const byFile = new Map<string, { nonNull: number; casts: number }>();
  let nonNull = 0;
  let casts = 0;
  for (const file of walk(dir).sort()) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const here = { nonNull: 0, casts: 0 };
    const visit = (node: ts.Node): void => {
      if (ts.isNonNullExpression(node)) here.nonNull++;
      else if ((ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) && !isAsConst(node)) here.casts++;
      ts.forEachChild(node, visit);
    };
    visit(source);
    nonNull += here.nonNull;
    casts += here.casts;
    if (here.nonNull + here.casts > 0) byFile.set(relative(process.cwd(), file), here);
  }
  return { nonNull, casts, byFile };
}

const { nonNull, casts, byFile } = countAssertions('src');
console.log(`non-null assertions: ${nonNull}`);
console.log(`casts: ${casts}`);
if (process.argv.includes('--files')) {
  const rows = [...byFile].sort((a, b) => b[1].nonNull + b[1].casts - (a[1].nonNull + a[1].casts));
  for (const [file, c] of rows) console.log(`${String(c.nonNull).padStart(4)} ${String(c.casts).padStart(4)}  ${file}`);
}
