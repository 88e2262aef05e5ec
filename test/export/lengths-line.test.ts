/**
 * A build's lengths.jsonl read back by the recipe exports: a damaged line stops with a GadError naming the file and
 * line (not a JSON stack trace or a row count mismatch elsewhere).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { GadError } from '../../src/core/errors.js';
import { packagePath } from '../../src/core/paths.js';
import { openBuild, readBuildRows } from '../../src/recipes/build-rows.js';
import { buildSample } from '../helpers/generate-build.js';

let tmp: string;
let build: string;
let lines: string[];

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'gad-lengths-line-'));
  build = join(tmp, 'out');
  await buildSample(build, packagePath());
  lines = readFileSync(join(build, 'lengths.jsonl'), 'utf8').split('\n');
});
after(() => rmSync(tmp, { recursive: true, force: true }));

async function readAll(): Promise<number> {
  let n = 0;
  for await (const _row of readBuildRows(await openBuild(build, { needTeacher: false }))) n++;
  return n;
}

it('reads every row of an intact build', { timeout: 600_000 }, async () => {
  assert.equal(await readAll(), lines.filter((l) => l.trim()).length);
});

for (const [name, bad] of [
  ['cut short', '{"split": "train", "in'],
  ['without its split', '{"id": "x", "index": 0}'],
] as const) {
  it(`a line ${name} stops naming the file and line`, { timeout: 600_000 }, async () => {
    writeFileSync(join(build, 'lengths.jsonl'), [bad, ...lines.slice(1)].join('\n'));
    try {
      await assert.rejects(
        readAll(),
        (e: unknown) => e instanceof GadError && /lengths\.jsonl line 1 is not/.test(e.message),
      );
    } finally {
      writeFileSync(join(build, 'lengths.jsonl'), lines.join('\n'));
    }
  });
}
