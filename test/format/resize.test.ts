import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { packagePath } from '../../src/core/paths.js';
import { pyFloatRepr } from '../../src/core/py-float.js';
import {
  DEFAULT_PIPELINE_BOUNDS,
  type ImageGeometry,
  resizeFor,
  ResizeError,
  resolveBounds,
  roundHalfEven,
  smartResize,
} from '../../src/images/resize.js';
import { isFixedPoint, isStrictFixedPoint, writeTarget } from '../../src/images/write-target.js';

interface GoldenLine {
  model: string;
  pipeline: 'processor' | 'easyr1' | 'qwen-vl-utils';
  width: number;
  height: number;
  pre_w?: number;
  pre_h?: number;
  grid_thw?: [number, number, number];
  resized_w?: number;
  resized_h?: number;
  image_tokens?: number;
  error?: string;
  error_stage?: 'pre' | 'processor';
  case: string;
}

const golden: GoldenLine[] = readFileSync(packagePath('test', 'golden', 'images_public.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as GoldenLine);

const meta = JSON.parse(readFileSync(packagePath('test', 'golden', 'meta_public.json'), 'utf8')) as {
  processors: Record<string, { patch_size: number; merge_size: number; min_pixels: number; max_pixels: number }>;
  easyr1: { min_pixels: number; max_pixels: number };
};

function geometryOf(model: string): ImageGeometry {
  const p = meta.processors[model];
  assert.ok(p, `meta has processor ${model}`);
  return {
    patchSize: p.patch_size,
    mergeSize: p.merge_size,
    factor: p.patch_size * p.merge_size,
    minPixels: p.min_pixels,
    maxPixels: p.max_pixels,
  };
}

test('golden geometry is what the brief states', () => {
  assert.deepEqual(geometryOf('qwen2.5-vl'), {
    patchSize: 14,
    mergeSize: 2,
    factor: 28,
    minPixels: 3136,
    maxPixels: 12845056,
  });
  assert.deepEqual(geometryOf('qwen3-vl'), {
    patchSize: 16,
    mergeSize: 2,
    factor: 32,
    minPixels: 65536,
    maxPixels: 16777216,
  });
  assert.equal(meta.easyr1.min_pixels, DEFAULT_PIPELINE_BOUNDS.easyr1MinPixels);
  assert.equal(meta.easyr1.max_pixels, DEFAULT_PIPELINE_BOUNDS.easyr1MaxPixels);
});

test('replays every line of images_public.jsonl exactly', () => {
  assert.equal(golden.length, 1854);
  let errors = 0;
  const mismatches: string[] = [];
  for (const g of golden) {
    const r = resizeFor(g.width, g.height, g.pipeline, geometryOf(g.model));
    const got: Record<string, unknown> = {
      model: g.model,
      pipeline: g.pipeline,
      width: g.width,
      height: g.height,
      case: g.case,
    };
    if (r.pre) {
      got.pre_w = r.pre[0];
      got.pre_h = r.pre[1];
    }
    if (r.ok) {
      got.grid_thw = r.grid;
      got.resized_w = r.resized[0];
      got.resized_h = r.resized[1];
      got.image_tokens = r.tokens;
    } else {
      errors++;
      got.error = r.error;
      got.error_stage = r.stage;
      assert.equal(r.reason, 'aspect_ratio');
    }
    try {
      assert.deepEqual(got, g);
    } catch {
      mismatches.push(`${JSON.stringify(g)}\n  got ${JSON.stringify(got)}`);
    }
  }
  assert.deepEqual(mismatches.slice(0, 5), [], `${mismatches.length} mismatching lines`);
  assert.equal(errors, 54);
});

test('processor and qwen-vl-utils results are fixed points; writeTarget keeps the golden size whenever it is one', () => {
  let nonFixed = 0;
  let unsafe = 0;
  for (const g of golden) {
    if (g.error) continue;
    const geo = geometryOf(g.model);
    const fixed = isFixedPoint(g.resized_w!, g.resized_h!, g.pipeline, geo);
    if (g.pipeline !== 'easyr1') assert.ok(fixed, `${g.model} ${g.pipeline} ${g.width}x${g.height}`);
    const t = writeTarget(g.width, g.height, g.pipeline, geo);
    if (!t.ok) {
      // Only EasyR1 can fail here: its pre-resize of the written thin image crosses ratio 200 (the trainer would crash).
      assert.equal(fixed, false);
      assert.equal(g.pipeline, 'easyr1');
      assert.equal(t.reason, 'aspect_ratio');
      assert.ok(t.value > 200);
      unsafe++;
      continue;
    }
    if (fixed) {
      assert.deepEqual(t.size, [g.resized_w, g.resized_h]);
      assert.equal(t.tokens, g.image_tokens);
      assert.equal(t.iterations, 0);
    } else {
      nonFixed++;
      // The written size is a fixed point, and the tokens are what the trainer computes on it.
      assert.ok(t.fixedPoint);
      assert.ok(isFixedPoint(t.size[0], t.size[1], g.pipeline, geo));
      const again = resizeFor(t.size[0], t.size[1], g.pipeline, geo);
      assert.ok(again.ok);
      assert.equal(t.tokens, again.tokens);
      assert.ok(t.size[0] % geo.factor === 0 && t.size[1] % geo.factor === 0);
    }
  }
  // EasyR1's int() truncation leaves some areas just below its min_pixels: those are not fixed points.
  assert.ok(nonFixed > 0);
  assert.ok(unsafe > 0);
});

test('EasyR1: a golden size whose re-run crosses ratio 200 is refused by writeTarget', () => {
  const geo = geometryOf('qwen2.5-vl');
  const r = resizeFor(1790, 12, 'easyr1', geo);
  assert.ok(r.ok);
  const again = resizeFor(r.resized[0], r.resized[1], 'easyr1', geo);
  assert.equal(again.ok, false);
  const t = writeTarget(1790, 12, 'easyr1', geo);
  assert.ok(!t.ok && t.reason === 'aspect_ratio' && t.stage === 'processor');
});

test('EasyR1 non-fixed point example: 25x213 on qwen2.5-vl', () => {
  const geo = geometryOf('qwen2.5-vl');
  const r = resizeFor(25, 213, 'easyr1', geo);
  assert.ok(r.ok);
  assert.deepEqual(r.resized, [168, 1484]);
  assert.equal(isFixedPoint(168, 1484, 'easyr1', geo), false);
  const t = writeTarget(25, 213, 'easyr1', geo);
  assert.ok(t.ok && t.fixedPoint && t.iterations > 0);
  // A size inside EasyR1's bounds, a multiple of the factor, is a strict fixed point (no resampling at all).
  assert.ok(isStrictFixedPoint(560, 560, 'easyr1', geo));
  assert.equal(isStrictFixedPoint(308, 392, 'easyr1', geo), false);
  assert.equal(isFixedPoint(308, 392, 'processor', geo), true);
});

test('roundHalfEven is Python round()', () => {
  const cases: Array<[number, number]> = [
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [3.5, 4],
    [-0.5, 0],
    [-1.5, -2],
    [-2.5, -2],
    [2.4999999999999996, 2],
    [2.5000000000000004, 3],
    [0.49999999999999994, 0],
    [7, 7],
    [1e15 + 0.5, 1e15],
    [42 / 28, 2],
    [70 / 28, 2],
    [98 / 28, 4],
    [14 / 28, 0],
    [16 / 32, 0],
    [48 / 32, 2],
  ];
  for (const [x, want] of cases) assert.equal(roundHalfEven(x), want, `round(${x})`);
  // JS Math.round differs on ties: this is the reason the helper exists.
  assert.notEqual(Math.round(2.5), roundHalfEven(2.5));
});

test('smartResize: ties, thin sides, variants, bounds and errors', () => {
  // tie: 42/28 = 1.5 -> 2; 70/28 = 2.5 -> 2 (half to even)
  assert.deepEqual(smartResize(70, 42, 28, 3136, 12845056), { height: 56, width: 56 });
  // a side of at most factor/2 rounds to 0 in transformers (min branch) but to factor in qwen-vl-utils
  assert.deepEqual(smartResize(14, 670, 28, 3136, 12845056), { height: 28, width: 392 });
  assert.deepEqual(smartResize(14, 670, 28, 3136, 12845056, 'qwen-vl-utils'), { height: 28, width: 672 });
  // max branch floors, min branch ceils; results stay inside the bounds
  for (const [h, w] of [
    [6000, 6000],
    [5000, 123],
    [9, 9],
    [300, 400],
    [4097, 4095],
  ] as const) {
    const r = smartResize(h, w, 32, 65536, 16777216);
    assert.ok(r.height * r.width <= 16777216 && r.height * r.width >= 65536, `${h}x${w}`);
    assert.equal(r.height % 32, 0);
    assert.equal(r.width % 32, 0);
  }
  // exactly 200 passes, above raises with Python's float repr
  assert.doesNotThrow(() => smartResize(16, 3200, 32, 65536, 16777216));
  assert.throws(
    () => smartResize(16, 3216, 32, 65536, 16777216),
    (e: unknown) =>
      e instanceof ResizeError &&
      e.pyMessage === 'ValueError: absolute aspect ratio must be smaller than 200, got 201.0' &&
      e.reason === 'aspect_ratio',
  );
  assert.throws(
    () => smartResize(0, 10, 28, 3136, 12845056),
    (e: unknown) => e instanceof ResizeError && e.reason === 'image_too_small',
  );
  // qwen-vl-utils floors without max(factor, …): bounds small enough make a side 0 -> image_too_small
  assert.throws(
    () => smartResize(10, 1000, 28, 0, 784 * 2, 'qwen-vl-utils'),
    (e: unknown) => e instanceof ResizeError && e.reason === 'image_too_small',
  );
});

test('pyFloatRepr matches Python repr', () => {
  assert.equal(pyFloatRepr(201), '201.0');
  assert.equal(pyFloatRepr(201.11111111111111), '201.11111111111111');
  assert.equal(pyFloatRepr(200.0625), '200.0625');
  assert.equal(pyFloatRepr(1e16), '1e+16');
  assert.equal(pyFloatRepr(1.5e-5), '1.5e-05');
  assert.equal(pyFloatRepr(0.0001), '0.0001');
});

test('resolveBounds: qwen-vl-utils defaults derive from the patch size, overrides win', () => {
  const b = resolveBounds(geometryOf('qwen3-vl'));
  assert.equal(b.qwenVlUtilsMinPixels, 4 * 32 * 32);
  assert.equal(b.qwenVlUtilsMaxPixels, 16384 * 32 * 32);
  const c = resolveBounds(geometryOf('qwen2.5-vl'), { easyr1MinPixels: 1000 });
  assert.equal(c.easyr1MinPixels, 1000);
  assert.equal(c.easyr1MaxPixels, 4194304);
  assert.equal(c.qwenVlUtilsMaxPixels, 16384 * 28 * 28);
  // custom EasyR1 bounds change the pre-resize
  const r = resizeFor(100, 100, 'easyr1', geometryOf('qwen2.5-vl'), { easyr1MinPixels: 10000 * 4 });
  assert.ok(r.ok);
  assert.deepEqual(r.pre, [200, 200]);
});
