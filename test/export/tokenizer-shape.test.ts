/**
 * readTokenizerShape reads the keys of tokenizer.json from a 64 kB head, a 1 MB head when they do not fit in it, and
 * looks for the vocabulary's newline byte in that head, in the whole file when the head does not hold it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { packagePath } from '../../src/core/paths.js';
import { readTokenizerShape } from '../../src/recipes/tokenizer-shape.js';

const dir = mkdtempSync(join(tmpdir(), 'gad-tokenizer-shape-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const bundled = packagePath('fixtures', 'models', 'qwen3-vl', 'tokenizer.json');
type Json = { added_tokens: Array<Record<string, unknown>>; model: { vocab: Record<string, number> } };
const original = () => JSON.parse(readFileSync(bundled, 'utf8')) as Json;
const write = (name: string, j: Json) => {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(j, null, 2));
  return file;
};
/** The newline byte's symbol `Ċ`, and the tokens whose JSON text ends with `"Ċ"` as well (`"\\"Ċ":` holds `"Ċ":`). */
const newlineKeys = (j: Json) => Object.keys(j.model.vocab).filter((k) => k === 'Ċ' || k.endsWith('"Ċ'));
const addedOf = (j: Json) => j.added_tokens.map((a) => a.content);

describe('readTokenizerShape', { timeout: 300_000 }, () => {
  it('the bundled Qwen3-VL tokenizer: its added tokens', () => {
    const shape = readTokenizerShape(bundled);
    assert.ok(!('reason' in shape), JSON.stringify(shape));
    assert.deepEqual(shape.added, addedOf(original()));
    assert.ok(shape.added.includes('<|im_end|>'));
  });

  it('added tokens past the first 64 kB and the newline byte past 1 MB are still read', () => {
    const j = original();
    const template = j.added_tokens.at(-1)!;
    const id = Object.values(j.model.vocab).reduce((a, b) => Math.max(a, b), 0) + 1;
    for (let i = 0; i < 3000; i++)
      j.added_tokens.push({ ...template, id: id + i, content: `<|extra_${i}|>`, special: true });
    // the newline byte's symbol last in the vocabulary (well past the 1 MB head)
    for (const k of newlineKeys(j)) {
      const n = j.model.vocab[k]!;
      delete j.model.vocab[k];
      j.model.vocab[k] = n;
    }
    const file = write('long-head.json', j);
    assert.ok(readFileSync(file, 'latin1').indexOf('"model"') > 1 << 16);
    assert.ok(readFileSync(file).indexOf('"Ċ":') > 1 << 20);
    const shape = readTokenizerShape(file);
    assert.ok(!('reason' in shape), JSON.stringify(shape));
    assert.deepEqual(shape.added, addedOf(j));
    assert.equal(shape.added.at(-1), '<|extra_2999|>');
  });

  it('a vocabulary without the newline byte: no shape', () => {
    const j = original();
    for (const k of newlineKeys(j)) delete j.model.vocab[k];
    const shape = readTokenizerShape(write('no-newline.json', j));
    assert.deepEqual(shape, { reason: 'the vocabulary has no newline byte' });
  });

  it('keys before "model" longer than the 1 MB head: no shape', () => {
    const j = original();
    const template = j.added_tokens.at(-1)!;
    for (let i = 0; i < 12_000; i++) j.added_tokens.push({ ...template, id: 1e6 + i, content: `<|extra_${i}|>` });
    const shape = readTokenizerShape(write('huge-head.json', j));
    assert.deepEqual(shape, { reason: 'the keys before "model" of tokenizer.json could not be read' });
  });
});
