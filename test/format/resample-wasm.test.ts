/**
 * The resampler's WebAssembly loops (src/images/resample.wat): the committed module is the assembly of the .wat
 * (an edit of the .wat without `npm run wasm` fails here), and the resampler keeps Pillow's bytes across calls that
 * grow its memory past what it keeps and start it again (resample-reference.test.ts and resample.test.ts check
 * the bytes of single calls).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/core/paths.js';
import { resizeBicubic } from '../../src/images/resample.js';
import { resampleWasmSource, WASM_TS_FILE } from '../../scripts/build-wasm.js';
import { rng } from '../helpers/validate.js';

test('src/images/resample-wasm.ts is the assembly of resample.wat (npm run wasm)', async () => {
  const root = packageRoot();
  const committed = readFileSync(join(root, WASM_TS_FILE), 'utf8');
  assert.equal(committed, await resampleWasmSource(root), `${WASM_TS_FILE} is stale: run \`npm run wasm\``);
});

test('resizeBicubic: large and small images in turn (the memory grown, let go, started again) keep their bytes', () => {
  const r = rng(11);
  const noise = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
  const small = noise(37 * 23 * 3);
  const want = resizeBicubic(small, 37, 23, 3, 50, 17);
  // 3000 x 2000 grey: two planes of 6 MB and more, past the 16 MB the resampler keeps
  const big = noise(3000 * 2000);
  const bigOnce = resizeBicubic(big, 3000, 2000, 1, 1499, 1001);
  for (let i = 0; i < 3; i++) {
    assert.ok(Buffer.from(resizeBicubic(small, 37, 23, 3, 50, 17)).equals(Buffer.from(want)), `small, round ${i}`);
    assert.ok(Buffer.from(resizeBicubic(big, 3000, 2000, 1, 1499, 1001)).equals(Buffer.from(bigOnce)), `big ${i}`);
  }
});
