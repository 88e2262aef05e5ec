import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { validateFiles } from '../../src/validate/files.js';
import { pngOf, writeCraftedParquet } from '../helpers/validate-parquet.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-validate-decode-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

test('validate --decode: fast verifies PNGs without decoding and reads JPEG headers; full decodes everything; none reads headers', async () => {
  const png = await pngOf(120, 90);
  const jpeg = new Uint8Array(
    await sharp(Buffer.from(await pngOf(120, 90)))
      .jpeg({ quality: 90 })
      .toBuffer(),
  );
  const row = (bytes: Uint8Array) => ({
    prompt: [{ role: 'user', content: '<image>What is shown?' }],
    images: [{ bytes, path: null }],
  });
  const file = join(tmp, 'mixed.parquet');
  await writeCraftedParquet(
    file,
    [
      row(png),
      row(png.subarray(0, Math.floor(png.length * 0.7))),
      row(jpeg),
      row(jpeg.subarray(0, Math.floor(jpeg.length * 0.7))),
    ],
    'verl',
  );
  const undecodableRows = async (decode: 'fast' | 'full' | 'none') => {
    const r = await validateFiles([file], { target: 'verl', decode });
    return r.violations
      .filter((v) => v.code === 'image_undecodable')
      .map((v) => v.row)
      .sort();
  };
  assert.deepEqual(
    await undecodableRows('fast'),
    [1],
    'fast: the truncated PNG (its stream is verified), not the JPEG (header only)',
  );
  assert.deepEqual(await undecodableRows('full'), [1, 3], 'full: both truncated images');
  assert.deepEqual(await undecodableRows('none'), [], 'none: headers only');
});
