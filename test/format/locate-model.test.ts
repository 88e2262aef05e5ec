/**
 * locateModel: a model named as transformers' from_pretrained takes it (bundled name, local folder, Hub id),
 * found offline in the Hugging Face cache layout; a bundled profile stands in for a Hub id only when it holds
 * that repo's files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { GadError } from '../../src/core/errors.js';
import { packagePath } from '../../src/core/paths.js';
import { loadModelProfile } from '../../src/model/model-profile.js';
import { locateModel } from '../../src/model/model-locate.js';
import { runTokensCommand } from '../../src/tokens/tokens-command.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-locate-model-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

function cacheWith(id: string, from: string): string {
  const cache = join(tmp, `cache-${id.replace('/', '_')}`);
  const repo = join(cache, `models--${id.split('/').join('--')}`);
  const commit = 'a'.repeat(40);
  cpSync(packagePath('fixtures', 'models', from), join(repo, 'snapshots', commit), { recursive: true });
  mkdirSync(join(repo, 'refs'), { recursive: true });
  writeFileSync(join(repo, 'refs', 'main'), commit);
  return cache;
}

test('bundled names, local folders (relative to cwd), and Hub ids in the HF cache', async () => {
  assert.equal(locateModel('qwen3-vl').path, 'qwen3-vl');
  cpSync(packagePath('fixtures', 'models', 'qwen2.5-vl'), join(tmp, 'ckpt'), { recursive: true });
  const local = locateModel('ckpt', { cwd: tmp });
  assert.equal(local.path, join(tmp, 'ckpt'));
  assert.match(local.from, /local folder/);
  const cache = cacheWith('Org/My-VL', 'qwen3-vl');
  const hub = locateModel('Org/My-VL', { env: { HF_HUB_CACHE: cache } });
  assert.equal(hub.name, 'Org/My-VL');
  assert.match(hub.from, /Hugging Face cache/);
  const profile = await loadModelProfile(hub.path);
  assert.equal(profile.family, 'qwen3-vl');
});

test('a Hub id not in the cache: the bundled profile only for its own files, otherwise an error naming the fixes', () => {
  const env = { HF_HUB_CACHE: join(tmp, 'empty-cache') };
  const q25 = locateModel('Qwen/Qwen2.5-VL-7B-Instruct', { env });
  assert.equal(q25.path, 'qwen2.5-vl');
  assert.match(q25.from, /the files of Qwen\/Qwen2\.5-VL-7B-Instruct at revision cc594898/);
  for (const id of ['Qwen/Qwen3-VL-8B-Instruct', 'Qwen/Qwen2.5-VL-3B-Instruct', 'someone/private-vl']) {
    assert.throws(
      () => locateModel(id, { env }),
      (e: unknown) =>
        e instanceof GadError &&
        /not a local folder and not in the Hugging Face cache/.test(e.message) &&
        /--model/.test(e.hint ?? '') &&
        /hf download/.test(e.hint ?? '') &&
        // the download fix names the mirror and the cache-only mode
        /HF_ENDPOINT=https:\/\/hf-mirror\.com hf download/.test(e.hint ?? '') &&
        /HF_HUB_OFFLINE=1/.test(e.hint ?? ''),
      id,
    );
  }
  assert.throws(
    () => locateModel('./missing-model', { cwd: tmp }),
    (e: unknown) => e instanceof GadError && /model folder not found/.test(e.message),
  );
});

test('gad-data tokens takes a cached Hub id like build does', async () => {
  const cache = cacheWith('Org/Tok-VL', 'qwen2.5-vl');
  const saved = process.env.HF_HUB_CACHE;
  process.env.HF_HUB_CACHE = cache;
  try {
    const output = new PassThrough();
    const chunks: Buffer[] = [];
    output.on('data', (c: Buffer) => chunks.push(c));
    const input = Readable.from([
      Buffer.from(JSON.stringify({ problem: '<image>What is x?', image_sizes: [[448, 448]] }) + '\n'),
    ]);
    const res = await runTokensCommand(
      { model: 'Org/Tok-VL', formatPrompt: 'none', pipeline: 'processor' },
      input,
      output,
    );
    output.end();
    assert.deepEqual(res, { lines: 1, errors: 0 });
    const viaBundled = new PassThrough();
    const chunks2: Buffer[] = [];
    viaBundled.on('data', (c: Buffer) => chunks2.push(c));
    await runTokensCommand(
      { model: 'qwen2.5-vl', formatPrompt: 'none', pipeline: 'processor' },
      Readable.from([Buffer.from(JSON.stringify({ problem: '<image>What is x?', image_sizes: [[448, 448]] }) + '\n')]),
      viaBundled,
    );
    viaBundled.end();
    assert.equal(
      JSON.parse(Buffer.concat(chunks).toString()).prompt_tokens,
      JSON.parse(Buffer.concat(chunks2).toString()).prompt_tokens,
    );
  } finally {
    if (saved === undefined) delete process.env.HF_HUB_CACHE;
    else process.env.HF_HUB_CACHE = saved;
  }
});
