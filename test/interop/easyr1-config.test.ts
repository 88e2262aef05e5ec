/**
 * EasyR1's own examples/config.yaml layout, run the way EasyR1 runs it: from the root of an EasyR1 checkout,
 * with paths relative to the working directory (`./examples/format_prompt/math.jinja`, a local dataset folder
 * `data/geo3k@train`), the model named by `worker.actor.model.model_path` (a local folder) and a
 * `data.override_chat_template`. The counts must be those of that model rendered with that template.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import YAML from 'yaml';
import { packagePath } from '../../src/core/paths.js';
import { writeRowsParquet, type GenRow } from '../helpers/ingest-parquet.js';
import { runCli } from '../helpers/gad-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-easyr1-config-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const root = join(tmp, 'EasyR1');
const FIXTURE = packagePath('test', 'fixtures', 'easyr1');
const MODEL_DIR = 'models/Qwen2.5-VL-7B-Instruct';
const qwen25Template = JSON.parse(
  readFileSync(packagePath('fixtures', 'models', 'qwen2.5-vl', 'chat_template.json'), 'utf8'),
).chat_template as string;
// the user's template: Qwen2.5-VL's with another default system prompt (every prompt changes length)
const OVERRIDE = qwen25Template.replace(
  'You are a helpful assistant.',
  'You are a meticulous geometry tutor. Reason step by step and check every number.',
);
// no home, cache or Hub reachable: everything must come from the checkout
const env: NodeJS.ProcessEnv = {
  ...process.env,
  HF_HOME: join(tmp, 'hf-home'),
  HF_HUB_CACHE: join(tmp, 'hf-home', 'hub'),
  HF_ENDPOINT: 'http://127.0.0.1:9',
  HF_HUB_OFFLINE: '0',
};
delete env.HF_TOKEN;

async function geoRows(prefix: string, n: number): Promise<GenRow[]> {
  const out: GenRow[] = [];
  for (let i = 0; i < n; i++) {
    const [w, h] = (
      [
        [320, 240],
        [500, 380],
        [1200, 700],
        [200, 900],
      ] as const
    )[i % 4]!;
    const png = await sharp({
      create: { width: w, height: h, channels: 3, background: { r: (i * 53) % 256, g: (i * 97) % 256, b: 40 } },
    })
      .png()
      .toBuffer();
    out.push({
      id: `${prefix}-${i}`,
      problem: `<image>${prefix} ${i}: the triangle has sides ${i + 3}, ${i + 4} and ${i + 5}. Find its area.`,
      answer: String(i),
      images: [{ bytes: new Uint8Array(png), path: null }],
    });
  }
  return out;
}

/** The config a user writes from EasyR1's example: only data files, the model path and the chat template changed. */
function userConfig(): string {
  const cfg = YAML.parse(readFileSync(join(FIXTURE, 'config.yaml'), 'utf8'));
  cfg.data.train_files = 'data/geo3k@train';
  cfg.data.val_files = 'data/geo3k@test';
  cfg.data.override_chat_template = './examples/chat_template/tutor.jinja';
  cfg.worker.actor.model.model_path = `./${MODEL_DIR}`;
  return YAML.stringify(cfg);
}

before(async () => {
  mkdirSync(join(root, 'examples', 'format_prompt'), { recursive: true });
  mkdirSync(join(root, 'examples', 'chat_template'), { recursive: true });
  cpSync(join(FIXTURE, 'config.yaml'), join(root, 'examples', 'config.yaml'));
  cpSync(join(FIXTURE, 'format_prompt', 'math.jinja'), join(root, 'examples', 'format_prompt', 'math.jinja'));
  writeFileSync(join(root, 'examples', 'chat_template', 'tutor.jinja'), OVERRIDE);
  writeFileSync(join(root, 'examples', 'geo3k.yaml'), userConfig());
  cpSync(packagePath('fixtures', 'models', 'qwen2.5-vl'), join(root, MODEL_DIR), { recursive: true });
  // the same model with the override as its own template: what EasyR1's processor renders with
  cpSync(packagePath('fixtures', 'models', 'qwen2.5-vl'), join(tmp, 'model-with-tutor-template'), { recursive: true });
  writeFileSync(join(tmp, 'model-with-tutor-template', 'chat_template.jinja'), OVERRIDE);
  mkdirSync(join(root, 'data', 'geo3k'), { recursive: true });
  await writeRowsParquet(join(root, 'data', 'geo3k', 'train-00000-of-00001.parquet'), await geoRows('tr', 12));
  await writeRowsParquet(join(root, 'data', 'geo3k', 'test-00000-of-00001.parquet'), await geoRows('te', 4));
});

