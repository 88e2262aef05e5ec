/**
 * `gad-data generate` against Azure OpenAI, played by a local server that serves only Azure's URLs and accepts
 * the key only in the `api-key` header: the dated API (`/openai/deployments/{deployment}/chat/completions
 * ?api-version=V`, the `openai` package's AzureOpenAI client) and the v1 API (`/openai/v1/chat/completions`).
 * The answers are the same as from an OpenAI-compatible server; the key never reaches a file or the output;
 * the batch file carries Azure's `url`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../../src/core/paths.js';
import { azureTarget, batchUrl, isAzureHost } from '../../src/generate/azure.js';
import { allFilesText } from '../helpers/all-files-text.js';
import { runCli } from '../helpers/gad-cli.js';
import { type FakeOpenAI, startOpenAIServer } from '../helpers/openai-server.js';
import { type BuildRowView, buildRows, buildSample, checkerFor } from '../helpers/generate-build.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-generate-azure-'));
const build = join(tmp, 'prompts-out');
const KEY = 'azure-test-KEY-8d1f0c2b9e';
const OTHER_KEY = 'sk-openai-not-for-azure-3a7e';
const DEPLOYMENT = 'gpt-4o';
/** The environment without any OpenAI / Azure variable of the machine running the tests. */
const baseEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(OPENAI_|AZURE_OPENAI_)/.test(k)),
) as NodeJS.ProcessEnv;
const env = { ...baseEnv, AZURE_OPENAI_API_KEY: KEY, OPENAI_API_KEY: OTHER_KEY };
let rows: BuildRowView[];
const servers: FakeOpenAI[] = [];
/** The answer file from a plain OpenAI-compatible server, without its `endpoint` (host:port differs). */
let reference: unknown[] = [];

const withoutEndpoint = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => {
      const { endpoint: _e, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });

async function serve(o: { path?: string; auth?: 'api-key' } = {}): Promise<FakeOpenAI> {
  const s = await startOpenAIServer({ check: checkerFor(rows), key: o.auth ? KEY : OTHER_KEY, ...o });
  servers.push(s);
  return s;
}

let n = 0;
function dir(): string {
  const d = join(tmp, `run-${++n}`);
  mkdirSync(d);
  return d;
}

const gen = (cwd: string, args: string[], e: NodeJS.ProcessEnv = env) =>
  runCli(['generate', 'teacher', '--from', build, '--model', DEPLOYMENT, '--timeout', '20', ...args], {
    cwd,
    env: e,
    timeoutMs: 600_000,
  });

