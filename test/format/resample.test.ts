import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { packagePath } from '../../src/core/paths.js';
import { resizeBicubic, resizeBicubicAsync } from '../../src/images/resample.js';

const dir = packagePath('test', 'fixtures', 'pillow');

async function rgb(file: string) {
  const { data, info } = await sharp(`${dir}/${file}`).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { px: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), w: info.width, h: info.height };
}

test("resizeBicubic gives Pillow's Image.resize(BICUBIC) bytes exactly (up, down, mixed, one axis)", async () => {
  const cases = JSON.parse(readFileSync(`${dir}/cases.json`, 'utf8')) as { input: string; sizes: [number, number][] };
  const src = await rgb(cases.input);
  assert.ok(cases.sizes.length >= 5);
  for (const [w, h] of cases.sizes) {
    const want = await rgb(`out-${w}x${h}.png`);
    const got = resizeBicubic(src.px, src.w, src.h, 3, w, h);
    assert.equal(got.length, want.px.length, `${w}x${h}`);
    let differ = 0;
    for (let i = 0; i < got.length; i++) if (got[i] !== want.px[i]) differ++;
    assert.equal(differ, 0, `${w}x${h}: ${differ} bytes differ from Pillow`);
  }
});

test('resizeBicubic: same size is a copy; a wrong buffer length is refused', () => {
  const px = Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => i * 7);
  const same = resizeBicubic(px, 4, 3, 3, 4, 3);
  assert.deepEqual([...same], [...px]);
  assert.notEqual(same, px);
  assert.throws(() => resizeBicubic(px, 5, 3, 3, 2, 2), /bytes for 5x3x3/);
});

test('resizeBicubicAsync: a large image is resized in a worker with the same bytes; an abort stops it', async () => {
  const w = 1800;
  const h = 1300; // over the inline limit: runs in a worker thread
  const px = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 131 + (i >> 9)) & 255);
  const inline = resizeBicubic(px, w, h, 3, 700, 500);
  const viaWorker = await resizeBicubicAsync(px.slice(), w, h, 3, 700, 500);
  assert.ok(Buffer.from(viaWorker).equals(Buffer.from(inline)));
  const ac = new AbortController();
  const pending = resizeBicubicAsync(px.slice(), w, h, 3, 700, 500, ac.signal);
  ac.abort();
  await assert.rejects(pending, /aborted/);
});
