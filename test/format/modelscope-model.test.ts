/**
 * Models in the ModelScope cache, laid out as `modelscope download` / ms-swift store them (files written by the
 * test): found by `--model <Hub id>` offline, in the current (`<root>/models/owner/name`) and legacy
 * (`<root>/owner/name`) layouts, with a dot in the id stored as `___`; recorded in the manifest with the folder the
 * trainer must load; `--model-source` picks one cache; the fix lines name a mirror, offline mode and ModelScope.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GadError } from '../../src/core/errors.js';
import { packagePath } from '../../src/core/paths.js';
import { loadModelProfile } from '../../src/model/model-profile.js';
import { locateModel } from '../../src/model/model-locate.js';
import { describeEnvironment, renderEnvironment } from '../../src/model/environment.js';
import { runCli } from '../helpers/gad-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-modelscope-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** A model folder as ModelScope writes it: the files plus its own bookkeeping (`.mdl`, `.msc`, `.mv`). */
function msModel(root: string, storedAs: string, from: string): string {
  const dir = join(root, ...storedAs.split('/'));
  cpSync(packagePath('fixtures', 'models', from), dir, { recursive: true });
  writeFileSync(join(dir, '.mdl'), 'Qwen/model');
  writeFileSync(join(dir, '.msc'), '');
  writeFileSync(join(dir, '.mv'), 'Revision:master');
  return dir;
}

const emptyHf = () => join(tmp, 'empty-hf');

test('current layout, dot stored as ___: found for the Hub id, before the bundled fallback', async () => {
  const root = join(tmp, 'ms-current');
  const dir = msModel(root, 'models/Qwen/Qwen2___5-VL-7B-Instruct', 'qwen2.5-vl');
  const env = { HF_HUB_CACHE: emptyHf(), MODELSCOPE_CACHE: root };
  const m = locateModel('Qwen/Qwen2.5-VL-7B-Instruct', { env });
  assert.equal(m.kind, 'modelscope-cache');
  assert.equal(m.path, dir);
  assert.equal(m.localDir, dir);
  assert.match(m.from, /ModelScope cache/);
  assert.equal((await loadModelProfile(m.path)).family, 'qwen2.5-vl');
  // hf only: the ModelScope copy is not looked at (the bundled files of this id stand in, as before)
  assert.equal(locateModel('Qwen/Qwen2.5-VL-7B-Instruct', { env, source: 'hf' }).kind, 'bundled');
});

test('legacy layout (<root>/owner/name) and MODELSCOPE_CACHE naming the folder above hub/', () => {
  const legacy = join(tmp, 'ms-legacy');
  const a = msModel(legacy, 'Qwen/Qwen3-VL-8B-Instruct', 'qwen3-vl');
  assert.equal(
    locateModel('Qwen/Qwen3-VL-8B-Instruct', { env: { HF_HUB_CACHE: emptyHf(), MODELSCOPE_CACHE: legacy } }).path,
    a,
  );
  const above = join(tmp, 'ms-above');
  const b = msModel(above, 'hub/Qwen/Qwen3-VL-8B-Instruct', 'qwen3-vl');
  assert.equal(
    locateModel('Qwen/Qwen3-VL-8B-Instruct', { env: { HF_HUB_CACHE: emptyHf(), MODELSCOPE_CACHE: above } }).path,
    b,
  );
});

test('a folder without tokenizer.json (a download that stopped) is not the model; the fix names mirror, offline and ModelScope', () => {
  const root = join(tmp, 'ms-partial');
  mkdirSync(join(root, 'models', 'Qwen', 'Qwen3-VL-8B-Instruct'), { recursive: true });
  writeFileSync(join(root, 'models', 'Qwen', 'Qwen3-VL-8B-Instruct', 'config.json'), '{}');
  const env = { HF_HUB_CACHE: emptyHf(), MODELSCOPE_CACHE: root };
  assert.throws(
    () => locateModel('Qwen/Qwen3-VL-8B-Instruct', { env }),
    (e: unknown) =>
      e instanceof GadError &&
      /nor the ModelScope cache/.test(e.message) &&
      /HF_ENDPOINT=https:\/\/hf-mirror\.com/.test(e.hint ?? '') &&
      /HF_HUB_OFFLINE=1/.test(e.hint ?? '') &&
      /modelscope download --model Qwen\/Qwen3-VL-8B-Instruct/.test(e.hint ?? ''),
  );
  assert.throws(
    () => locateModel('Qwen/Qwen3-VL-8B-Instruct', { env, source: 'modelscope' }),
    (e: unknown) => e instanceof GadError && !/Hugging Face cache/.test(e.message),
  );
});

