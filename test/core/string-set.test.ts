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
