/**
 * The offline path: `--batch-out` writes the OpenAI Batch API input format (checked line by line against the
 * documented format, and each request against the build), and `generate import` reads results in OpenAI's and
 * vLLM's output formats back into the same answer file as a live run; failed results are left for a resubmit
 * of only those rows.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../../src/core/paths.js';
import { writeBatchFile } from '../../src/generate/batch.js';
import { runCli } from '../helpers/gad-cli.js';
import { shellFlagValue } from '../helpers/shell-words.js';
import { type ChatBody, type FakeOpenAI, completionOf, startOpenAIServer } from '../helpers/openai-server.js';
import { type BuildRowView, buildRows, buildSample, checkerFor } from '../helpers/generate-build.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-generate-batch-'));
const build = join(tmp, 'build');
const env = { ...process.env, OPENAI_API_KEY: 'sk-batch-test-key' };
let rows: BuildRowView[];
let srv: FakeOpenAI;
let reference = '';

before(async () => {
  await buildSample(build, packagePath());
  rows = await buildRows(build);
  srv = await startOpenAIServer({ check: checkerFor(rows) });
  const cwd = join(tmp, 'live');
  mkdirSync(cwd);
  const r = await runCli(['generate', 'teacher', '--from', build, '--endpoint', srv.url, '--model', 'gpt-x'], {
    cwd,
    env,
    timeoutMs: 600_000,
  });
  assert.equal(r.status, 0, r.stderr);
  reference = readFileSync(join(cwd, 'teacher.jsonl'), 'utf8');
});
after(async () => {
  await srv.close();
  rmSync(tmp, { recursive: true, force: true });
});

interface BatchLine {
  custom_id: string;
  method: string;
  url: string;
  body: ChatBody;
}

/** The OpenAI Batch API input format (platform.openai.com/docs/guides/batch, "Preparing your batch file"). */
function checkBatchFile(file: string): BatchLine[] {
  const text = readFileSync(file, 'utf8');
  assert.ok(text.endsWith('\n'));
  assert.ok(statSync(file).size <= 200 * 1024 * 1024, 'at most 200 MB');
  const lines = text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as BatchLine);
  assert.ok(lines.length <= 50_000, 'at most 50,000 requests');
  const ids = new Set<string>();
  for (const l of lines) {
    assert.deepEqual(Object.keys(l).sort(), ['body', 'custom_id', 'method', 'url']);
    assert.equal(typeof l.custom_id, 'string');
    assert.ok(!ids.has(l.custom_id), 'custom_id unique');
    ids.add(l.custom_id);
    assert.equal(l.method, 'POST');
    assert.equal(l.url, '/v1/chat/completions');
    assert.equal(l.body.model, 'gpt-x', 'one model per file');
    assert.ok(Array.isArray(l.body.messages));
  }
  return lines;
}

