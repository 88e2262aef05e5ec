/**
 * The layout rules lint cannot say with one ESLint rule (`npm run lint` runs this after ESLint):
 * - every file under src/ sits in a folder of the stage order (STAGE_ORDER in eslint.config.js), or is one of the
 *   top files (cli.ts, index.ts);
 * - no two files under src/ outside commands/ share a name;
 * - no import cycle, type-only imports included (a cycle of types still ties two modules' meanings together).
 * Exit 1 with one line per problem.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, normalize, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface StageOrder {
  STAGE_ORDER: string[];
  TOP_FILES: string[];
}

/** The order eslint.config.js declares (read at run time: the compiled tests run from dist/). */
export async function readStageOrder(root: string): Promise<StageOrder> {
  const { STAGE_ORDER, TOP_FILES } = (await import(pathToFileURL(join(root, 'eslint.config.js')).href)) as StageOrder;
  return { STAGE_ORDER, TOP_FILES };
}

const IMPORT_RE = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\1/g;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The problems of the source tree under `root` (a folder holding src/). */
export function layoutProblems(root: string, { STAGE_ORDER, TOP_FILES }: StageOrder): string[] {
  const src = join(root, 'src');
  const files = walk(src).map((f) => relative(root, f));
  const problems: string[] = [];
  const stages = new Set<string>(STAGE_ORDER);
  for (const f of files) {
    const parts = relative('src', f).split('/');
    if (parts.length === 1 ? !TOP_FILES.includes(parts[0]!) : !stages.has(parts[0]!))
      problems.push(`${f}: not in the stage order (add its folder to STAGE_ORDER in eslint.config.js)`);
  }
  const byName = new Map<string, string[]>();
  for (const f of files) {
    if (f.startsWith('src/commands/')) continue;
    byName.set(basename(f), [...(byName.get(basename(f)) ?? []), f]);
  }
  for (const [name, list] of byName)
    if (list.length > 1) problems.push(`${name}: the same name in ${list.join(', ')} (one meaning a name)`);
  const edges = new Map<string, string[]>();
  for (const f of files) {
    const text = readFileSync(join(root, f), 'utf8');
    const targets = [...text.matchAll(IMPORT_RE)]
      .map((m) => normalize(join(dirname(f), m[2]!)).replace(/\.js$/, '.ts'))
      .filter((t) => t.startsWith('src/'));
    edges.set(f, targets);
  }
  problems.push(...cycles(edges).map((c) => `import cycle: ${c.join(' → ')}`));
  return problems;
}

/** Each strongly connected group of more than one file (or a file importing itself), as one path through it. */
function cycles(edges: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!edges.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1 || (edges.get(v) ?? []).includes(v)) out.push([...group.reverse(), group[0]!]);
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return out;
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  const problems = layoutProblems(process.cwd(), await readStageOrder(process.cwd()));
  for (const p of problems) process.stderr.write(`${p}\n`);
  if (problems.length) process.exit(1);
  process.stdout.write('layout: every file placed, one name each, no import cycle\n');
}
