/**
 * The GAD recipe with `generate`, run end to end on the bundled sample's questions against a local
 * OpenAI-compatible server: the commands of docs/gad-recipe.md ("Answers with gad-data generate") and of
 * docs/generate.md, verbatim (the `train` lines launch ms-swift / verl and are tested elsewhere):
 * build → generate teacher → build --teacher → export sft, and generate student → export rm; plus the
 * offline batch commands. The teacher answers land in the GAD build's shards and the SFT set unchanged.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../../src/core/paths.js';
import { runCli } from '../helpers/gad-cli.js';
import { type FakeOpenAI, completionOf, startOpenAIServer } from '../helpers/openai-server.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-generate-recipe-'));
let srv: FakeOpenAI;
const MODEL_PATH = 'output/generator_warmup/v0-20251228-085621/checkpoint-1200';

before(async () => {
  cpSync(packagePath('fixtures', 'sample'), join(tmp, 'fixtures', 'sample'), { recursive: true });
  srv = await startOpenAIServer({});
});
after(async () => {
  await srv.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** The `npx gad-data ...` commands of a doc's sh block under `heading`, continuation lines joined, comments cut. */
function docCommands(doc: string, heading: string): string[] {
  const text = readFileSync(packagePath('docs', doc), 'utf8');
  const at = text.indexOf(heading);
  assert.ok(at >= 0, `${doc}: ${heading}`);
  const block = text.slice(text.indexOf('```sh\n', at) + 6, text.indexOf('\n```', text.indexOf('```sh\n', at)));
  return block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l.startsWith('npx gad-data '));
}

/** Run one documented command as the shell would (only "$MODEL_PATH" needs expanding here). */
async function run(cmd: string) {
  const args = cmd
    .slice('npx gad-data '.length)
    .split(/\s+/)
    .map((a) => (a === '"$MODEL_PATH"' ? MODEL_PATH : a));
  const env = { ...process.env, OPENAI_API_KEY: 'sk-recipe-test', OPENAI_BASE_URL: srv.url, MODEL_PATH };
  const r = await runCli(args, { cwd: tmp, env, timeoutMs: 600_000 });
  assert.equal(r.status, 0, `${cmd}\n${r.stderr}`);
  return r;
}

const jsonl = (f: string) =>
  readFileSync(join(tmp, f), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test('docs/gad-recipe.md: build → generate teacher → build --teacher → export sft; generate student → export rm', async () => {
  const cmds = docCommands('gad-recipe.md', '## Answers with `gad-data generate`');
  const runnable = cmds.filter((c) => !c.startsWith('npx gad-data train '));
  assert.deepEqual(
    runnable.map((c) => c.split(' ').slice(2, 4).join(' ')),
    ['build --train', 'generate teacher', 'build --train', 'export sft', 'generate student', 'export rm'],
  );
  for (const c of runnable) await run(c);
  const teacher = jsonl('teacher.jsonl');
  const student = jsonl('student.jsonl');
  const gad = JSON.parse(readFileSync(join(tmp, 'gad-data-out', 'manifest.json'), 'utf8'));
  const prompts = JSON.parse(readFileSync(join(tmp, 'prompts-out', 'manifest.json'), 'utf8'));
  assert.equal(gad.kind, 'gad');
  const kept = (m: { splits: Record<string, { rowsOut: number }> }) =>
    Object.values(m.splits).reduce((a, s) => a + s.rowsOut, 0);
  assert.equal(kept(gad), kept(prompts), 'every prompt row has its teacher answer');
  assert.equal(teacher.length, kept(prompts));
  assert.equal(student.length, kept(gad));
  assert.ok(teacher.every((l) => String(l.response).startsWith('<think>\ngpt-5-chat reads')));
  assert.ok(student.every((l) => String(l.response).startsWith(`<think>\n${MODEL_PATH} reads`)));
  // the SFT set holds the teacher answers as generated; the RM pairs prefer them over the student's
  const sft = jsonl('gad-data-out/sft-ms-swift/train.jsonl');
  const byId = new Map(teacher.map((l) => [l.id, l.response]));
  const sftAnswers = new Set(sft.map((l) => (l.messages as Array<{ content: string }>)[1]!.content));
  for (const l of teacher.filter((x) => x.split === 'train')) assert.ok(sftAnswers.has(String(byId.get(l.id))));
  const rm = JSON.parse(readFileSync(join(tmp, 'gad-data-out', 'rm-ms-swift', 'export.json'), 'utf8'));
  assert.deepEqual(rm.dropped, {});
  assert.equal(
    Object.values(rm.files as Record<string, { rows: number }>).reduce((a, f) => a + f.rows, 0),
    kept(gad),
  );
});

test("docs/gad-recipe.md's train --profile swift-rm, dry run: the pre-flight names the student and the teacher file", async () => {
  const cmd = docCommands('gad-recipe.md', '## Answers with `gad-data generate`').find((c) =>
    c.startsWith('npx gad-data train --profile swift-rm '),
  );
  assert.ok(cmd);
  const sha = createHash('sha256')
    .update(readFileSync(join(tmp, 'student.jsonl')))
    .digest('hex');
  const out = (await run(`${cmd} --dry-run`)).stdout;
  const line = (check: string) => out.split('\n').find((l) => new RegExp(`^#\\s+ok\\s+${check}: `).test(l)) ?? '';
  assert.match(
    line('student'),
    new RegExp(
      `student answers from student\\.jsonl \\(\\d+ row ids; unchanged, sha256 ${sha.slice(0, 12)}\\), written by gad-data generate student: model ${MODEL_PATH} at 127\\.0\\.0\\.1:${srv.port} \\(\\d+ answers kept, 0 left out\\)`,
    ),
    out,
  );
  assert.match(
    line('teacher'),
    new RegExp(
      `teacher responses from the file teacher\\.jsonl, written by gad-data generate teacher: model gpt-5-chat`,
    ),
    out,
  );
  // the student file replaced after the export: said, not a failure (the pairs hold the answers as exported)
  const text = readFileSync(join(tmp, 'student.jsonl'), 'utf8');
  writeFileSync(join(tmp, 'student.jsonl'), `${text}\n`);
  try {
    assert.match(
      (await run(`${cmd} --dry-run`)).stdout,
      /student answers from student\.jsonl \(\d+ row ids; changed since the export/,
    );
  } finally {
    writeFileSync(join(tmp, 'student.jsonl'), text);
  }
});

test('docs/generate.md: the offline batch commands, with vllm run-batch results', async () => {
  const cmds = docCommands('generate.md', '## Offline batch');
  assert.deepEqual(
    cmds.map((c) => c.split(' ').slice(2, 4).join(' ')),
    ['generate teacher', 'generate import'],
  );
  rmSync(join(tmp, 'teacher.jsonl'));
  rmSync(join(tmp, 'teacher.journal.jsonl'));
  await run(cmds[0]!);
  const results = jsonl('requests.jsonl').map((l, i) =>
    JSON.stringify({
      id: `vllm-${i}`,
      custom_id: l.custom_id,
      response: { status_code: 200, request_id: `vllm-batch-${i}`, body: completionOf(l.body as never) },
      error: null,
    }),
  );
  writeFileSync(join(tmp, 'results.jsonl'), `${results.join('\n')}\n`);
  const r = await run(cmds[1]!);
  assert.match(r.stdout, /kept \d+ answer\(s\)/);
  assert.equal(jsonl('teacher.jsonl').length, jsonl('requests.jsonl').length);
});