before(async () => {
  await buildSample(build, packagePath());
  rows = await buildRows(build);
  const s = await serve();
  const cwd = dir();
  const r = await gen(cwd, ['--endpoint', s.url]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(s.requests.every((q) => q.authorization === `Bearer ${OTHER_KEY}`));
  reference = withoutEndpoint(readFileSync(join(cwd, 'teacher.jsonl'), 'utf8'));
});
after(async () => {
  for (const s of servers) await s.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('Azure dated API: api-key header, /openai/deployments/{deployment}/chat/completions, ?api-version; the same answers', async () => {
  const s = await serve({ path: `/openai/deployments/${DEPLOYMENT}/chat/completions`, auth: 'api-key' });
  const cwd = dir();
  const r = await gen(cwd, ['--endpoint', `http://127.0.0.1:${s.port}`, '--azure', '--api-version', '2024-10-21']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(s.mismatches, []);
  assert.equal(s.requests.length, rows.length);
  for (const q of s.requests) {
    assert.equal(q.url, `/openai/deployments/${DEPLOYMENT}/chat/completions?api-version=2024-10-21`);
    assert.equal(q.headers['api-key'], KEY);
    assert.equal(q.authorization, undefined, 'no Authorization header');
    assert.equal(q.body.model, DEPLOYMENT);
  }
  const text = readFileSync(join(cwd, 'teacher.jsonl'), 'utf8');
  assert.deepEqual(withoutEndpoint(text), reference);
  assert.equal(JSON.parse(text.split('\n')[0]!).endpoint, `127.0.0.1:${s.port}`);
  assert.ok(!allFilesText({ dir: cwd }).includes(KEY) && !r.stdout.includes(KEY) && !r.stderr.includes(KEY));
});

test('Azure from the environment: AZURE_OPENAI_ENDPOINT and OPENAI_API_VERSION, as the openai package reads them', async () => {
  const s = await serve({ path: `/openai/deployments/${DEPLOYMENT}/chat/completions`, auth: 'api-key' });
  const cwd = dir();
  const e = { ...env, AZURE_OPENAI_ENDPOINT: `http://127.0.0.1:${s.port}/`, OPENAI_API_VERSION: '2025-04-01-preview' };
  const r = await gen(cwd, ['--azure'], e);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(s.requests.length, rows.length);
  assert.ok(
    s.requests.every(
      (q) =>
        q.url === `/openai/deployments/${DEPLOYMENT}/chat/completions?api-version=2025-04-01-preview` &&
        q.headers['api-key'] === KEY,
    ),
  );
  assert.deepEqual(withoutEndpoint(readFileSync(join(cwd, 'teacher.jsonl'), 'utf8')), reference);
});

test('Azure v1 API: /openai/v1/chat/completions with the api-key header and no dated api-version', async () => {
  const s = await serve({ path: '/openai/v1/chat/completions', auth: 'api-key' });
  const cwd = dir();
  const r = await gen(cwd, ['--endpoint', `http://127.0.0.1:${s.port}/openai/v1/`, '--azure']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(s.requests.length, rows.length);
  for (const q of s.requests) {
    assert.equal(q.url, '/openai/v1/chat/completions');
    assert.equal(q.headers['api-key'], KEY);
    assert.equal(q.authorization, undefined, 'no Authorization header');
  }
  assert.deepEqual(withoutEndpoint(readFileSync(join(cwd, 'teacher.jsonl'), 'utf8')), reference);
  assert.ok(!allFilesText({ dir: cwd }).includes(KEY) && !r.stdout.includes(KEY) && !r.stderr.includes(KEY));
});

test('Azure usage errors exit 2 before any request: no api-version, no key, a deployment URL of another model, a wrong key', async () => {
  const s = await serve({ path: `/openai/deployments/${DEPLOYMENT}/chat/completions`, auth: 'api-key' });
  const url = `http://127.0.0.1:${s.port}`;
  const noVersion = await gen(dir(), ['--endpoint', url, '--azure']);
  assert.equal(noVersion.status, 2, noVersion.stderr);
  assert.match(noVersion.stderr, /api-version/);
  const noKey = await gen(dir(), ['--endpoint', url, '--azure', '--api-version', '2024-10-21'], {
    ...baseEnv,
    OPENAI_API_KEY: OTHER_KEY,
  });
  assert.equal(noKey.status, 2, noKey.stderr);
  assert.match(noKey.stderr, /AZURE_OPENAI_API_KEY is not set/);
  const otherDeployment = await gen(dir(), [
    '--endpoint',
    `${url}/openai/deployments/gpt-4o-mini`,
    '--azure',
    '--api-version',
    '2024-10-21',
  ]);
  assert.equal(otherDeployment.status, 2, otherDeployment.stderr);
  assert.match(otherDeployment.stderr, /deployment "gpt-4o-mini" but --model is "gpt-4o"/);
  assert.equal(s.requests.length, 0, 'nothing was sent');
  const wrong = await gen(
    dir(),
    ['--endpoint', url, '--azure', '--api-version', '2024-10-21', '--api-key-env', 'OPENAI_API_KEY'],
    env,
  );
  assert.equal(wrong.status, 2, wrong.stderr);
  assert.match(wrong.stderr, /401/);
  assert.ok(!wrong.stderr.includes(OTHER_KEY) && !wrong.stdout.includes(OTHER_KEY));
});

test("Azure batch input: Azure's url (/chat/completions for the dated API, /v1/... for v1) and the deployment as model", async () => {
  const url = (args: string[]) => {
    const cwd = dir();
    return gen(cwd, ['--batch-out', 'requests.jsonl', ...args]).then((r) => {
      assert.equal(r.status, 0, r.stderr);
      const lines = readFileSync(join(cwd, 'requests.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { url: string; body: { model: string } });
      assert.equal(lines.length, rows.length);
      assert.ok(lines.every((l) => l.body.model === DEPLOYMENT));
      return [...new Set(lines.map((l) => l.url))];
    });
  };
  assert.deepEqual(await url(['--azure']), ['/chat/completions']);
  assert.deepEqual(await url(['--endpoint', 'https://my-resource.openai.azure.com']), ['/chat/completions']);
  assert.deepEqual(await url(['--endpoint', 'https://my-resource.openai.azure.com/openai/v1']), [
    '/v1/chat/completions',
  ]);
  assert.deepEqual(await url([]), ['/v1/chat/completions']);
});

test('Azure hosts and URL forms', () => {
  assert.ok(isAzureHost('https://my-resource.openai.azure.com'));
  assert.ok(isAzureHost('https://my-resource.cognitiveservices.azure.com/'));
  assert.ok(!isAzureHost('https://api.openai.com/v1'));
  assert.ok(!isAzureHost('https://openai.azure.com.example.org/v1'));
  const v = '2024-10-21';
  assert.deepEqual(azureTarget('https://r.openai.azure.com/', 'd', v), {
    form: 'deployments',
    baseURL: 'https://r.openai.azure.com/openai',
    apiVersion: v,
  });
  assert.equal(azureTarget('https://r.openai.azure.com/openai/', 'd', v).baseURL, 'https://r.openai.azure.com/openai');
  assert.equal(
    azureTarget('https://r.openai.azure.com/openai/deployments/d', 'd', v).baseURL,
    'https://r.openai.azure.com/openai/deployments/d',
  );
  assert.deepEqual(azureTarget('https://r.openai.azure.com/openai/v1/', 'd', undefined), {
    form: 'v1',
    baseURL: 'https://r.openai.azure.com/openai/v1',
    apiVersion: undefined,
  });
  assert.throws(() => azureTarget('https://r.openai.azure.com/?api-version=1', 'd', v), /query/);
  assert.equal(batchUrl({ azure: true }), '/chat/completions');
  assert.equal(batchUrl({ endpoint: 'http://127.0.0.1:8000/v1' }), '/v1/chat/completions');
});

/** The `npx gad-data ...` lines of the sh block under a heading of docs/generate.md, comments cut. */
function docCommands(heading: string): string[][] {
  const text = readFileSync(packagePath('docs', 'generate.md'), 'utf8');
  const at = text.indexOf(heading);
  assert.ok(at >= 0, heading);
  const start = text.indexOf('```sh\n', at) + 6;
  return text
    .slice(start, text.indexOf('\n```', start))
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l.startsWith('npx gad-data '))
    .map((l) => l.slice('npx gad-data '.length).split(/\s+/));
}

test("docs/generate.md's Azure commands, verbatim, with the endpoint of the environment at the local server", async () => {
  const [live, batch] = docCommands('## Azure OpenAI');
  assert.ok(live && batch);
  const s = await serve({ path: `/openai/deployments/${DEPLOYMENT}/chat/completions`, auth: 'api-key' });
  const e = {
    ...baseEnv,
    AZURE_OPENAI_API_KEY: KEY,
    AZURE_OPENAI_ENDPOINT: `http://127.0.0.1:${s.port}`,
    OPENAI_API_VERSION: '2024-10-21',
  };
  const r = await runCli(live, { cwd: tmp, env: e, timeoutMs: 600_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(s.requests.length, rows.length);
  assert.ok(
    s.requests.every((q) => q.url === `/openai/deployments/${DEPLOYMENT}/chat/completions?api-version=2024-10-21`),
  );
  assert.deepEqual(withoutEndpoint(readFileSync(join(tmp, 'teacher.jsonl'), 'utf8')), reference);
  rmSync(join(tmp, 'teacher.jsonl'));
  rmSync(join(tmp, 'teacher.journal.jsonl'));
  const b = await runCli(batch, { cwd: tmp, env: e, timeoutMs: 600_000 });
  assert.equal(b.status, 0, b.stderr);
  const lines = readFileSync(join(tmp, 'requests.jsonl'), 'utf8').trim().split('\n');
  assert.equal(lines.length, rows.length);
  assert.ok(lines.every((l) => JSON.parse(l).url === '/chat/completions' && JSON.parse(l).body.model === DEPLOYMENT));
  assert.ok(!allFilesText({ dir: tmp }).includes(KEY) && !r.stdout.includes(KEY) && !r.stderr.includes(KEY));
});
