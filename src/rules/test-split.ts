import { createHash } from 'node:crypto';

/**
 * Carves a test split by a seeded hash of the row id, independent of row order and concurrency:
 * u = first 52 bits of sha256("gad-data-split\0<seed>\0<id>") / 2^52, and the row goes to `test` when
 * u < testRatio. The same (id, seed, ratio) always lands in the same split; raising the ratio only moves
 * rows from train to test.
 */
export function assignSplit(id: string, seed: number, testRatio: number): 'train' | 'test' {
  if (!(testRatio >= 0 && testRatio <= 1))
    throw new RangeError(`assignSplit: testRatio must be in [0, 1], got ${testRatio}`);
  return splitUnit(id, seed) < testRatio ? 'test' : 'train';
}

/** The uniform number in [0, 1) that `assignSplit` compares with the ratio. */
export function splitUnit(id: string, seed: number): number {
  const hex = createHash('sha256').update(`gad-data-split\u0000${seed}\u0000${id}`).digest('hex');
  return parseInt(hex.slice(0, 13), 16) / 2 ** 52;
}
