/**
 * loadTokenizer shares one loaded tokenizer between folders that hold the same tokenizer.json bytes and config (a
 * copied model folder, a checkpoint beside its base), and loads anew when the bytes or the config differ.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTokenizer } from '../../src/model/model-files.js';
import { packagePath } from '../../src/core/paths.js';

test('the same tokenizer.json bytes in two folders: one tokenizer; other bytes or config: another', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'gad-tok-share-'));
  try {
    const src = packagePath('fixtures', 'models', 'qwen3-vl', 'tokenizer.json');
    const [a, b, c] = ['a', 'b', 'c'].map((d) => {
      mkdirSync(join(tmp, d));
      return join(tmp, d, 'tokenizer.json');
    }) as [string, string, string];
    copyFileSync(src, a);
    copyFileSync(src, b);
    const json = JSON.parse(readFileSync(src, 'utf8'));
    json.added_tokens.push({
      id: 999_999,
      content: '<|gad_test|>',
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    });
    writeFileSync(c, JSON.stringify(json));
    const config = { model_max_length: 262144 };
    const ta = loadTokenizer(a, config, 'a');
    const tb = loadTokenizer(b, config, 'b');
    assert.equal(ta.tokenizer, tb.tokenizer);
    assert.equal(ta.sha, tb.sha);
    const tc = loadTokenizer(c, config, 'c');
    assert.notEqual(tc.tokenizer, ta.tokenizer);
    assert.notEqual(tc.sha, ta.sha);
    assert.deepEqual(tc.tokenizer.encode('<|gad_test|>').ids, [999_999]);
    assert.notDeepEqual(ta.tokenizer.encode('<|gad_test|>').ids, [999_999]);
    const other = loadTokenizer(b, { model_max_length: 1024 }, 'b');
    assert.notEqual(other.tokenizer, ta.tokenizer);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
