/**
 * Exit codes and hints (issue 23, item 7): every environment or input condition is exit 2 with the path and a
 * `fix:` line, never exit 3 ("a bug").
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/gad-cli.js';

let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'gad-exit-hints-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('an empty folder as input: exit 2 naming it, with a fix line', { timeout: 120_000 }, async () => {
  mkdirSync(join(tmp, 'empty'));
  const r = await runCli(['build', '--train', 'empty', '--out', 'out', '-q'], { cwd: tmp });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /folder .*empty holds no \.parquet, \.jsonl or \.json files/);
  assert.match(r.stderr, /fix: put the data files in it, or point at them/);
});
