/**
 * Smaller CLI failures (issue 13, item 8, part):
 * - with `--json`, a failure still prints JSON on stdout: `{"error": {message, hint, exitCode}}`;
 * - the "Next:" command quotes an output path with spaces as a shell needs it (checked by running it
 *   through `sh`);
 * - a missing teacher file is named as the teacher file, with its key (`teacher.file` / `--teacher`);
 * - a missing split suggests a spec that works (not `dir@validation@train`).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../../src/core/paths.js';
import { runCli } from '../helpers/gad-cli.js';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gad-rel-cli-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

test('--json: a failed build prints {"error": {message, hint, exitCode}} on stdout', async () => {
  const r = await runCli(['build', '--out', join(tmp, 'o'), '--train', join(tmp, 'missing.jsonl'), '--json'], {
    cwd: tmp,
  });
  assert.equal(r.status, 2, r.stderr);
  const parsed = JSON.parse(r.stdout) as { error: { message: string; hint: string | null; exitCode: number } };
  assert.match(parsed.error.message, /missing\.jsonl/);
  assert.equal(parsed.error.exitCode, 2);
  assert.equal(typeof parsed.error.hint, 'string');
  assert.match(r.stderr, /missing\.jsonl/, 'the message is still on stderr for people');

  // a flag error (commander) too
  const u = await runCli(['build', '--json', '--no-such-flag'], { cwd: tmp });
  assert.equal(u.status, 2);
  assert.match(JSON.parse(u.stdout).error.message, /unknown option '--no-such-flag'/);
  // without --json, stdout stays empty on failure
  const plain = await runCli(['build', '--out', join(tmp, 'o'), '--train', join(tmp, 'missing.jsonl')], { cwd: tmp });
  assert.equal(plain.status, 2);
  assert.equal(plain.stdout, '');
});

test('the "Next:" command quotes an output path with spaces so that a shell reads it as one word', async () => {
  const r = await runCli(['build', '--out', 'my data out'], { cwd: tmp });
  assert.equal(r.status, 0, r.stderr);
  const line = r.stdout.split('\n').find((l) => l.includes('gad-data train --profile'));
  assert.ok(line, r.stdout);
  // What a shell would pass to gad-data: print the words one per line.
  const words = spawnSync('sh', ['-c', `set -- ${line.trim().replace(/^npx /, '')}; printf '%s\\n' "$@"`], {
    encoding: 'utf8',
  }).stdout.split('\n');
  assert.equal(words[words.indexOf('--data') + 1], './my data out', line);
});

test('a missing teacher file is named as the teacher file, with the key to fix', async () => {
  const r = await runCli(['build', '--out', join(tmp, 't'), '--teacher', 'responses.jsonl', '--id-key', 'id'], {
    cwd: tmp,
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /teacher file not found: \S*responses\.jsonl/);
  assert.match(r.stderr, /fix: .*teacher\.file.*--teacher/);
});

test('a split that does not exist: the suggested spec is valid and works', async () => {
  const dir = join(tmp, 'only-train');
  mkdirSync(dir);
  for (const f of ['train.jsonl', 'test.jsonl']) copyFileSync(packagePath('fixtures', 'sample', f), join(dir, f));
  const common = [
    '--out',
    join(tmp, 's'),
    '--image-dir',
    packagePath('fixtures', 'sample'),
    '--prompt-key',
    'problem',
    '--max-drop-ratio',
    '1',
    '-q',
  ];
  const r = await runCli(['build', '--train', `${dir}@validation`, ...common], { cwd: tmp });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /split 'validation' does not exist/);
  const suggested = /fix: write (\S+)/.exec(r.stderr)?.[1];
  assert.equal(suggested, `${dir}@test`, r.stderr);
  const again = await runCli(['build', '--train', suggested!, ...common], { cwd: tmp });
  assert.equal(again.status, 0, `the suggested spec works: ${again.stderr}`);
});