function lengths(out: string): Array<{ split: string; id: string; prompt: number; image: number; text: number }> {
  return readFileSync(join(out, 'lengths.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const r = JSON.parse(l);
      return { split: r.split, id: r.id, prompt: r.prompt_tokens, image: r.image_tokens, text: r.text_tokens };
    });
}

test('an EasyR1 config run from the repo root: cwd-relative paths, the model of model_path, the override chat template', async () => {
  const out = join(tmp, 'out-config');
  const r = await runCli(
    ['build', '--config', 'examples/geo3k.yaml', '--target', 'easyr1', '--id-key', 'id', '--out', out],
    { cwd: root, env, timeoutMs: 540_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stderr,
    /model \.\/models\/Qwen2\.5-VL-7B-Instruct: local folder models\/Qwen2\.5-VL-7B-Instruct \(worker\.actor\.model\.model_path\)/,
  );
  const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.equal(m.model.family, 'qwen2.5-vl', 'the model of worker.actor.model.model_path, not the default qwen3-vl');
  assert.equal(m.model.name, `./${MODEL_DIR}`);
  assert.equal(m.model.factor, 28);
  assert.equal(m.model.chatTemplateSha256, createHash('sha256').update(OVERRIDE).digest('hex'));
  assert.match(m.model.chatTemplateSource, /override_chat_template/);
  assert.equal(
    readFileSync(join(out, m.model.chatTemplateFile), 'utf8'),
    OVERRIDE,
    'the template travels with the data',
  );
  assert.equal(m.formatPrompt.name, 'math');
  assert.deepEqual([m.resize.pipeline, m.resize.minPixels, m.resize.maxPixels], ['easyr1', 262144, 4194304]);
  assert.deepEqual([m.splits.train.rowsIn, m.splits.test.rowsIn], [12, 4]);
  // the EasyR1 run renders with the same template: train writes data.override_chat_template
  const dry = await runCli(['train', '--profile', 'easyr1', '--data', out, '--dry-run', '--model-path', MODEL_DIR], {
    cwd: root,
    env,
    timeoutMs: 540_000,
  });
  assert.match(dry.stdout + dry.stderr, /override_chat_template: .*chat_template\.jinja/, dry.stdout + dry.stderr);

  // the same build spelled out: that model with the override as its own template, the same prompt and pixels
  const ref = join(tmp, 'out-ref');
  const rr = await runCli(
    [
      'build',
      '--train',
      'data/geo3k@train',
      '--val',
      'data/geo3k@test',
      '--target',
      'easyr1',
      '--id-key',
      'id',
      '--model',
      join(tmp, 'model-with-tutor-template'),
      '--format-prompt',
      'examples/format_prompt/math.jinja',
      '--min-pixels',
      '262144',
      '--max-pixels',
      '4194304',
      '--max-prompt-length',
      '2048',
      '--max-response-length',
      '2048',
      '--out',
      ref,
    ],
    { cwd: root, env, timeoutMs: 540_000 },
  );
  assert.equal(rr.status, 0, rr.stderr);
  const got = lengths(out);
  assert.equal(got.length, 16);
  assert.deepEqual(got, lengths(ref), 'every row counted as EasyR1 renders it: that model, that template');

  // and the override matters: the model's own template gives other counts
  const plain = join(tmp, 'out-plain');
  const rp = await runCli(
    [
      'build',
      '--train',
      'data/geo3k@train',
      '--target',
      'easyr1',
      '--id-key',
      'id',
      '--model',
      MODEL_DIR,
      '--format-prompt',
      'examples/format_prompt/math.jinja',
      '--min-pixels',
      '262144',
      '--max-pixels',
      '4194304',
      '--out',
      plain,
    ],
    { cwd: root, env, timeoutMs: 540_000 },
  );
  assert.equal(rp.status, 0, rp.stderr);
  const plainTrain = lengths(plain);
  const withTrain = got.filter((x) => x.split === 'train');
  assert.ok(
    plainTrain.every((p, i) => p.text < withTrain[i]!.text && p.image === withTrain[i]!.image),
    'the tutor system prompt adds text tokens to every row',
  );
});

test('EasyR1 paths: relative to the working directory; missing local paths say so; owner/name that is neither local nor on the Hub names both', async () => {
  // from inside examples/, the relative data folder is not there: both readings are named, no bare "fetch failed"
  writeFileSync(
    join(root, 'examples', 'rel-data.yaml'),
    'data:\n  train_files: data/geo3k@train\n  format_prompt: null\n',
  );
  const fromExamples = await runCli(
    [
      'build',
      '--config',
      'rel-data.yaml',
      '--target',
      'easyr1',
      '--model',
      join(root, MODEL_DIR),
      '--out',
      join(tmp, 'o1'),
    ],
    { cwd: join(root, 'examples'), env, timeoutMs: 540_000 },
  );
  assert.equal(fromExamples.status, 2, fromExamples.stderr);
  assert.match(
    fromExamples.stderr,
    /no local file or folder .*examples\/data\/geo3k, and the Hub dataset data\/geo3k cannot be used/,
  );
  assert.doesNotMatch(fromExamples.stderr, /^gad-data: fetch failed/m);
  // a path that only exists beside the config file (EasyR1 would not find it either)
  mkdirSync(join(root, 'examples', 'local-geo'), { recursive: true });
  cpSync(join(root, 'data', 'geo3k'), join(root, 'examples', 'local-geo'), { recursive: true });
  writeFileSync(
    join(root, 'examples', 'beside.yaml'),
    'data:\n  train_files: local-geo@train\n  format_prompt: ./examples/format_prompt/math.jinja\n',
  );
  const beside = await runCli(
    ['build', '--config', 'examples/beside.yaml', '--model', 'qwen2.5-vl', '--out', join(tmp, 'o2')],
    { cwd: root, env, timeoutMs: 540_000 },
  );
  assert.equal(beside.status, 2, beside.stderr);
  assert.match(
    beside.stderr,
    /data\.train_files: local-geo@train does not exist in the working directory .*, only beside the config file/,
  );
  // a spec that looks like a path and is missing never goes to the network
  const missing = await runCli(
    ['build', '--train', './data/nope@train', '--model', 'qwen2.5-vl', '--out', join(tmp, 'o3')],
    { cwd: root, env, timeoutMs: 540_000 },
  );
  assert.equal(missing.status, 2, missing.stderr);
  assert.match(missing.stderr, /local path not found: \S*data\/nope/);
  // EasyR1 silently skips a missing format prompt; gad-data stops
  writeFileSync(
    join(root, 'examples', 'nofp.yaml'),
    'data:\n  train_files: data/geo3k@train\n  format_prompt: ./examples/format_prompt/gone.jinja\n',
  );
  const nofp = await runCli(
    ['build', '--config', 'examples/nofp.yaml', '--model', 'qwen2.5-vl', '--out', join(tmp, 'o4')],
    { cwd: root, env, timeoutMs: 540_000 },
  );
  assert.equal(nofp.status, 2, nofp.stderr);
  assert.match(nofp.stderr, /format prompt not found/);
});

test('model_path as a Hub id: the HF cache, a bundled profile only for its own files, else a clear error', async () => {
  const cfgFor = (modelPath: string) => {
    const cfg = YAML.parse(userConfig());
    cfg.data.override_chat_template = null;
    cfg.worker.actor.model.model_path = modelPath;
    return YAML.stringify(cfg);
  };
  // EasyR1's example config unchanged: its model is not cached and gad-data never downloads it
  const unchanged = await runCli(['build', '--config', 'examples/config.yaml', '--out', join(tmp, 'h0')], {
    cwd: root,
    env,
    timeoutMs: 540_000,
  });
  assert.equal(unchanged.status, 2, unchanged.stderr);
  assert.match(
    unchanged.stderr,
    /model Qwen\/Qwen2\.5-7B-Instruct \(worker\.actor\.model\.model_path\) is not a local folder and not in the Hugging Face cache/,
  );
  assert.match(unchanged.stderr, /--model/);
  // Qwen/Qwen2.5-VL-7B-Instruct in the cache (huggingface_hub layout): used from there
  const cache = join(tmp, 'hf-cache');
  const commit = 'cc594898137f460bfe9f0759e9844b3ce807cfb5';
  const snap = join(cache, 'models--Qwen--Qwen2.5-VL-7B-Instruct', 'snapshots', commit);
  cpSync(packagePath('fixtures', 'models', 'qwen2.5-vl'), snap, { recursive: true });
  mkdirSync(join(cache, 'models--Qwen--Qwen2.5-VL-7B-Instruct', 'refs'), { recursive: true });
  writeFileSync(join(cache, 'models--Qwen--Qwen2.5-VL-7B-Instruct', 'refs', 'main'), commit);
  writeFileSync(join(root, 'examples', 'hub-model.yaml'), cfgFor('Qwen/Qwen2.5-VL-7B-Instruct'));
  const cached = await runCli(
    ['build', '--config', 'examples/hub-model.yaml', '--target', 'easyr1', '--out', join(tmp, 'h1')],
    { cwd: root, env: { ...env, HF_HUB_CACHE: cache }, timeoutMs: 540_000 },
  );
  assert.equal(cached.status, 0, cached.stderr);
  assert.match(cached.stderr, /model Qwen\/Qwen2\.5-VL-7B-Instruct: Hugging Face cache/);
  const m1 = JSON.parse(readFileSync(join(tmp, 'h1', 'manifest.json'), 'utf8'));
  assert.equal(m1.model.family, 'qwen2.5-vl');
  assert.equal(m1.model.name, 'Qwen/Qwen2.5-VL-7B-Instruct');
  // not cached: the bundled qwen2.5-vl holds exactly that repo's files, so it is used (and said)
  const bundled = await runCli(
    ['build', '--config', 'examples/hub-model.yaml', '--target', 'easyr1', '--out', join(tmp, 'h2')],
    { cwd: root, env, timeoutMs: 540_000 },
  );
  assert.equal(bundled.status, 0, bundled.stderr);
  assert.match(bundled.stderr, /bundled profile qwen2\.5-vl: the files of Qwen\/Qwen2\.5-VL-7B-Instruct/);
  // Qwen3-VL: the bundled set is assembled, not that repo's files: an error that explains, no silent fallback
  writeFileSync(join(root, 'examples', 'hub-model3.yaml'), cfgFor('Qwen/Qwen3-VL-8B-Instruct'));
  const q3 = await runCli(
    ['build', '--config', 'examples/hub-model3.yaml', '--target', 'easyr1', '--out', join(tmp, 'h3')],
    { cwd: root, env, timeoutMs: 540_000 },
  );
  assert.equal(q3.status, 2, q3.stderr);
  assert.match(
    q3.stderr,
    /Qwen\/Qwen3-VL-8B-Instruct .*not in the Hugging Face cache.*--model qwen3-vl to use it knowingly/s,
  );
});
