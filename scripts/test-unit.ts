/**
 * The fast test tier (`npm run test:unit`): every test file except the slow ones, run by Node's test runner as
 * `npm test` runs the whole suite. The TypeScript is first transpiled to dist/ by esbuild, file by file and without
 * type checking (about 2 CPU-seconds where `tsc` takes about 30; `npm run typecheck` and `npm test` still run tsc).
 * A test file is slow when
 *   - it lives in test/e2e, test/interop, test/reliability or test/scale-out (whole CLI runs, the trainers'
 *     Python readers, crash and resume runs, partitioned builds), or
 *   - it imports node:child_process, itself or through the test helpers it imports (test/helpers/python.ts,
 *     cdp.ts, gad-cli.ts ... : a Python venv, Chromium, the CLI in a child process).
 * So a new test is in the fast tier when it runs in its own process, and leaves it as soon as it starts a child.
 * `npm run test:unit -- --list` prints the selection and why each other file is left out.
 */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SLOW_FOLDERS = ['e2e', 'interop', 'reliability', 'scale-out'];

function testFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) testFiles(p, out);
    else if (e.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g;

/** Whether `file` imports node:child_process, itself or through the files of `root` it imports (relatively). */
function spawnsChildren(file: string, root: string, seen = new Set<string>()): boolean {
  if (seen.has(file)) return false;
  seen.add(file);
  for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    const spec = m[1]!;
    if (spec === 'node:child_process' || spec === 'child_process') return true;
    if (!spec.startsWith('.')) continue;
    const target = resolve(dirname(file), spec);
    if (target.startsWith(root + sep) && existsSync(target) && spawnsChildren(target, root, seen)) return true;
  }
  return false;
}

/** The fast test files under `testDir` (compiled), and the others with the reason each is slow. */
export function unitTests(testDir: string): { fast: string[]; slow: { file: string; why: string }[] } {
  const fast: string[] = [];
  const slow: { file: string; why: string }[] = [];
  for (const file of testFiles(testDir)) {
    const folder = relative(testDir, file).split(sep)[0]!;
    if (SLOW_FOLDERS.includes(folder)) slow.push({ file, why: `in test/${folder}/` });
    else if (spawnsChildren(file, testDir)) slow.push({ file, why: 'starts child processes (node:child_process)' });
    else fast.push(file);
  }
  return { fast, slow };
}

/** The TypeScript files `tsc -p tsconfig.json` compiles (its `include`), under `root`. */
function sources(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
    }
  };
  for (const d of ['src', 'test', 'bench', 'scripts']) if (existsSync(join(root, d))) walk(join(root, d));
  return out;
}

/**
 * Transpiles every source file to `root`/dist/ where tsc puts it (same paths, ESM, source maps), no type check. The
 * old dist/ goes first: a compiled test whose source was deleted or renamed would otherwise still run.
 */
export async function transpile(root: string): Promise<void> {
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  await build({
    entryPoints: sources(root),
    outdir: join(root, 'dist'),
    outbase: root,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
    tsconfig: join(root, 'tsconfig.json'),
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  await transpile(root);
  const testDir = join(root, 'dist', 'test');
  const { fast, slow } = unitTests(testDir);
  const rel = (f: string) => relative(process.cwd(), f);
  if (process.argv.includes('--list')) {
    for (const f of fast) process.stdout.write(`fast  ${rel(f)}\n`);
    for (const s of slow) process.stdout.write(`slow  ${rel(s.file)}  (${s.why})\n`);
    process.exit(0);
  }
  process.stdout.write(`# test:unit: ${fast.length} test files (${slow.length} slow ones left out: --list)\n`);
  const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...fast.map(rel)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
