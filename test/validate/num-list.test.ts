import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NumList, concatNums } from '../../src/report/num-list.js';

test('NumList: numbers kept exactly and in order through growth', () => {
  const l = new NumList();
  const want: number[] = [];
  for (let i = 0; i < 5000; i++) {
    const v = i % 7 === 0 ? i + 0.1 : i % 11 === 0 ? -i : 2 ** 40 + i;
    l.push(v);
    want.push(v);
  }
  assert.equal(l.length, 5000);
  assert.deepEqual(l.toArray(), want);
});

test('NumList: a value that is not a number is kept as given (a plain array from then on)', () => {
  const l = new NumList();
  l.push(3);
  l.push(undefined as unknown as number);
  l.push(null as unknown as number);
  l.push(5);
  assert.equal(l.length, 4);
  assert.deepEqual(l.toArray(), [3, undefined, null, 5]);
});

test('NumList.values: the numbers without a copy (a view of the typed array), or the plain array', () => {
  const l = new NumList();
  for (let i = 0; i < 3000; i++) l.push(i * 3);
  const v = l.values();
  assert.ok(v instanceof Int32Array, 'integers: 4 bytes each');
  assert.equal(v.length, 3000);
  assert.deepEqual(Array.from(v), l.toArray());
  assert.equal((l.values() as Int32Array).buffer, v.buffer, 'the same memory, not a copy');
  const p = new NumList();
  p.push(1);
  p.push(null as unknown as number);
  assert.deepEqual(p.values(), [1, null]);
});

test('NumList: integers in 4 bytes each until a number does not fit; then every number exact in 8 bytes', () => {
  for (const odd of [2 ** 31, -(2 ** 31) - 1, 0.5, -0, NaN, Infinity]) {
    const l = new NumList();
    const want: number[] = [];
    for (let i = 0; i < 2500; i++) {
      const v = i === 1500 ? odd : i % 2 ? 2 ** 31 - 1 - i : -(2 ** 31) + i;
      l.push(v);
      want.push(v);
    }
    assert.ok(l.values() instanceof Float64Array, `after ${odd}`);
    const got = l.toArray();
    assert.equal(got.length, want.length);
    for (let i = 0; i < want.length; i++) assert.ok(Object.is(got[i], want[i]), `${i}: ${got[i]} is ${want[i]}`);
  }
  const ints = new NumList();
  for (let i = 0; i < 2500; i++) ints.push(i % 3 ? 2 ** 31 - 1 : -(2 ** 31));
  assert.ok(ints.values() instanceof Int32Array);
  assert.deepEqual(
    ints.toArray(),
    Array.from({ length: 2500 }, (_, i) => (i % 3 ? 2 ** 31 - 1 : -(2 ** 31))),
  );
});

test('concatNums: lists one after the other, as [...a, ...b] gives them', () => {
  const a = new Float64Array([1, 2.5, -0]);
  const b = new Float64Array([7]);
  const joined = concatNums([a, b]);
  assert.ok(joined instanceof Float64Array);
  assert.deepEqual(Array.from(joined), [...a, ...b]);
  assert.ok(Object.is(joined[2], -0));
  assert.equal(concatNums([a]), a, 'one list: itself');
  assert.deepEqual(Array.from(concatNums([])), []);
  const i = new Int32Array([4, -5]);
  const ii = concatNums([i, new Int32Array([6])]);
  assert.ok(ii instanceof Int32Array, 'integer lists: an Int32Array');
  assert.deepEqual(Array.from(ii), [4, -5, 6]);
  const fi = concatNums([a, i]);
  assert.ok(fi instanceof Float64Array, 'with a Float64Array: a Float64Array');
  assert.deepEqual(Array.from(fi), [...a, ...i]);
  assert.ok(Object.is(fi[2], -0));
  const mixed = concatNums([a, [3, undefined as unknown as number]]);
  assert.ok(Array.isArray(mixed), 'a plain list among them: a plain array');
  assert.deepEqual(mixed, [1, 2.5, -0, 3, undefined]);
});
