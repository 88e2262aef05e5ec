import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeySlots, grown } from '../../src/core/key-slots.js';

const w = (a: number, b: number, c: number, d: number) => new Uint32Array([a, b, c, d]);

test('KeySlots: entries numbered in the order added, found exactly, through growth of keys and slots', () => {
  const s = new KeySlots(2);
  for (let i = 0; i < 20_000; i++) {
    const k = w(Math.imul(i, 2654435761) >>> 0, i, ~i >>> 0, 7);
    assert.equal(s.find(k), -1, `key ${i} before it is added`);
    assert.equal(s.add(k), i);
  }
  assert.equal(s.count, 20_000);
  assert.ok(s.capacity >= 20_000);
  for (let i = 0; i < 20_000; i++) assert.equal(s.find(w(Math.imul(i, 2654435761) >>> 0, i, ~i >>> 0, 7)), i);
  assert.equal(s.find(w(Math.imul(5, 2654435761) >>> 0, 5, ~5 >>> 0, 8)), -1, 'the last word differs');
});

test('KeySlots: keys sharing their first word (the same first slot) are told apart by every word', () => {
  const s = new KeySlots(4);
  const keys = [w(1, 0, 0, 0), w(1, 0, 0, 1), w(1, 0, 1, 0), w(1, 1, 0, 0), w(17, 0, 0, 0), w(1 + 2 ** 31, 0, 0, 0)];
  for (const [i, k] of keys.entries()) assert.equal(s.add(k), i);
  for (const [i, k] of keys.entries()) assert.equal(s.find(k), i);
  assert.equal(s.find(w(1, 1, 1, 1)), -1);
  assert.equal(s.find(w(0, 0, 0, 0)), -1);
});

test('KeySlots: the key is copied in (the caller may reuse its scratch words); grown keeps values', () => {
  const s = new KeySlots();
  const scratch = w(9, 9, 9, 9);
  s.add(scratch);
  scratch[3] = 10;
  assert.equal(s.find(w(9, 9, 9, 9)), 0);
  assert.equal(s.find(scratch), -1);
  const a = new Uint16Array([1, 2, 3]);
  assert.equal(grown(a, 2), a, 'long enough: the same array');
  const b = grown(a, 8);
  assert.ok(b instanceof Uint16Array);
  assert.deepEqual(Array.from(b), [1, 2, 3, 0, 0, 0, 0, 0]);
});
