import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StringSet } from '../../src/core/string-set.js';

test('StringSet: members held exactly, through growth of the table and the pool', () => {
  const s = new StringSet(4);
  for (let i = 0; i < 20_000; i++) s.add(`d${i % 1000}/${i}.png`);
  assert.equal(s.size, 20_000);
  for (let i = 0; i < 20_000; i++) assert.equal(s.has(`d${i % 1000}/${i}.png`), true, `member ${i}`);
  for (let i = 20_000; i < 21_000; i++) assert.equal(s.has(`d${i % 1000}/${i}.png`), false, `never added: ${i}`);
  s.add('d0/0.png');
  assert.equal(s.size, 20_000, 'adding a member again adds nothing');
});

test('StringSet: strings told apart as === tells them (prefixes, empty, non-ASCII, lone surrogates, long)', () => {
  const s = new StringSet();
  const members = ['', 'a', 'ab', '图像.png', '😀.png', '\uD800', 'x'.repeat(5000)];
  for (const m of members) s.add(m);
  for (const m of members) assert.equal(s.has(m), true, JSON.stringify(m.slice(0, 20)));
  // each of these is one code unit off a member (or a prefix / extension of one)
  for (const m of ['b', 'abc', 'A', '图像.pn', '😁.png', '\uDC00', '\uFFFD', 'x'.repeat(4999), 'x'.repeat(5001)])
    assert.equal(s.has(m), false, JSON.stringify(m.slice(0, 20)));
  assert.equal(s.size, members.length);
});

test('StringSet: memory is the characters and tens of bytes a member, in typed arrays', () => {
  const s = new StringSet();
  for (let i = 0; i < 100_000; i++) s.add(`${i}.png`);
  // names of ~9 characters: 18 bytes of characters, 24–48 bytes of slots, the pool at most twice its use
  assert.ok(s.bytes / s.size <= 90, `${(s.bytes / s.size).toFixed(1)} bytes a member`);
});

test('StringSet: a byte a character while the members are Latin-1, widened once without losing one', () => {
  const s = new StringSet(16);
  const latin = Array.from({ length: 3000 }, (_, i) => `images/train/${i}/diagram-é${i % 7}.png`);
  for (const m of latin) s.add(m);
  // 3000 names of ~30 characters: under 120 KB of characters (over 180 KB at two bytes each), plus the slots
  const narrow = s.bytes;
  assert.ok(narrow < 3000 * 30 * 2 + 8192 * 12, `${narrow} bytes for 3000 Latin-1 names`);
  const wide = ['图像.png', '\uD800', 'Ā'];
  for (const m of wide) s.add(m);
  for (const m of [...latin, ...wide]) assert.equal(s.has(m), true, m);
  for (const m of ['images/train/1/diagram-e1.png', '图.png', '\uDC00', 'ā']) assert.equal(s.has(m), false, m);
  assert.equal(s.size, latin.length + wide.length);
  assert.ok(s.bytes > narrow, 'the pool widened to two bytes a character');
});

test('StringSet: long ASCII names take about a byte a character', () => {
  const s = new StringSet();
  for (let i = 0; i < 100_000; i++) s.add(`images/train/${i}/diagram.png`);
  // ~28 characters: 28–56 bytes of pool (two bytes each would be 56–112), 24–48 bytes of slots
  assert.ok(s.bytes / s.size <= 90, `${(s.bytes / s.size).toFixed(1)} bytes a member`);
});
