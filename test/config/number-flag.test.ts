/** `numberFlag`: the one parser of the commands' numeric flags that are no config key (train, export, scale-out). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GadError } from '../../src/core/errors.js';
import { numberFlag } from '../../src/config/values.js';

const refused = (f: (v: string) => number, v: string, message: string) =>
  assert.throws(
    () => f(v),
    (e: unknown) => e instanceof GadError && e.exitCode === 2 && e.message === message,
    `${v}`,
  );

test('a whole-number flag takes whole numbers from its minimum, nothing else', () => {
  const gpus = numberFlag('--n-gpus', 0);
  assert.equal(gpus('0'), 0);
  assert.equal(gpus('8'), 8);
  for (const v of ['-1', '2.5', '', ' ', 'x', 'Infinity', 'NaN'])
    refused(gpus, v, `--n-gpus takes a whole number of 0 or more, got "${v}"`);
  const len = numberFlag('--max-length', 1);
  assert.equal(len('700'), 700);
  refused(len, '0', '--max-length takes a whole number of 1 or more, got "0"');
});

test('a fraction flag takes any finite number from its minimum', () => {
  const hours = numberFlag('--hours', 0.000001, { fraction: true });
  assert.equal(hours('0.5'), 0.5);
  assert.equal(hours('2'), 2);
  for (const v of ['0', '-1', 'x', '']) refused(hours, v, `--hours takes a number of 0.000001 or more, got "${v}"`);
});
