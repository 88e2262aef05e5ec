/**
 * Config typos are errors (issue 13, item 5). A key gad-data does not know is an error naming it with the
 * closest known key — `data.train_file` no longer builds the bundled sample into the user's output, and
 * `max_prompt_lenght` no longer silently keeps 2048. Keys EasyR1's DataConfig defines are still accepted and
 * listed as ignored, so an EasyR1 config loads as is. With a config file, the bundled sample is never built.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, ignoredDataKeys, parseConfig } from '../../src/config/config.js';
import { EASYR1_DATA_CONFIG_FIELDS } from '../../src/core/easyr1-data-keys.js';
import { runCli } from '../helpers/gad-cli.js';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gad-rel-typos-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const env = { ...process.env, NO_COLOR: '1' };

function noStack(s: string) {
  assert.doesNotMatch(s, /\n\s+at .+:\d+:\d+/, 'no stack trace');
}

test(
  'data.train_file (missing "s") in --config: exit 2 naming the key and data.train_files; the sample is not built into OUT',
  { timeout: 600_000 },
  async () => {
    const dir = join(tmp, 'train-file');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'train.jsonl'), '{"problem": "x", "images": []}\n');
    await writeFile(join(dir, 'cfg.yaml'), 'data:\n  train_file: train.jsonl\n');
    const r = await runCli(['build', '--config', 'cfg.yaml', '--out', 'out'], { cwd: dir, env });
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /data\.train_file: unknown key \(did you mean data\.train_files\?\)/);
    assert.doesNotMatch(r.stderr + r.stdout, /bundled sample/);
    assert.ok(!existsSync(join(dir, 'out')), 'nothing was written to OUT');
    noStack(r.stderr);
  },
);

test(
  'max_prompt_lenght: exit 2 with "did you mean data.max_prompt_length"; a key at the wrong level names where it goes',
  { timeout: 600_000 },
  async () => {
    const dir = join(tmp, 'lenght');
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'cfg.yaml'),
      'data:\n  train_files: train.jsonl\n  max_prompt_lenght: 4096\nmax_response_length: 512\n',
    );
    const r = await runCli(['build', '--config', 'cfg.yaml', '--out', 'out'], { cwd: dir, env });
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /data\.max_prompt_lenght: unknown key \(did you mean data\.max_prompt_length\?\)/);
    assert.match(r.stderr, /max_response_length: unknown key \(did you mean data\.max_response_length\?\)/);
    assert.ok(!existsSync(join(dir, 'out')));
    noStack(r.stderr);
  },
);

test(
  'a --config without train_files is an error naming the key and the file, never a build of the bundled sample',
  { timeout: 600_000 },
  async () => {
    const dir = join(tmp, 'no-train');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'cfg.yaml'), 'model: qwen3-vl\ndata:\n  max_prompt_length: 1024\n');
    const r = await runCli(['build', '--config', 'cfg.yaml', '--out', 'out'], { cwd: dir, env });
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /data\.train_files is not set in \S*cfg\.yaml/);
    assert.ok(!existsSync(join(dir, 'out')));
    // the same for a gad-data.yaml found in the current folder
    await writeFile(join(dir, 'gad-data.yaml'), 'model: qwen3-vl\n');
    const found = await runCli(['build', '--out', 'out'], { cwd: dir, env });
    assert.equal(found.status, 2, found.stdout + found.stderr);
    assert.match(found.stderr, /data\.train_files is not set in .*gad-data\.yaml/);
    assert.ok(!existsSync(join(dir, 'out')));
  },
);

test("every key of EasyR1's DataConfig is accepted; those gad-data does not use are listed as ignored", () => {
  // an EasyR1 data: section with every field of its DataConfig (values as EasyR1's defaults)
  const easyr1Values: Record<string, unknown> = {
    train_files: '/data/train.jsonl',
    val_files: '/data/test.jsonl',
    prompt_key: 'prompt',
    answer_key: 'answer',
    image_key: 'images',
    video_key: 'videos',
    image_dir: null,
    video_fps: 2.0,
    max_prompt_length: 512,
    max_response_length: 512,
    rollout_batch_size: 512,
    mini_rollout_batch_size: null,
    val_batch_size: -1,
    format_prompt: null,
    format_prompt_path: null,
    override_chat_template: null,
    system_prompt: null,
    shuffle: true,
    seed: 1,
    min_pixels: 262144,
    max_pixels: 4194304,
    filter_overlong_prompts: true,
    filter_overlong_prompts_workers: 16,
    return_raw_input_ids: false,
    return_raw_prompt: false,
  };
  assert.deepEqual(Object.keys(easyr1Values).sort(), [...EASYR1_DATA_CONFIG_FIELDS].sort());
  const data = easyr1Values;
  const cfg = resolveConfig({ flags: { data } });
  const ignored = ignoredDataKeys(cfg);
  for (const k of [
    'video_key',
    'rollout_batch_size',
    'mini_rollout_batch_size',
    'val_batch_size',
    'shuffle',
    'filter_overlong_prompts_workers',
    'video_fps',
  ]) {
    assert.ok(ignored.includes(k), `${k} listed as ignored`);
  }
  // override_chat_template is read (the counts are made with it)
  for (const k of ['train_files', 'max_prompt_length', 'image_dir', 'seed', 'override_chat_template'])
    assert.ok(!ignored.includes(k), `${k} is used`);
  // anything else, in any section, is an error with a suggestion
  assert.throws(
    () => parseConfig({ data: { prompt_keys: 'q' } }),
    /data\.prompt_keys: unknown key \(did you mean data\.prompt_key\?\)/,
  );
  assert.throws(
    () => parseConfig({ teacher: { response_keys: 'r' } }),
    /teacher\.response_keys: unknown key \(did you mean teacher\.response_key\?\)/,
  );
  assert.throws(
    () => parseConfig({ hub: { revison: 'main' } }),
    /hub\.revison: unknown key \(did you mean hub\.revision\?\)/,
  );
  assert.throws(
    () => parseConfig({ data: { completely_unrelated: 1 } }),
    /data\.completely_unrelated: unknown key \(check the spelling/,
  );
});

test('older EasyR1 keys that change the prompt (format_prompt_path, system_prompt) are refused when set, not ignored', async () => {
  const base = { data: { train_files: join(tmp, 'train.jsonl') } };
  for (const [key, value, fix] of [
    ['format_prompt_path', './r1v.jinja', /rename it to data\.format_prompt/],
    ['system_prompt', 'You are a helpful assistant.', /does not add a system message/],
  ] as const) {
    const raw = { data: { ...base.data, [key]: value } };
    assert.throws(
      () => resolveConfig({ file: { raw, dir: tmp }, cwd: tmp }),
      (e: any) => e.exitCode === 2 && new RegExp(`data\\.${key} is set`).test(e.message) && fix.test(e.hint),
    );
    // null (EasyR1's default) is still accepted and listed as ignored
    const ok = resolveConfig({ file: { raw: { data: { ...base.data, [key]: null } }, dir: tmp }, cwd: tmp });
    assert.ok(ignoredDataKeys(ok).includes(key) || (ok.data as Record<string, unknown>)[key] === null);
  }
  await mkdir(join(tmp, 'prompt-keys'), { recursive: true });
  await writeFile(join(tmp, 'prompt-keys', 'c.yaml'), `data:\n  train_files: x.jsonl\n  system_prompt: Be brief.\n`);
  const r = await runCli(['build', '--config', 'c.yaml'], { cwd: join(tmp, 'prompt-keys'), env });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /data\.system_prompt is set/);
  noStack(r.stderr);
});
