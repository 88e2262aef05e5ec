import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PackedMap, packTable } from '../../src/model/packed-map.js';

/** Keys of every kind a tokenizer table holds: byte-level text, CJK, quotes, a lone surrogate, the empty string. */
function sampleMap(): Map<string, number> {
  const m = new Map<string, number>();
  const words = ['', 'a', 'Ġthe', '["Ġ","t"]', '["\\"","\\\\"]', '你好', '\ud800', '\udfff x', 'ĊĊ', '<|im_end|>'];
  words.forEach((w, i) => m.set(w, i * 3));
  for (let i = 0; i < 5000; i++) m.set(`k${i.toString(36)}${'Ġ'.repeat(i % 7)}`, 100 + i);
  m.set('dup-id', 3); // two keys with one value: the later one wins in keysById, as in the library's array
  return m;
}

test('PackedMap answers get/has like the Map it was packed from, for keys and for strings that are not keys', () => {
  const m = sampleMap();
  const p = new PackedMap(packTable(m));
  assert.equal(p.size, m.size);
  for (const [k, v] of m) {
    assert.equal(p.get(k), v, JSON.stringify(k));
    assert.equal(p.has(k), true);
  }
  for (const miss of ['b', 'Ġth', 'Ġthe ', '\ud801', 'k0Ġ', 'K0', '你', 'x'.repeat(200)]) {
    assert.equal(m.has(miss), false);
    assert.equal(p.get(miss), undefined, miss);
    assert.equal(p.has(miss), false);
  }
  assert.equal(p.get(7 as unknown as string), undefined);
  const maxLen = Math.max(...[...m.keys()].map((k) => k.length));
  assert.equal(p.maxKeyLength(), maxLen);
  const byId: string[] = new Array<string>(6000);
  for (const [k, v] of m) byId[v] = k;
  assert.deepEqual(p.keysById(6000), byId);
  // iteration gives the entries in the Map's order
  assert.deepEqual([...p], [...m]);
  assert.deepEqual([...p.keys()], [...m.keys()]);
});

test('PackedMap becomes a plain Map on any other use: set, delete, clear behave as on the original', () => {
  const m = sampleMap();
  const p = new PackedMap(packTable(m));
  p.set('new', 1);
  m.set('new', 1);
  p.set('a', 99);
  m.set('a', 99);
  assert.equal(p.delete('Ġthe'), m.delete('Ġthe'));
  assert.equal(p.get('Ġthe'), undefined);
  assert.equal(p.size, m.size);
  assert.deepEqual([...p.entries()], [...m.entries()]);
  assert.equal(p.maxKeyLength(), Math.max(...[...m.keys()].map((k) => k.length)));
  const seen: Array<[string, number]> = [];
  p.forEach((v, k) => seen.push([k, v]));
  assert.deepEqual(seen, [...m]);
  p.clear();
  assert.equal(p.size, 0);
  assert.equal(p.get('a'), undefined);
  const q = new PackedMap(packTable(new Map([['x', 1]])));
  q.clear();
  assert.equal(q.has('x'), false);
  assert.equal(q.size, 0);
});

test('packTable refuses what an int32 table cannot hold exactly', () => {
  assert.throws(() => packTable(new Map([['a', 1.5]])));
  assert.throws(() => packTable(new Map([['a', 2 ** 31]])));
  assert.throws(() => packTable(new Map([['a', -0]])));
  assert.equal(new PackedMap(packTable(new Map())).size, 0);
  assert.equal(new PackedMap(packTable(new Map())).get(''), undefined);
});
