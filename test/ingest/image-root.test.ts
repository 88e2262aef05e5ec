/**
 * Whether an image path stays inside its allowed folder (image-cells.ts `within`): a folder whose name only starts
 * like the image folder's (`images2` beside `images`) is outside, a file named `..a.png` is inside, and a folder
 * given with a trailing slash or through a symlinked component contains its files as before.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImageCell } from '../../src/ingest/image-cells.js';
import { createRealPath } from '../../src/ingest/real-path.js';

let tmp: string;
let img: string;

before(() => {
  tmp = realpathSync(mkdtempSync(join(tmpdir(), 'gad-image-root-')));
  img = join(tmp, 'images');
  mkdirSync(img);
  mkdirSync(join(tmp, 'images2'));
  writeFileSync(join(img, 'a.png'), 'a');
  writeFileSync(join(img, '..a.png'), 'a');
  writeFileSync(join(tmp, 'images2', 'b.png'), 'b');
  symlinkSync(tmp, join(tmp, 'top-link'));
});

after(() => rmSync(tmp, { recursive: true, force: true }));

function cell(path: string, imageDir: string) {
  return readImageCell([path], {
    imageDir,
    baseDir: null,
    where: 'train.jsonl',
    imageKey: 'images',
    realPath: createRealPath(),
  });
}

test('a sibling folder whose name starts like the image folder is outside it', () => {
  const abs = cell(join(tmp, 'images2', 'b.png'), img);
  assert.ok('drop' in abs && abs.drop.reason === 'image_outside_root', JSON.stringify(abs));
  assert.match(abs.drop.detail, /is absolute and outside image_dir/);
  const rel = cell('../images2/b.png', img);
  assert.ok('drop' in rel && rel.drop.reason === 'image_outside_root');
  assert.match(rel.drop.detail, /escapes image_dir .* with '\.\.'/);
});

test('inside: a plain name, a name starting with two dots, a trailing slash, a symlinked folder component', () => {
  for (const [path, dir] of [
    ['a.png', img],
    ['..a.png', img],
    [join(img, 'a.png'), img],
    ['a.png', img + '/'],
    ['a.png', join(tmp, 'top-link', 'images')],
    [join(tmp, 'top-link', 'images', 'a.png'), img],
  ] as const) {
    const r = cell(path, dir);
    assert.ok('images' in r, `${path} in ${dir}: ${JSON.stringify(r)}`);
    assert.equal(r.images[0]!.resolvedPath, join(img, path.endsWith('..a.png') ? '..a.png' : 'a.png'));
  }
});
