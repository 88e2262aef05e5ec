/**
 * `gad-data generate` against a local OpenAI-compatible server that checks every request against the build
 * (text and image bytes) and injects faults: transport faults (429 with Retry-After, 500, a hung response, a
 * closed socket) leave the output byte-identical to a fault-free run with no question answered twice;
 * content faults (a `length` finish, an empty answer) are dropped with a reason; the key never appears in a
 * file or in the output, and never reaches another host.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../../src/core/paths.js';
import { allFilesText } from '../helpers/all-files-text.js';
import { runCli } from '../helpers/gad-cli.js';
import { type ChatBody, type FakeOpenAI, type Fault, startOpenAIServer } from '../helpers/openai-server.js';
import { type BuildRowView, buildRows, buildSample, checkerFor } from '../helpers/generate-build.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-generate-'));
const build = join(tmp, 'build');
const KEY = 'sk-test-SECRETKEY-4f9c1d2e';
const env = { ...process.env, OPENAI_API_KEY: KEY };
let rows: BuildRowView[];
const servers: FakeOpenAI[] = [];
/** One server for the runs whose outputs are compared (the endpoint host:port is part of every line). */
let main: FakeOpenAI;

before(async () => {
  await buildSample(build, packagePath());
  rows = await buildRows(build);
  main = await startOpenAIServer({ check: checkerFor(rows) });
  servers.push(main);
});
after(async () => {
  for (const s of servers) await s.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function server(fault?: (q: string, body: ChatBody) => Fault | null, extra: { redirectTo?: string } = {}) {
  if (!extra.redirectTo) {
    main.reset(fault);
    return main;
  }
  const s = await startOpenAIServer({ check: checkerFor(rows), fault, ...extra });
  servers.push(s);
  return s;
}

function dir(name: string): string {
  const d = join(tmp, name);
  mkdirSync(d);
  return d;
}

async function gen(cwd: string, s: FakeOpenAI, extra: string[] = [], role = 'teacher') {
  return runCli(
    [
      'generate',
      role,
      '--from',
      build,
      '--endpoint',
      s.url,
      '--model',
      'teacher-model',
      '--timeout',
      '3',
      '--retries',
      '4',
      ...extra,
    ],
    { cwd, env, timeoutMs: 600_000 },
  );
}

/** How many times each question was answered (200). */
function answeredTwice(s: FakeOpenAI): string[] {
  const n = new Map<string, number>();
  for (const r of s.requests) if (r.answered) n.set(r.question, (n.get(r.question) ?? 0) + 1);
  return [...n].filter(([, c]) => c > 1).map(([q]) => q);
}

let reference = '';

test('a fault-free run: one checked request per row, the answers in the build order, the key only in the header', async () => {
  const s = await server();
  const cwd = dir('clean');
  const r = await gen(cwd, s);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(s.mismatches, []);
  assert.equal(s.requests.length, rows.length);
  assert.ok(s.requests.every((q) => q.authorization === `Bearer ${KEY}`));
  reference = readFileSync(join(cwd, 'teacher.jsonl'), 'utf8');
  const lines = reference
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => l.id),
    rows.map((x) => x.id),
  );
  assert.equal(lines[0].finish_reason, 'stop');
  assert.equal(lines[0].endpoint, `127.0.0.1:${s.port}`);
  assert.equal(lines[0].model, 'teacher-model');
  assert.match(lines[0].request_hash, /^[0-9a-f]{64}$/);
  assert.ok(lines[0].tokens > 0 && lines[0].usage.total_tokens > 0);
  assert.equal(readFileSync(join(cwd, 'teacher.dropped.jsonl'), 'utf8'), '');
  const m = JSON.parse(readFileSync(join(cwd, 'teacher.generate.json'), 'utf8'));
  assert.equal(m.kept, rows.length);
  assert.equal(m.settings.sampling.max_tokens, 2048);
  assert.equal(m.settings.sampling.temperature, undefined);
  assert.match(r.stdout, /kept 201 answer\(s\) of 201 row\(s\) · dropped 0/);
  assert.match(r.stdout, /kept answer length \(student tokens\): min \d+ · p50/);
  assert.ok(!allFilesText({ dir: cwd }).includes(KEY) && !r.stdout.includes(KEY) && !r.stderr.includes(KEY));
  // the default student settings: the GAD rollout temperature, max_response_length new tokens
  const st = await gen(dir('student'), s, ['--max-requests', '1'], 'student');
  assert.equal(st.status, 0, st.stderr);
  assert.equal(s.requests.at(-1)!.body.temperature, 0.8);
  assert.equal(s.requests.at(-1)!.body.max_tokens, 2048);
});

