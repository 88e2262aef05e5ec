import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { HexKeyTable } from '../../src/core/key-table.js';

const key = (i: number) => createHash('sha256').update(String(i)).digest('hex').slice(0, 32);

test('HexKeyTable: keys held with their numbers, exactly, through growth', () => {
  const t = new HexKeyTable(4);
  for (let i = 0; i < 5000; i++) t.set(key(i), (i % 3) + 1);
  assert.equal(t.size, 5000);
  for (let i = 0; i < 5000; i++) assert.equal(t.get(key(i)), (i % 3) + 1, `key ${i}`);
  for (let i = 5000; i < 6000; i++) assert.equal(t.has(key(i)), false, `key ${i} was never set`);
  // keys that differ only in their last word, or only in their first, are told apart
  const a = '0'.repeat(31) + '1';
  const b = '0'.repeat(31) + '2';
  const c = '1' + '0'.repeat(30) + '1';
  t.set(a, 7);
  assert.equal(t.get(b), 0);
  assert.equal(t.get(c), 0);
  t.set(a, 9);
  assert.equal(t.get(a), 9);
  assert.equal(t.size, 5001);
  assert.equal(t.get(a.toUpperCase()), 9);
});

test('HexKeyTable: a bad key or value is refused, not stored', () => {
  const t = new HexKeyTable();
  assert.throws(() => t.set('abc', 1), /32 hex digits/);
  assert.throws(() => t.get('g'.repeat(32)), /32 hex digits/);
  assert.throws(() => t.set(key(1), 0), /1\.\.65535/);
  assert.throws(() => t.set(key(1), 70000), /1\.\.65535/);
  assert.equal(t.size, 0);
});

test('HexKeyTable: memory is tens of bytes a key (typed arrays), not a string and a map entry', () => {
  const t = new HexKeyTable();
  for (let i = 0; i < 100_000; i++) t.set(key(i), 1);
  const perKey = t.bytes / t.size;
  // 18 bytes an entry (room for 1–2 entries a key) and 4 bytes a slot (2–4 slots a key); slots of the whole 18
  // bytes at most half used took 36–72 (47 here)
  assert.ok(perKey <= 40, `${perKey.toFixed(1)} bytes a key`);
  for (let i = 0; i < 100_000; i += 997) assert.equal(t.get(key(i)), 1, `key ${i}`);
});
