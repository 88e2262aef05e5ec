import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { ImageResult } from '../../src/images/image-options.js';
import { ONCE_KEYS, SharedImageCache } from '../../src/pipeline/image-cache.js';

const sha = (i: number) => createHash('sha256').update(`image ${i}`).digest('hex');
const result = (i: number) => ({ bytes: new Uint8Array(3000).fill(i % 256), sha256: sha(i) }) as unknown as ImageResult;

/** What format does with each image: look it up by its sha256, process it on a miss and store the result. */
function formatImage(cache: SharedImageCache, i: number): 'hit' | 'processed' {
  if (cache.get(sha(i))) return 'hit';
  cache.set(sha(i), result(i));
  return 'processed';
}

test('image cache: a build of distinct images keeps none of them (memory does not grow with the rows)', () => {
  const cache = new SharedImageCache();
  for (let i = 0; i < 20_000; i++) assert.equal(formatImage(cache, i), 'processed');
  assert.equal(cache.size, 0);
  assert.equal(cache.calculatedSize, 0);
  // what it does keep per distinct image: its key's 128 bits in a typed table
  const seen = cache.seen();
  assert.equal(seen.images, 20_000);
  assert.ok(seen.bytes / seen.images <= 72, `${(seen.bytes / seen.images).toFixed(1)} bytes an image`);
});

test('image cache: the keys seen once stay within 2 × ONCE_KEYS however many distinct images the build has', () => {
  const cache = new SharedImageCache();
  const n = 5 * ONCE_KEYS;
  let most = 0;
  for (let i = 0; i < n; i++) {
    assert.equal(formatImage(cache, i), 'processed');
    most = Math.max(most, cache.seen().images);
  }
  assert.ok(most <= 2 * ONCE_KEYS, `${most} keys remembered at most`);
  assert.ok(cache.seen().bytes <= 2 * ONCE_KEYS * 72, `${cache.seen().bytes} bytes`);
  // An image whose second row comes ONCE_KEYS distinct images later is still taken from the cache at its third.
  const shared = n + 1;
  assert.equal(formatImage(cache, shared), 'processed');
  for (let i = 0; i < ONCE_KEYS; i++) formatImage(cache, n + 2 + i);
  assert.deepEqual([formatImage(cache, shared), formatImage(cache, shared)], ['processed', 'hit']);
  // One further apart than 2 × ONCE_KEYS is forgotten: processed again, as a distinct image (the same bytes result).
  const far = n + 3 * ONCE_KEYS;
  assert.equal(formatImage(cache, far), 'processed');
  for (let i = 0; i < 2 * ONCE_KEYS; i++) formatImage(cache, far + 1 + i);
  assert.deepEqual([formatImage(cache, far), formatImage(cache, far)], ['processed', 'processed']);
});

test('image cache: an image shared by rows is processed for its first two rows, then taken from the cache', () => {
  const cache = new SharedImageCache();
  const outcomes = [7, 8, 7, 9, 7, 7, 8, 8].map((i) => formatImage(cache, i));
  assert.deepEqual(outcomes, ['processed', 'processed', 'processed', 'processed', 'hit', 'hit', 'processed', 'hit']);
  assert.equal(cache.size, 2);
  assert.equal(cache.get(sha(7))?.sha256, sha(7));
});

test('image cache: capped in bytes of written images', () => {
  const cache = new SharedImageCache(10 * 3000);
  for (let i = 0; i < 50; i++) {
    formatImage(cache, i);
    formatImage(cache, i);
  }
  assert.equal(cache.size, 10);
  assert.ok(cache.calculatedSize <= 10 * 3000);
});
