/**
 * A build turns libvips' operation cache off (src/pipeline/steps.ts, the format step): it decodes each distinct
 * image once, so the cache (sharp's default: up to 50 MB and 100 operations) only held memory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { build } from '../../src/pipeline/build.js';

test('build: libvips operation cache off while the images are processed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gad-sharp-cache-'));
  try {
    sharp.cache(true); // sharp's defaults
    assert.ok(sharp.cache().memory.max > 0);
    // the bundled sample (its images resized, so libvips runs), the library API
    const r = await build({ out: join(dir, 'out'), resize: 'always' });
    assert.ok(r.splits.train && r.splits.train.rowsOut > 0);
    const c = sharp.cache();
    assert.deepEqual([c.memory.max, c.files.max, c.items.max], [0, 0, 0]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
