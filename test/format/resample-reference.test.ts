/**
 * The resampler's loops (one per channel count, int32 sums, row-wise vertical pass) against the straightforward
 * version they replaced, kept here as the reference: same bytes for many random sizes, up and down, one axis or
 * both, 1 to 4 channels, on noise and on hard 0/255 edges (the sums that go below 0 and above 255 and are clipped).
 * The straightforward version itself is checked against Pillow in resample.test.ts and the interop tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resizeBicubic } from '../../src/images/resample.js';
import { rng } from '../helpers/validate.js';

const PRECISION_BITS = 32 - 8 - 2;
const A = -0.5;

function bicubic(x: number): number {
  const t = x < 0 ? -x : x;
  if (t < 1) return ((A + 2) * t - (A + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * A;
  return 0;
}

function coefficients(inSize: number, outSize: number) {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 2 * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterScale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = bicubic((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x]! / ww : k[x]!;
      const fixed = w * (1 << PRECISION_BITS);
      weights[xx * ksize + x] = fixed < 0 ? Math.trunc(-0.5 + fixed) : Math.trunc(0.5 + fixed);
    }
    start[xx] = xmin;
    count[xx] = xmax;
  }
  return { start, count, weights, ksize };
}

const ONE = 2 ** PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);
function clip8(sum: number): number {
  const r = Math.floor(sum / ONE);
  return r < 0 ? 0 : r > 255 ? 255 : r;
}

/** The previous resizeBicubic: exact sums in doubles, floor division, one output value at a time. */
function referenceResize(px: Uint8Array, width: number, height: number, ch: number, ow: number, oh: number) {
  let src = px;
  let w = width;
  if (ow !== width) {
    const c = coefficients(width, ow);
    const out = new Uint8Array(ow * height * ch);
    for (let y = 0; y < height; y++) {
      const row = y * width * ch;
      const orow = y * ow * ch;
      for (let xx = 0; xx < ow; xx++) {
        const s = c.start[xx]!;
        const n = c.count[xx]!;
        const kb = xx * c.ksize;
        for (let k = 0; k < ch; k++) {
          let acc = HALF;
          for (let x = 0; x < n; x++) acc += src[row + (s + x) * ch + k]! * c.weights[kb + x]!;
          out[orow + xx * ch + k] = clip8(acc);
        }
      }
    }
    src = out;
    w = ow;
  }
  if (oh !== height) {
    const c = coefficients(height, oh);
    const stride = w * ch;
    const out = new Uint8Array(w * oh * ch);
    for (let yy = 0; yy < oh; yy++) {
      const s = c.start[yy]!;
      const n = c.count[yy]!;
      const kb = yy * c.ksize;
      for (let i = 0; i < stride; i++) {
        let acc = HALF;
        for (let y = 0; y < n; y++) acc += src[(s + y) * stride + i]! * c.weights[kb + y]!;
        out[yy * stride + i] = clip8(acc);
      }
    }
    src = out;
  }
  return src === px ? px.slice() : src;
}

function pixels(kind: number, w: number, h: number, ch: number, r: () => number): Uint8Array {
  const px = new Uint8Array(w * h * ch);
  for (let i = 0; i < px.length; i++) {
    const p = Math.floor(i / ch);
    const x = p % w;
    const y = Math.floor(p / w);
    // noise; hard 0/255 stripes and checks (the bicubic lobes push the sums below 0 and above 255); flat 255
    px[i] =
      kind === 0
        ? Math.floor(r() * 256)
        : kind === 1
          ? ((x >> (i % 3)) + y) & 1
            ? 255
            : 0
          : kind === 2
            ? r() < 0.5
              ? 0
              : 255
            : 255;
  }
  return px;
}

test('resizeBicubic gives the same bytes as the reference version on random sizes, channels and contents', () => {
  const r = rng(20261205);
  const size = (n: number) => 1 + Math.floor(r() * n);
  let cases = 0;
  for (let i = 0; i < 400; i++) {
    const ch = 1 + (i % 4);
    const kind = Math.floor(i / 4) % 4;
    // small and large factors both ways; sometimes one axis unchanged
    const big = i % 5 === 0 ? 300 : 60;
    const w = size(big);
    const h = size(big);
    const ow = i % 7 === 0 ? w : size(i % 3 === 0 ? 400 : 80);
    const oh = i % 11 === 0 ? h : size(i % 3 === 1 ? 400 : 80);
    const px = pixels(kind, w, h, ch, r);
    const want = referenceResize(px, w, h, ch, ow, oh);
    const got = resizeBicubic(px, w, h, ch, ow, oh);
    assert.equal(got.length, want.length, `case ${i}: ${w}x${h}x${ch} -> ${ow}x${oh}`);
    assert.ok(Buffer.from(got).equals(Buffer.from(want)), `case ${i}: ${w}x${h}x${ch} -> ${ow}x${oh} (kind ${kind})`);
    assert.ok(got instanceof Uint8Array && !(got instanceof Uint8ClampedArray));
    cases++;
  }
  assert.equal(cases, 400);
});

test('resizeBicubic: extreme factors (1 pixel to 1000, 1000 to 1) and the Geometry3K-like sizes match the reference', () => {
  const r = rng(7);
  const sizes: Array<[number, number, number, number]> = [
    [1, 1, 1000, 1],
    [1000, 1, 1, 1],
    [1, 1000, 3, 997],
    [997, 3, 2, 1000],
    [2, 2, 64, 64],
    [150, 97, 288, 192],
    [419, 206, 416, 224],
    [61, 48, 256, 256],
    // one axis only, each way, with rows shorter than the 16 bytes the WebAssembly loops take at a time
    [1, 5, 1, 9],
    [5, 1, 9, 1],
    [3, 40, 3, 7],
    [40, 3, 7, 3],
    [17, 33, 15, 31],
  ];
  for (const [w, h, ow, oh] of sizes)
    for (const ch of [1, 3, 4])
      for (const kind of [0, 2]) {
        const px = pixels(kind, w, h, ch, r);
        const got = resizeBicubic(px, w, h, ch, ow, oh);
        assert.ok(
          Buffer.from(got).equals(Buffer.from(referenceResize(px, w, h, ch, ow, oh))),
          `${w}x${h}x${ch}->${ow}x${oh}`,
        );
      }
});
