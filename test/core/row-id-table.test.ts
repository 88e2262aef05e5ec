import { GadError } from '../../src/core/errors.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RowIdTable } from '../../src/core/row-id-table.js';

test('RowIdTable: the first row of each id is kept, exactly, through growth', () => {
  const t = new RowIdTable(4);
  for (let i = 0; i < 5000; i++) assert.equal(t.claim(`id-${i}`, i % 2 ? 'test' : 'train', i), null, `id ${i} is new`);
  assert.equal(t.size, 5000);
  for (let i = 0; i < 5000; i++)
    assert.deepEqual(t.get(`id-${i}`), { split: i % 2 ? 'test' : 'train', index: i }, `id ${i}`);
  // a repeat returns the first row and changes nothing
  assert.deepEqual(t.claim('id-7', 'train', 9000), { split: 'test', index: 7 });
  assert.deepEqual(t.get('id-7'), { split: 'test', index: 7 });
  assert.equal(t.size, 5000);
  for (let i = 5000; i < 6000; i++) assert.equal(t.get(`id-${i}`), null, `id ${i} was never claimed`);
});

test('RowIdTable: ids are compared as whole text (case, prefixes, unicode, the empty id, large row indexes)', () => {
  const t = new RowIdTable();
  assert.equal(t.claim('A1', 'train', 0), null);
  assert.equal(t.claim('a1', 'train', 1), null);
  assert.equal(t.claim('A10', 'train', 2), null);
  assert.equal(t.claim('几何-1', 'train', 3), null);
  assert.equal(t.claim('', 'train', 4), null);
  assert.equal(t.claim('x', 'validation', 0xffffffff), null);
  assert.deepEqual(t.claim('几何-1', 'test', 5), { split: 'train', index: 3 });
  assert.deepEqual(t.claim('', 'train', 6), { split: 'train', index: 4 });
  assert.deepEqual(t.get('x'), { split: 'validation', index: 0xffffffff });
  assert.equal(t.size, 6);
  assert.throws(() => t.claim('y', 'train', -1), /row index/);
  assert.throws(() => t.claim('y', 'train', 1.5), /row index/);
  assert.equal(t.get('y'), null, 'a refused row is not stored');
});

test('RowIdTable: 100k ids take typed arrays, not a heap entry per id', () => {
  const t = new RowIdTable();
  for (let i = 0; i < 100_000; i++) t.claim(`row-${i}`, 'train', i);
  assert.equal(t.size, 100_000);
  // 21 bytes an entry (room for 1–2 entries an id) and 4 bytes a slot (2–4 slots an id): 29–58 bytes an id
  // (slots of the whole 21 bytes at most half used took 42–84)
  assert.ok(t.bytes <= 100_000 * 40 && t.bytes >= 100_000 * 29, `${t.bytes} bytes`);
  for (let i = 0; i < 100_000; i += 997) assert.deepEqual(t.get(`row-${i}`), { split: 'train', index: i });
});

test('a 256th split is a clear error naming it, not a crash', () => {
  const t = new RowIdTable();
  for (let s = 0; s < 255; s++) t.claim('x', `s${s}`, 0);
  assert.throws(
    () => t.claim('x', 's255', 0),
    (e: unknown) => e instanceof GadError && /more than 255 splits.*'s255'/.test(e.message) && !!e.hint,
  );
});
