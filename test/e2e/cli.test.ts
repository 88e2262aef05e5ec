/**
 * The CLI as a user runs it (compiled, through bin/gad-data.js): init, config files (ours and EasyR1's),
 * validate's exit codes, tokens, report, and clear errors (exit 2, no stack trace).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { packagePath } from '../../src/core/paths.js';
import { parseConfig, EXAMPLE_CONFIG } from '../../src/config/config.js';
import { loadModelProfile } from '../../src/model/model-profile.js';
import { loadFormatPrompt } from '../../src/model/chat-template.js';
import { PromptCounter } from '../../src/model/token-counts.js';
import { resizeFor } from '../../src/images/resize.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-cli-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const cli = (args: string[], opts: { cwd?: string; input?: string } = {}) =>
  spawnSync(process.execPath, [packagePath('bin', 'gad-data.js'), ...args], {
    encoding: 'utf8',
    cwd: opts.cwd ?? tmp,
    input: opts.input,
    env: { ...process.env, NO_COLOR: '1' },
  });
const ref = (f: string) => packagePath('test', 'fixtures', 'parquet', f);
const noStack = (s: string) => assert.doesNotMatch(s, /\n\s+at .+:\d+:\d+/);

test('init writes a commented config that validates; a second init refuses without --force', () => {
  const dir = mkdtempSync(join(tmp, 'init-'));
  const r = cli(['init'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const text = readFileSync(join(dir, 'gad-data.yaml'), 'utf8');
  assert.equal(text, EXAMPLE_CONFIG);
  const cfg = parseConfig(parseYaml(text));
  assert.equal(cfg.data.train_files, 'hiyouga/geometry3k@train');
  const again = cli(['init'], { cwd: dir });
  assert.equal(again.status, 2);
  assert.match(again.stderr, /exists already[\s\S]*--force/);
});

test('an EasyR1 config file builds as is; its unused keys are listed as ignored; a typo is a named error', () => {
  const dir = mkdtempSync(join(tmp, 'easyr1-'));
  const sample = packagePath('fixtures', 'sample');
  writeFileSync(
    join(dir, 'config.yaml'),
    `data:
  train_files: ${sample}/train.jsonl
  val_files: ${sample}/test.jsonl
  prompt_key: problem
  answer_key: answer
  image_key: images
  video_key: videos
  max_prompt_length: 2048
  max_response_length: 2048
  rollout_batch_size: 512
  format_prompt: ${packagePath('prompts', 'r1v.jinja')}
  min_pixels: 262144
  max_pixels: 4194304
  filter_overlong_prompts: true
algorithm:
  adv_estimator: grpo
worker:
  actor:
    global_batch_size: 128
trainer:
  total_epochs: 15
`,
  );
  const r = cli(['build', '--config', 'config.yaml', '--target', 'easyr1', '--out', 'out'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /ignored: video_key, rollout_batch_size/);
  const manifest = JSON.parse(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8'));
  assert.equal(manifest.target, 'easyr1');
  assert.equal(manifest.resize.pipeline, 'easyr1');
  assert.equal(manifest.resize.minPixels, 262144);
  assert.equal(manifest.formatPrompt.name, 'r1v');
  assert.equal(manifest.kind, 'grpo', 'no teacher in an EasyR1 config: a GRPO build');

  writeFileSync(join(dir, 'typo.yaml'), 'data:\n  train_files: x.jsonl\nmodle: qwen3-vl\n');
  const bad = cli(['build', '--config', 'typo.yaml', '--out', 'out2'], { cwd: dir });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /modle: unknown key/);
  noStack(bad.stderr);
  const badValue = cli(['build', '--config', 'config.yaml', '--max-prompt-length', 'lots', '--out', 'out3'], {
    cwd: dir,
  });
  assert.equal(badValue.status, 2);
  assert.match(badValue.stderr, /--max-prompt-length takes a whole number/);
});

test('validate: exit 0 on a clean verl file, 1 on files with problems, 2 on unusable input', () => {
  const ok = cli(['validate', ref('deepeyes_mini_10.parquet'), '--model', 'qwen2.5-vl', '--max-prompt-length', '2048']);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /no violations/);
  const pathOnly = cli(['validate', ref('llamafactory_mllm_example_test-0.parquet')]);
  assert.equal(pathOnly.status, 1);
  assert.match(pathOnly.stdout, /no embedded bytes/);
  const tooLong = cli([
    'validate',
    ref('deepeyes_mini_10.parquet'),
    '--model',
    'qwen2.5-vl',
    '--max-prompt-length',
    '600',
    '--json',
  ]);
  assert.equal(tooLong.status, 1);
  const j = JSON.parse(tooLong.stdout);
  assert.ok(j.violations.some((v: { problem: string }) => /prompt/.test(v.problem)));
  const notParquet = join(tmp, 'not.parquet');
  writeFileSync(notParquet, 'hello');
  const bad = cli(['validate', notParquet]);
  assert.equal(bad.status, 2);
  noStack(bad.stderr + bad.stdout);
});

test('tokens: a single prompt from flags equals the library count; --jsonl reports a bad line and goes on', async () => {
  const r = cli([
    'tokens',
    '--model',
    'qwen2.5-vl',
    '--format-prompt',
    'math',
    '--problem',
    '<image>Find x.',
    '--image',
    '1000x700',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout);
  const profile = await loadModelProfile('qwen2.5-vl');
  const geo = resizeFor(1000, 700, 'processor', profile.geometry);
  assert.ok(geo.ok);
  const c = new PromptCounter(profile, await loadFormatPrompt('math')).count('<image>Find x.', [geo.tokens]);
  assert.equal(got.prompt_tokens, c.promptTokens);
  assert.deepEqual(got.resized, [geo.resized]);

  const lines = [
    '{"problem": "<image>a", "image_sizes": [[640, 480]]}',
    'not json',
    '{"problem": "<image>b", "image_sizes": [[10, 3000]]}',
    '{"problem": "c", "image_sizes": []}',
  ].join('\n');
  const j = cli(['tokens', '--jsonl', '-'], { input: lines });
  assert.equal(j.status, 0, j.stderr);
  const out = j.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(out.length, 4);
  assert.ok(out[0].prompt_tokens > 0 && !out[0].error);
  assert.ok(out[1].error, 'bad line has an error');
  assert.match(out[2].error, /aspect ratio/);
  assert.ok(out[3].prompt_tokens > 0 && out[3].image_tokens === 0);
});

test('report on a build folder and on files of others; a missing folder is exit 2', () => {
  const out = join(tmp, 'built');
  const b = cli(['build', '--out', out, '-q']);
  assert.equal(b.status, 0, b.stderr);
  const r = cli(['report', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /recommended max_prompt_length/);
  const f = cli(['report', ref('deepeyes_mini_10.parquet'), '--model', 'qwen2.5-vl', '--json']);
  assert.equal(f.status, 0, f.stderr);
  assert.equal(JSON.parse(f.stdout).total.rows, 10);
  const missing = cli(['report', join(tmp, 'nope')]);
  assert.equal(missing.status, 2);
  noStack(missing.stderr);
  assert.ok(existsSync(join(out, 'format_prompt.jinja')), 'the format prompt travels with the data');
});
