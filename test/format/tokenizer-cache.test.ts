import { type TestContext, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Tokenizer } from '@huggingface/tokenizers';
import { packagePath } from '../../src/core/paths.js';
import { readCachedTokenizer, tokenizerCacheDir, writeCachedTokenizer } from '../../src/model/tokenizer-cache.js';
import { CachedEncoder } from '../../src/model/encoder.js';

const golden = (file: string) =>
  readFileSync(packagePath('test', 'golden', file), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

function fullLoad(model: string) {
  const dir = packagePath('fixtures', 'models', model);
  const bytes = readFileSync(join(dir, 'tokenizer.json'));
  const config = JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  const json = JSON.parse(bytes.toString('utf8')) as object;
  return {
    sha: createHash('sha256').update(bytes).digest('hex'),
    config,
    json,
    tokenizer: new Tokenizer(json, config),
  };
}

/** A fresh cache folder as GAD_DATA_CACHE_DIR for the test `t`, put back and removed after it. */
function useCacheDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'gad-tok-cache-'));
  const before = process.env.GAD_DATA_CACHE_DIR;
  process.env.GAD_DATA_CACHE_DIR = dir;
  t.after(() => {
    if (before === undefined) delete process.env.GAD_DATA_CACHE_DIR;
    else process.env.GAD_DATA_CACHE_DIR = before;
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

test('tokenizer cache: a tokenizer loaded from the cache gives the golden ids and the same vocabulary as a full load', (t) => {
  useCacheDir(t);
  const responses = golden('responses_public.jsonl');
  const prompts = golden('prompts_public.jsonl');
  for (const model of ['qwen2.5-vl', 'qwen3-vl']) {
    const full = fullLoad(model);
    assert.equal(readCachedTokenizer(full.sha, full.config), null, 'nothing cached yet');
    writeCachedTokenizer(full.sha, full.config, full.json, full.tokenizer);
    const cached = readCachedTokenizer(full.sha, full.config);
    assert.ok(cached, `${model}: read back from the cache`);
    const enc = new CachedEncoder(cached);
    assert.equal(enc.fast, true, enc.reason);
    let n = 0;
    for (const r of responses.filter((x) => x.model === model)) {
      assert.deepEqual(cached.encode(r.text as string, { add_special_tokens: false }).ids, r.ids, `response ${r.id}`);
      assert.deepEqual(enc.encode(r.text as string), r.ids, `response ${r.id}, per-piece encoder`);
      assert.equal(cached.decode(r.ids as number[]), r.decoded, `response ${r.id} decoded`);
      n++;
    }
    for (const p of prompts.filter((x) => x.model === model)) {
      const text = p.rendered_prompt as string;
      assert.deepEqual(
        enc.encode(text),
        full.tokenizer.encode(text, { add_special_tokens: false }).ids,
        `prompt ${p.id}`,
      );
      n++;
    }
    assert.ok(n > 100, `${model}: ${n} texts compared`);
    const vocab = full.tokenizer.get_vocab();
    const got = cached.get_vocab();
    assert.equal(got.size, vocab.size);
    let differ = 0;
    for (const [tok, id] of vocab)
      if (got.get(tok) !== id || cached.token_to_id(tok) !== id || cached.id_to_token(id) !== tok) differ++;
    assert.equal(differ, 0, `${model}: vocabulary entries that differ`);
    // another config is another key
    assert.equal(readCachedTokenizer(full.sha, { ...full.config, model_max_length: 7 }), null);
  }
});

test('tokenizer cache: a damaged or foreign file, or GAD_DATA_CACHE_DIR=off, is a full load', (t) => {
  const dir = useCacheDir(t);
  const full = fullLoad('qwen2.5-vl');
  writeCachedTokenizer(full.sha, full.config, full.json, full.tokenizer);
  const folder = tokenizerCacheDir()!;
  const [name] = readdirSync(folder);
  const file = join(folder, name!);
  const good = readFileSync(file);
  const damaged = Buffer.from(good);
  damaged[damaged.length >> 1]! ^= 1;
  writeFileSync(file, damaged);
  assert.equal(readCachedTokenizer(full.sha, full.config), null, 'damaged');
  writeFileSync(file, good.subarray(0, good.length - 100));
  assert.equal(readCachedTokenizer(full.sha, full.config), null, 'truncated');
  writeFileSync(file, good);
  assert.ok(readCachedTokenizer(full.sha, full.config), 'restored');
  // another tokenizer.json (another sha) is not answered by this file
  assert.equal(readCachedTokenizer('0'.repeat(64), full.config), null);
  // a folder that cannot be made (a file stands in its way): nothing written, no error
  const blocker = join(dir, 'a-file');
  writeFileSync(blocker, 'x');
  process.env.GAD_DATA_CACHE_DIR = blocker;
  assert.doesNotThrow(() => writeCachedTokenizer(full.sha, full.config, full.json, full.tokenizer));
  assert.equal(readCachedTokenizer(full.sha, full.config), null);
  process.env.GAD_DATA_CACHE_DIR = 'off';
  assert.equal(tokenizerCacheDir(), null);
  assert.equal(readCachedTokenizer(full.sha, full.config), null);
});

test('tokenizer cache: the tables read from a cache file equal a full load, entry for entry and in order', (t) => {
  useCacheDir(t);
  interface Tables {
    tokens_to_ids: Map<string, number>;
    bpe_ranks: Map<string, number>;
    vocab: string[];
    unk_token_id: number | undefined;
  }
  for (const model of ['qwen2.5-vl', 'qwen3-vl']) {
    const full = fullLoad(model);
    writeCachedTokenizer(full.sha, full.config, full.json, full.tokenizer);
    const cached = readCachedTokenizer(full.sha, full.config);
    assert.ok(cached, `${model}: read back from the cache`);
    const a = (full.tokenizer as unknown as { model: Tables }).model;
    const b = (cached as unknown as { model: Tables }).model;
    for (const name of ['tokens_to_ids', 'bpe_ranks'] as const) {
      const want = a[name];
      const got = b[name];
      assert.ok(got instanceof Map, `${model} ${name} is a Map`);
      assert.equal(got.size, want.size, `${model} ${name} size`);
      let differ = 0;
      for (const [k, v] of want) if (got.get(k) !== v || !got.has(k)) differ++;
      assert.equal(differ, 0, `${model} ${name}: entries that differ`);
      for (const [k] of [...want].slice(0, 2000)) {
        assert.equal(got.has(`${k}\u0000`), want.has(`${k}\u0000`));
        assert.equal(got.get(k.slice(1)), want.get(k.slice(1)));
      }
      assert.deepEqual([...got], [...want], `${model} ${name}: the same entries in the same order`);
    }
    assert.deepEqual(b.vocab, a.vocab, `${model}: id → token array`);
    assert.equal(b.unk_token_id, a.unk_token_id);
    assert.ok(
      readdirSync(tokenizerCacheDir()!).every((f) => f.endsWith('.bin')),
      'format 2 files',
    );
  }
});
