import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { packagePath } from '../../src/core/paths.js';
import { resizeBicubic } from '../../src/format/resample.js';

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
