/**
 * `generate` killed with SIGKILL at random points (after a random number of journaled answers), then resumed:
 * the answer file is byte-identical to an uninterrupted run's, and a resumed run never sends a request whose
 * answer was already journaled. A torn last journal line (a kill in the middle of a write) is cut off and
 * its request asked again.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { packagePath } from '../../src/core/paths.js';
import { sha256, stableStringify } from '../../src/core/hash.js';
import { cliArgv, runCli } from '../helpers/gad-cli.js';
import { type FakeOpenAI, startOpenAIServer } from '../helpers/openai-server.js';
import { type BuildRowView, buildRows, buildSample, checkerFor } from '../helpers/generate-build.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-generate-crash-'));
const build = join(tmp, 'build');
const env = { ...process.env, OPENAI_API_KEY: 'sk-crash-test' };
let rows: BuildRowView[];
let srv: FakeOpenAI;
let reference = '';
const args = () => [
  'generate',
  'teacher',
  '--from',
  build,
  '--endpoint',
  srv.url,
  '--model',
  'm',
  '--concurrency',
  '6',
];

before(async () => {
  await buildSample(build, packagePath());
  rows = await buildRows(build);
  srv = await startOpenAIServer({ check: checkerFor(rows), delayMs: 25 });
  const cwd = join(tmp, 'reference');
  mkdirSync(cwd);
  const r = await runCli(args(), { cwd, env, timeoutMs: 600_000 });
  assert.equal(r.status, 0, r.stderr);
  reference = readFileSync(join(cwd, 'teacher.jsonl'), 'utf8');
});
after(async () => {
  await srv.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** request_hash of each whole journal line. */
function journaled(file: string): Set<string> {
  if (!existsSync(file)) return new Set();
  const text = readFileSync(file, 'utf8');
  const whole = text.slice(0, text.lastIndexOf('\n') + 1);
  return new Set(
    whole
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { request_hash: string }).request_hash),
  );
}

/** The request hashes the server received since index `from`. */
const sentSince = (from: number) => srv.requests.slice(from).map((r) => sha256(stableStringify(r.body)));

test('SIGKILL at random points, then resume: the same bytes, no journaled request sent again', async () => {
  const cwd = join(tmp, 'killed');
  mkdirSync(cwd);
  const journal = join(cwd, 'teacher.journal.jsonl');
  const seed = Date.now() % 1000;
  let x = seed;
  const rand = (n: number) => ((x = (x * 1103515245 + 12345) % 2147483648), x % n);
  const points = [5 + rand(40), 70 + rand(50), 140 + rand(50)];
  for (const at of points) {
    const before = journaled(journal);
    const from = srv.requests.length;
    const child = spawn(process.execPath, cliArgv(args()), { cwd, env, stdio: 'ignore' });
    const exited = new Promise((ok) => child.once('exit', ok));
    const t0 = Date.now();
    while (journaled(journal).size < at && child.exitCode === null && Date.now() - t0 < 300_000) await sleep(5);
    const running = child.exitCode === null;
    child.kill('SIGKILL');
    await exited;
    assert.ok(running && journaled(journal).size < rows.length, `seed ${seed}: killed mid-run at ${at}`);
    const resent = sentSince(from).filter((h) => before.has(h));
    assert.deepEqual(resent, [], `seed ${seed}: a resumed run sent a request already journaled`);
    assert.ok(!existsSync(join(cwd, 'teacher.jsonl')) || journaled(journal).size === rows.length);
  }
  // a torn last line, as a kill in the middle of a write leaves it
  const before = journaled(journal);
  appendFileSync(journal, '{"key":"train/geo-9999","request_hash":"ab');
  const from = srv.requests.length;
  const r = await runCli(args(), { cwd, env, timeoutMs: 600_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(
    sentSince(from).filter((h) => before.has(h)),
    [],
    `seed ${seed}`,
  );
  assert.equal(readFileSync(join(cwd, 'teacher.jsonl'), 'utf8'), reference, `seed ${seed}: kills at ${points}`);
  assert.equal(journaled(journal).size, rows.length);
});

test('Ctrl-C (SIGINT): the requests in flight finish and are journaled, exit 130, the rerun completes the same bytes', async () => {
  const cwd = join(tmp, 'interrupted');
  mkdirSync(cwd);
  const journal = join(cwd, 'teacher.journal.jsonl');
  const start = srv.requests.length;
  const child = spawn(process.execPath, cliArgv(args()), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout!.on('data', (d) => (stdout += d));
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  const t0 = Date.now();
  while (journaled(journal).size < 30 && Date.now() - t0 < 300_000) await sleep(5);
  child.kill('SIGINT');
  assert.equal(await exited, 130);
  const text = readFileSync(journal, 'utf8');
  assert.ok(text.endsWith('\n'), 'no torn line');
  // every request sent was answered and journaled: none was cut off in flight
  const inJournal = journaled(journal);
  assert.deepEqual(
    sentSince(start).filter((h) => !inJournal.has(h)),
    [],
  );
  assert.ok(inJournal.size < rows.length);
  assert.match(stdout, /stopped by Ctrl-C: \d+ row\(s\) have no answer yet/);
  const r = await runCli(args(), { cwd, env, timeoutMs: 600_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(cwd, 'teacher.jsonl'), 'utf8'), reference);
});
