import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countAtMost, percentile, recommendLimit, summarize } from '../../src/report/stats.js';

test('percentile is numpy linear interpolation (hand-computed)', () => {
  // numpy.percentile([1,2,3,4], 50) = 2.5; h = 3·0.5 = 1.5 → 2 + 0.5·(3−2).
  assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
  // 1..10, p90: h = 9·0.9 = 8.1 → x[8] + 0.1·(x[9] − x[8]) = 9 + 0.1 = 9.1.
  const ten = Array.from({ length: 10 }, (_, i) => i + 1);
  assert.ok(Math.abs(percentile(ten, 90) - 9.1) < 1e-12);
  // p99 of 1..10: h = 8.91 → 9.91; p0 and p100 are the ends.
  assert.ok(Math.abs(percentile(ten, 99) - 9.91) < 1e-12);
  assert.equal(percentile(ten, 0), 1);
  assert.equal(percentile(ten, 100), 10);
  // Uneven gaps: [10, 20, 40, 80, 160], p95: h = 4·0.95 = 3.8 → 80 + 0.8·80 = 144.
  assert.ok(Math.abs(percentile([10, 20, 40, 80, 160], 95) - 144) < 1e-9);
  assert.equal(percentile([7], 50), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.throws(() => percentile([1], 101), RangeError);
});

test('summarize sorts and reports count/min/percentiles/max/mean', () => {
  const s = summarize([40, 10, 160, 20, 80]);
  assert.deepEqual(
    { count: s.count, min: s.min, max: s.max, mean: s.mean, p50: s.p50 },
    { count: 5, min: 10, max: 160, mean: 62, p50: 40 },
  );
  // p90: h = 3.6 → 80 + 0.6·80 = 128; p99: h = 3.96 → 80 + 0.96·80 = 156.8.
  assert.ok(Math.abs(s.p90 - 128) < 1e-9);
  assert.ok(Math.abs(s.p99 - 156.8) < 1e-9);
  assert.equal(summarize([]).count, 0);
});

test('countAtMost counts values ≤ limit (trainers keep length ≤ max)', () => {
  const v = [1, 5, 5, 9, 12];
  assert.equal(countAtMost(v, 0), 0);
  assert.equal(countAtMost(v, 5), 3);
  assert.equal(countAtMost(v, 11.9), 4);
  assert.equal(countAtMost(v, 12), 5);
});

test('recommendLimit: smallest multiple of 256 keeping ≥ 99%', () => {
  // 100 rows: 99 at 300, one at 5000 → 99% is reached at 300 → 512.
  const a = [...Array(99).fill(300), 5000];
  assert.equal(recommendLimit(a), 512);
  // 98 at 300, two at 700: 99% needs 99 rows → 700 → 768.
  const b = [...Array(98).fill(300), 700, 700];
  assert.equal(recommendLimit(b), 768);
  // A value exactly on a multiple is kept by that multiple (≤).
  assert.equal(recommendLimit([256, 256, 256]), 256);
  assert.equal(recommendLimit([257]), 512);
  // keep = 1 means the maximum; another multiple.
  assert.equal(recommendLimit(a, { keep: 1 }), 5120);
  assert.equal(recommendLimit(a, { keep: 1, multiple: 1000 }), 5000);
  // keep 0.5 of [100, 200, 900, 1000] → the 2nd value (200) → 256.
  assert.equal(recommendLimit([1000, 100, 900, 200], { keep: 0.5 }), 256);
  // Never below one multiple, empty → one multiple.
  assert.equal(recommendLimit([3]), 256);
  assert.equal(recommendLimit([]), 256);
  // Rule check on random data: the result keeps ≥ 99% and one multiple less does not.
  let seed = 1;
  const r = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const vals = Array.from({ length: 777 }, () => Math.round(200 + 3000 * r() ** 3));
  const lim = recommendLimit(vals);
  const kept = (l: number) => vals.filter((v) => v <= l).length / vals.length;
  assert.equal(lim % 256, 0);
  assert.ok(kept(lim) >= 0.99);
  assert.ok(lim === 256 || kept(lim - 256) < 0.99);
});
