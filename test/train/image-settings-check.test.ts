/**
 * `train` pre-flight: the build's recorded resize (manifest.json `resize`) against the profile's trainer
 * (src/train/image-settings-check.ts). A verl build passes for verl-gad; the same build recorded with the
 * processor pipeline and the original images (what a `--pipeline processor` build of gad-data before the refusal
 * wrote), or with EasyR1's min_pixels, fails with the fix; an EasyR1 build fails for a verl profile.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../../src/index.js';
import type { Manifest } from '../../src/core/types.js';
import { checkImageSettings } from '../../src/train/image-settings-check.js';

test(
  "pre-flight checks the build's recorded pipeline and pixel bounds against the profile",
  { timeout: 300_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gad-image-check-'));
    try {
      await build({ out: join(dir, 'out') });
      const m = JSON.parse(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8')) as Manifest;
      assert.equal(m.resize.pipeline, 'qwen-vl-utils');
      const ok = checkImageSettings(m, 'verl-gad');
      assert.equal(ok.ok, true, ok.message);
      assert.match(ok.message, /pipeline qwen-vl-utils, pixels 4096–16777216, resize auto/);

      const processor: Manifest = {
        ...m,
        resize: { ...m.resize, pipeline: 'processor', minPixels: 65536, maxPixels: 16777216 },
      };
      const p = checkImageSettings(processor, 'verl-gad');
      assert.equal(p.ok, false);
      assert.match(p.message, /--pipeline processor with --target verl/);
      assert.match(p.message, /rebuild: drop --pipeline/);

      const easyr1Bounds: Manifest = { ...m, resize: { ...m.resize, minPixels: 262144, maxPixels: 4194304 } };
      const e = checkImageSettings(easyr1Bounds, 'verl-grpo');
      assert.equal(e.ok, false);
      assert.match(e.message, /data\.min_pixels 262,144 on a verl build/);

      const easyr1Build: Manifest = {
        ...m,
        target: 'easyr1',
        resize: { ...m.resize, pipeline: 'easyr1', minPixels: 262144, maxPixels: 4194304 },
      };
      assert.equal(checkImageSettings(easyr1Build, 'easyr1').ok, true);
      assert.equal(checkImageSettings(easyr1Build, 'verl-gad').ok, false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