test('transport faults (429 + Retry-After, 500, hung response, closed socket): the same bytes, no question answered twice', async () => {
  const kinds: Fault[] = ['429', '500', 'hang', 'close'];
  let i = 0;
  const s = await server(() => (i++ % 5 < 4 ? kinds[i % 4]! : null));
  const cwd = dir('faults');
  const r = await gen(cwd, s, ['--concurrency', '16']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(s.mismatches, []);
  for (const k of ['hang', 'close', 429, 500])
    assert.ok(
      s.requests.some((q) => q.status === k),
      `fault ${k} injected`,
    );
  assert.equal(readFileSync(join(cwd, 'teacher.jsonl'), 'utf8'), reference);
  assert.deepEqual(answeredTwice(s), []);
  assert.ok(!allFilesText({ dir: cwd }).includes(KEY) && !r.stdout.includes(KEY) && !r.stderr.includes(KEY));
});

test("a length finish and an empty answer are kept out with a reason; the rest is the fault-free run's", async () => {
  const faulted = new Map<string, Fault>();
  let i = 0;
  const s = await server((q) => {
    i++;
    const f = i % 10 === 3 ? 'length' : i % 10 === 7 ? 'empty' : null;
    if (f) faulted.set(q, f);
    return f;
  });
  const cwd = dir('content');
  const r = await gen(cwd, s);
  assert.equal(r.status, 0, r.stderr);
  const dropped = readFileSync(join(cwd, 'teacher.dropped.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const reasons = dropped.map((d) => d.reason).sort();
  assert.equal(dropped.length, faulted.size);
  assert.ok(reasons.includes('truncated') && reasons.includes('empty'));
  const droppedIds = new Set(dropped.map((d) => d.id));
  const expect = reference.split('\n').filter((l) => l && !droppedIds.has(JSON.parse(l).id));
  assert.equal(readFileSync(join(cwd, 'teacher.jsonl'), 'utf8'), expect.map((l) => `${l}\n`).join(''));
  assert.match(r.stdout, /dropped (truncated \d+, empty \d+|empty \d+, truncated \d+)/);
  // a rerun asks nothing again and writes the same bytes
  const before = s.requests.length;
  const again = await gen(cwd, s);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(s.requests.length, before);
  assert.equal(readFileSync(join(cwd, 'teacher.jsonl'), 'utf8'), expect.map((l) => `${l}\n`).join(''));
});

test('--max-requests stops early without an answer file; the rerun sends only the rest and writes the same bytes', async () => {
  const s = await server();
  const cwd = dir('capped');
  const r = await gen(cwd, s, ['--max-requests', '50']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /--max-requests reached: 151 row\(s\) have no answer yet/);
  assert.ok(!existsSync(join(cwd, 'teacher.jsonl')));
  assert.equal(s.requests.length, 50);
  const r2 = await gen(cwd, s);
  assert.equal(r2.status, 0, r2.stderr);
  assert.equal(s.requests.length, rows.length);
  assert.deepEqual(answeredTwice(s), []);
  assert.equal(readFileSync(join(cwd, 'teacher.jsonl'), 'utf8'), reference);
  // other settings on the same journal are refused, naming what differs
  const r3 = await gen(cwd, s, ['--temperature', '0.3']);
  assert.equal(r3.status, 2);
  assert.match(r3.stderr, /other settings \(sampling differs\)/);
});

test('the key is sent only to the endpoint host: a redirect elsewhere is refused', async () => {
  const other = await startOpenAIServer({});
  servers.push(other);
  const s = await server(() => 'redirect', { redirectTo: `http://localhost:${other.port}` });
  const cwd = dir('redirect');
  const r = await gen(cwd, s, ['--retries', '0', '--max-requests', '3']);
  assert.equal(other.requests.length, 0);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /failed after retries/);
  assert.ok(!allFilesText({ dir: cwd }).includes(KEY) && !r.stdout.includes(KEY) && !r.stderr.includes(KEY));
});

test('a wrong key (401) or a wrong path (404) stops the run with exit 2 and the key is not in the message', async () => {
  const s = await startOpenAIServer({ key: 'sk-the-right-one' });
  servers.push(s);
  for (const endpoint of [s.url, `${s.url}/nowhere`]) {
    const cwd = mkdtempSync(join(tmp, 'auth-'));
    const r = await runCli(['generate', 'teacher', '--from', build, '--endpoint', endpoint, '--model', 'm'], {
      cwd,
      env,
      timeoutMs: 600_000,
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /refused the requests: (401|404)/);
    assert.ok(!r.stderr.includes(KEY) && !r.stdout.includes(KEY));
    assert.ok(s.requests.length < 50, 'the run stops soon after the refusal');
    s.reset();
  }
});

test('student --n 2: one request per row with n=2, one student file per sample, each one readable by export rm', async () => {
  const s = await server();
  const cwd = dir('n2');
  const r = await gen(cwd, s, ['--n', '2'], 'student');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(s.requests.length, rows.length);
  assert.ok(s.requests.every((q) => q.body.n === 2 && q.body.temperature === 0.8));
  const files = ['student-1.jsonl', 'student-2.jsonl'].map((f) =>
    readFileSync(join(cwd, f), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
  );
  for (const [k, lines] of files.entries()) {
    assert.deepEqual(
      lines.map((l) => l.id),
      rows.map((x) => x.id),
    );
    assert.ok(lines.every((l) => l.sample === k && l.response.includes(`sample ${k}.`)));
  }
});