test('build --model <Hub id> offline from the ModelScope cache: the manifest records it and the folder to load', async () => {
  const root = join(tmp, 'ms-build');
  const dir = msModel(root, 'models/Qwen/Qwen3-VL-8B-Instruct', 'qwen3-vl');
  const out = join(tmp, 'out-ms');
  const env = {
    ...process.env,
    HF_HUB_CACHE: emptyHf(),
    HF_HUB_OFFLINE: '1',
    MODELSCOPE_CACHE: root,
  };
  const sample = packagePath('fixtures', 'sample');
  const r = await runCli(
    [
      'build',
      '--train',
      join(sample, 'train.jsonl'),
      '--image-dir',
      join(sample, 'images'),
      '--prompt-key',
      'problem',
      '--id-key',
      'id',
      '--teacher',
      join(sample, 'teacher.jsonl'),
      '--model',
      'Qwen/Qwen3-VL-8B-Instruct',
      '--out',
      out,
      '--quiet',
    ],
    { cwd: tmp, env, timeoutMs: 600_000 },
  );
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.model.name, 'Qwen/Qwen3-VL-8B-Instruct');
  assert.match(manifest.model.source, /ModelScope cache/);
  assert.equal(manifest.model.localDir, dir);
  const bundled = await loadModelProfile('qwen3-vl');
  assert.equal(manifest.model.tokenizerSha256, bundled.tokenizerSha256);
  // the stages after the build load the model the manifest names (a Hub id) where build found it
  const sft = await runCli(['export', 'sft', '--from', out, '--quiet'], { cwd: tmp, env, timeoutMs: 600_000 });
  assert.equal(sft.status, 0, sft.stderr);
  const v = await runCli(
    ['validate', join(out, 'data', 'train-00000-of-00001.parquet'), '--model', 'Qwen/Qwen3-VL-8B-Instruct'],
    { cwd: tmp, env, timeoutMs: 600_000 },
  );
  assert.notEqual(v.status, 2, v.stdout + v.stderr);
});

test('doctor: the endpoint, offline mode, the caches and where a model is found', async () => {
  const root = join(tmp, 'ms-doctor');
  msModel(root, 'models/Org/Some-VL', 'qwen3-vl');
  const env = { HF_HUB_CACHE: join(tmp, 'hf-doctor'), MODELSCOPE_CACHE: root, HF_TOKEN: 'hf_secret_value' };
  const r = await describeEnvironment({ env, model: 'Org/Some-VL' });
  assert.equal(r.endpoint, 'https://huggingface.co');
  assert.equal(r.offline, false);
  assert.equal(r.modelscopeCache, root);
  assert.ok(r.model?.found);
  const text = renderEnvironment(r);
  assert.match(text, /ModelScope cache {2}/);
  assert.match(text, /\ntokenizer cache {3}\S+\/gad-data\/tokenizers\n/);
  const off = renderEnvironment(await describeEnvironment({ env: { ...env, GAD_DATA_CACHE_DIR: 'off' } }));
  assert.match(off, /\ntokenizer cache {3}off \(GAD_DATA_CACHE_DIR=off\)\n/);
  assert.match(text, /HF_ENDPOINT=https:\/\/hf-mirror\.com/);
  assert.doesNotMatch(text, /hf_secret_value/);
  const mirror = await describeEnvironment({
    env: { ...env, HF_ENDPOINT: 'https://hf-mirror.com', HF_HUB_OFFLINE: '1' },
  });
  assert.equal(mirror.endpoint, 'https://hf-mirror.com');
  assert.equal(mirror.offline, true);
  const cli = await runCli(['doctor', '--model', 'Org/Missing-VL'], {
    cwd: tmp,
    env: { ...process.env, ...env },
  });
  assert.equal(cli.status, 2);
  assert.match(cli.stdout, /Org\/Missing-VL: not found/);
  assert.match(cli.stdout, /modelscope download/);
});