async function batchOut(cwd: string, extra: string[] = []) {
  const r = await runCli(
    [
      'generate',
      'teacher',
      '--from',
      build,
      '--model',
      'gpt-x',
      '--endpoint',
      srv.url,
      '--batch-out',
      'requests.jsonl',
      ...extra,
    ],
    { cwd, env, timeoutMs: 600_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  return r;
}

async function importResults(cwd: string, files: string[]) {
  return runCli(['generate', 'import', ...files, '--batch', 'requests.jsonl'], { cwd, env, timeoutMs: 600_000 });
}

/** Results as OpenAI's Batch API writes them (output file; `failed` rows go to the error file). */
function openaiResults(lines: BatchLine[], failed: Set<string> = new Set()): { output: string; errors: string } {
  const out: string[] = [];
  const err: string[] = [];
  lines.forEach((l, i) => {
    if (failed.has(l.custom_id))
      err.push(
        JSON.stringify({
          id: `batch_req_e${i}`,
          custom_id: l.custom_id,
          response: {
            status_code: 500,
            request_id: `req_e${i}`,
            body: { error: { message: 'server error', type: 'server_error' } },
          },
          error: null,
        }),
      );
    else
      out.push(
        JSON.stringify({
          id: `batch_req_${i}`,
          custom_id: l.custom_id,
          response: { status_code: 200, request_id: `req_${i}`, body: completionOf(l.body) },
          error: null,
        }),
      );
  });
  // the service does not keep the input order
  return { output: out.reverse().join('\n') + '\n', errors: err.join('\n') + (err.length ? '\n' : '') };
}

/** Results as `vllm run-batch -o` writes them (BatchRequestOutput, vllm/entrypoints/openai/run_batch.py). */
function vllmResults(lines: BatchLine[]): string {
  return (
    lines
      .map((l, i) =>
        JSON.stringify({
          id: `vllm-${i.toString(16).padStart(32, '0')}`,
          custom_id: l.custom_id,
          response: {
            status_code: 200,
            request_id: `vllm-batch-${i.toString(16).padStart(32, '0')}`,
            body: {
              ...completionOf(l.body),
              system_fingerprint: null,
              prompt_logprobs: null,
              kv_transfer_params: null,
            },
          },
          error: null,
        }),
      )
      .join('\n') + '\n'
  );
}

test('--batch-out writes the documented Batch API input format, one checked request per row', async () => {
  const cwd = join(tmp, 'format');
  mkdirSync(cwd);
  const r = await batchOut(cwd);
  const lines = checkBatchFile(join(cwd, 'requests.jsonl'));
  assert.equal(lines.length, rows.length);
  const check = checkerFor(rows);
  for (const l of lines) assert.equal(check(l.body), null);
  assert.match(r.stdout, /Wrote 201 request\(s\) to \.\/requests\.jsonl/);
  // over the per-file limits the lines go on in numbered files
  const split = await writeBatchFile({
    role: 'teacher',
    from: build,
    model: 'gpt-x',
    batchOut: join(cwd, 'small.jsonl'),
    maxRequests: 50,
  });
  assert.deepEqual(
    split.files.map((f) => f.split('/').pop()),
    ['small.jsonl', 'small-2.jsonl', 'small-3.jsonl', 'small-4.jsonl', 'small-5.jsonl'],
  );
  assert.equal(
    split.files.map((f) => checkBatchFile(f).length).reduce((a, b) => a + b),
    rows.length,
  );
});

test("OpenAI's and vLLM's result files import to the live run's bytes", async () => {
  for (const kind of ['openai', 'vllm']) {
    const cwd = join(tmp, `import-${kind}`);
    mkdirSync(cwd);
    await batchOut(cwd);
    const lines = checkBatchFile(join(cwd, 'requests.jsonl'));
    writeFileSync(join(cwd, 'results.jsonl'), kind === 'openai' ? openaiResults(lines).output : vllmResults(lines));
    const r = await importResults(cwd, ['results.jsonl']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(join(cwd, 'teacher.jsonl'), 'utf8'), reference, kind);
  }
});

test('failed results are left out and resubmitted alone; the second import completes the same file', async () => {
  const cwd = join(tmp, 'resubmit');
  mkdirSync(cwd);
  await batchOut(cwd);
  const lines = checkBatchFile(join(cwd, 'requests.jsonl'));
  const failed = new Set(lines.filter((_, i) => i % 20 === 0).map((l) => l.custom_id));
  const res = openaiResults(lines, failed);
  writeFileSync(join(cwd, 'output.jsonl'), res.output);
  writeFileSync(join(cwd, 'errors.jsonl'), res.errors);
  const r = await importResults(cwd, ['output.jsonl', 'errors.jsonl']);
  assert.equal(r.status, 1);
  assert.match(r.stdout, new RegExp(`${failed.size} failed`));
  assert.ok(!readdirSync(cwd).includes('teacher.jsonl'));
  await batchOut(cwd);
  const again = checkBatchFile(join(cwd, 'requests.jsonl'));
  assert.deepEqual(new Set(again.map((l) => l.custom_id)), failed);
  writeFileSync(join(cwd, 'output2.jsonl'), openaiResults(again).output);
  const r2 = await importResults(cwd, ['output2.jsonl']);
  assert.equal(r2.status, 0, r2.stderr);
  assert.equal(readFileSync(join(cwd, 'teacher.jsonl'), 'utf8'), reference);
});

test('a batch file named "it\'s requests.jsonl": the Next import command passes it as one shell word', async () => {
  const cwd = join(tmp, 'quoted');
  mkdirSync(cwd);
  const name = "it's requests.jsonl";
  const r = await runCli(
    ['generate', 'teacher', '--from', build, '--model', 'gpt-x', '--endpoint', srv.url, '--batch-out', name],
    { cwd, env, timeoutMs: 600_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  const next = r.stdout.split('\n').find((l) => l.includes('gad-data generate import'));
  assert.ok(next, r.stdout);
  assert.equal(shellFlagValue(next, '--batch'), `./${name}`);
});
