/**
 * The "Next:" command an export prints is a shell command: the export's folder in it is one shell word even when
 * the build's folder name holds a space and a quote, so the line pasted into a shell passes `--data` that folder;
 * likewise the build command `init` prints for the config file it wrote.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/gad-cli.js';
import { writeSquareRows } from '../helpers/square-rows.js';
import { shellFlagValue } from '../helpers/shell-words.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-next-line-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const T = { cwd: tmp, env: { ...process.env, NO_COLOR: '1' }, timeoutMs: 600_000 };

test(
  'export sft into a build folder named "it\'s out": the Next line\'s --data is that folder',
  { timeout: 900_000 },
  async () => {
    await writeSquareRows({ dir: join(tmp, 'data'), prompt: (i) => `What colour is square ${i}?`, count: 2 });
    const out = "it's out";
    const b = await runCli(
      ['build', '--train', 'data/train.jsonl', '--teacher-column', 'answer', '--id-key', 'id', '--out', out],
      T,
    );
    assert.equal(b.status, 0, b.stderr);
    const x = await runCli(['export', 'sft', '--from', out], T);
    assert.equal(x.status, 0, x.stderr);
    const next = x.stdout.split('\n').find((l) => l.includes('gad-data train --profile swift-sft'));
    assert.ok(next, x.stdout);
    assert.equal(shellFlagValue(next, '--data'), `./${out}/sft-ms-swift`);
  },
);

test('init into "my config\'s.yaml": the build command it prints passes that file', { timeout: 300_000 }, async () => {
  const file = "my config's.yaml";
  const r = await runCli(['init', file], T);
  assert.equal(r.status, 0, r.stderr);
  const cmd = /run: (npx gad-data build .*)$/m.exec(r.stdout)?.[1];
  assert.ok(cmd, r.stdout);
  assert.equal(shellFlagValue(cmd, '--config'), file);
});
