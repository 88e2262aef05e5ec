/**
 * `npm run bench -- --only geometry` (docs/benchmarks.md) on the first 12 rows of the Geometry3K-size set: the
 * bench's entry point as `npm run bench` runs it after its build step — `node dist/bench/bench.js` under `npm test`
 * (which has just built dist/), `bench/bench.ts` through tsx under `npx tsx --test` — with `--rows 12` added, so it
 * runs in about a minute. Outcomes only (never speed): every table prints with its rows, the ratios are numbers, and
 * the exports that link the images add 0 image bytes on disk while the first one writes them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packagePath } from '../../src/core/paths.js';
import { ensurePythonVenv } from '../helpers/python.js';

const here = fileURLToPath(import.meta.url);
const ts = here.endsWith('.ts');
const N = 12;

type Table = Array<Record<string, string>>;

/** The tables printed as `title` then `| a | b |` lines (a header, a rule, the rows), by title. */
function tables(out: string): Map<string, Table> {
  const found = new Map<string, Table>();
  const lines = out.split('\n');
  for (let i = 0; i + 2 < lines.length; i++) {
    if (lines[i]!.startsWith('|') || !lines[i + 1]!.startsWith('| ') || !lines[i + 2]!.startsWith('|-')) continue;
    const cells = (l: string) =>
      l
        .slice(1, -1)
        .split(' | ')
        .map((c) => c.trim());
    const cols = cells(lines[i + 1]!);
    const rows: Table = [];
    for (let j = i + 3; j < lines.length && lines[j]!.startsWith('| '); j++) {
      const v = cells(lines[j]!);
      rows.push(Object.fromEntries(cols.map((c, k) => [c, v[k] ?? ''])));
    }
    found.set(lines[i]!.trim(), rows);
  }
  return found;
}

function table(all: Map<string, Table>, prefix: string): Table {
  const key = [...all.keys()].find((k) => k.startsWith(prefix));
  assert.ok(key, `a table titled "${prefix}…" is printed (got: ${[...all.keys()].join(' / ')})`);
  return all.get(key)!;
}

/** `3.4×` → 3.4; fails unless it is a positive number followed by ×. */
function ratio(s: string | undefined, what: string): number {
  const m = /^(\d+(?:\.\d+)?)×$/.exec(s ?? '');
  assert.ok(m && Number(m[1]) > 0, `${what}: a positive ratio, got "${s}"`);
  return Number(m[1]);
}

const positive = (s: string | undefined, what: string) => {
  assert.ok(Number(s) > 0, `${what}: a positive number, got "${s}"`);
};

test(
  'npm run bench -- --only geometry --rows 12 prints the floor pairs, the processor ratio and the exports',
  { timeout: 900_000 },
  async (t) => {
    // the bench runs the gad-data command as users do (bin/gad-data.js, which runs dist/)
    if (!existsSync(packagePath('dist', 'src', 'cli.js'))) return t.skip('dist/ not built (npm run build)');
    if (!(await ensurePythonVenv(['pyarrow', 'Pillow', 'numpy', 'transformers', 'jinja2'])))
      return t.skip('no Python virtualenv (the floor and the processor path need it)');
    const entry = join(dirname(here), '..', '..', 'bench', `bench.${ts ? 'ts' : 'js'}`);
    const argv = [
      ...(ts ? ['--import', import.meta.resolve('tsx')] : []),
      entry,
      '--only',
      'geometry',
      '--rows',
      String(N),
    ];
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (ok) => {
        const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), 840_000);
        child.on('close', (c) => {
          clearTimeout(timer);
          ok({ code: c, stdout, stderr });
        });
      },
    );
    assert.equal(code, 0, `bench exited ${code}\n${stdout}\n${stderr}`);
    const all = tables(stdout);

    const proc = table(all, 'geometry: processor pipeline');
    assert.ok(
      proc.some((r) => r.job!.includes(`prompt lengths equal to ours: ${N}/${N}`)),
      'the processor path counts the same prompt lengths as the build',
    );

    // the default build, the floor and the PNG check alone, in turn in 3 pairs, then the medians
    const pairs = table(all, 'geometry: default build (`build --train');
    assert.deepEqual(
      pairs.map((r) => `${r.run} ${r.job}`),
      ['pair 1', 'pair 2', 'pair 3', 'median'].flatMap((p) => [
        `${p} gad-data build (default)`,
        `${p} pyarrow floor`,
        `${p} PNG check alone (read + check, nothing else)`,
      ]),
    );
    for (const r of pairs) {
      const what = `${r.run} ${r.job}`;
      assert.equal(r.rows, String(N), `${what}: --rows ${N} is the set built`);
      for (const c of ['wall s', 'CPU s', 'peak RSS MB', 'rows/s']) positive(r[c], `${what} ${c}`);
      const x = ratio(r['CPU vs floor'], `${what} CPU vs floor`);
      if (r.job === 'pyarrow floor') assert.equal(x, 1);
    }

    const vsProc = table(all, 'geometry: default build against the transformers processor path');
    const speedUp = vsProc.find((r) => r.job!.startsWith('processor path ÷ build'));
    ratio(speedUp?.['wall s'], 'processor path ÷ build, wall');
    ratio(speedUp?.['CPU s'], 'processor path ÷ build, CPU');
    positive(vsProc.find((r) => r.job === 'build ÷ processor path')?.['wall s'], 'build ÷ processor path, wall');

    // exports: the first writes the images out, every later one links them (0 bytes added on disk)
    const exportsTable = table(all, 'geometry: recipe exports');
    const exp = exportsTable.filter((r) => r.job!.startsWith('gad-data export'));
    assert.deepEqual(
      exp.map((r) => `${r.round} ${r.job}`),
      ['1', '2'].flatMap((n) => ['prompts', 'sft', 'rm'].map((k) => `${n} gad-data export ${k}`)),
    );
    for (const [i, r] of exp.entries()) {
      const what = `round ${r.round} ${r.job}`;
      positive(r['wall s'], `${what} wall s`);
      positive(r['CPU s'], `${what} CPU s`);
      assert.ok(Number(r['image files']) >= N, `${what}: an image per row (${r['image files']})`);
      const added = Number(r['image bytes added on disk']);
      if (i === 0) assert.ok(added > 0, `the first export writes the images (${added} bytes)`);
      else {
        assert.equal(added, 0, `${what} links the images: 0 bytes added`);
        assert.equal(r['linked (nlink > 1)'], r['image files'], `${what}: every image file is a link`);
      }
    }
  },
);
