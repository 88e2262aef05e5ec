import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NumList } from '../../src/report/num-list.js';

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
