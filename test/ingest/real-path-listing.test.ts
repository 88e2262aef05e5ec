/**
 * The containment rule's realpath from a folder's listing (ingest/real-path.ts): once a folder has had many files
 * looked up, whether each file is a symlink comes from the folder's entry types instead of an lstat per file. The
 * answers stay `realpathSync`'s (symlinks inside and leading outside, a symlinked folder on the way, missing files,
 * broken links, files made after the listing), the containment rule still refuses a symlink leading out of the
 * image folder and reads one staying inside, and a folder far larger than the files looked up in it is not listed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRealPath, type RealPath } from '../../src/ingest/real-path.js';
import { readImageCell } from '../../src/ingest/image-cells.js';

let tmp: string;
let img: string;
let outside: string;

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'gad-real-path-list-'));
  img = join(tmp, 'data', 'images');
  outside = join(tmp, 'outside');
  mkdirSync(join(img, 'sub'), { recursive: true });
  mkdirSync(outside);
  for (let i = 0; i < 6; i++) writeFileSync(join(img, `f${i}.png`), String(i));
  writeFileSync(join(img, 'sub', 'b.png'), 'b');
  writeFileSync(join(outside, 'secret.png'), 's');
  symlinkSync(join(outside, 'secret.png'), join(img, 'link-out.png'));
  symlinkSync('sub/b.png', join(img, 'link-in.png'));
  symlinkSync(join(tmp, 'nowhere.png'), join(img, 'broken.png'));
  symlinkSync(outside, join(img, 'dirlink'));
  // the image folder reached through a symlinked folder component
  symlinkSync(join(tmp, 'data'), join(tmp, 'data-link'));
  mkdirSync(join(tmp, 'many'));
  for (let i = 0; i < 100; i++) writeFileSync(join(tmp, 'many', `m${i}.png`), String(i));
});

after(() => rmSync(tmp, { recursive: true, force: true }));

const realOrNull = (p: string) => {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
};

/** lstat calls made by `fn` on paths below `under` (the module's named import follows the mock). */
function countLstats<T>(under: string, fn: () => T): { result: T; lstats: number } {
  let lstats = 0;
  const real = fs.lstatSync;
  const spy = ((p: fs.PathLike, ...rest: unknown[]) => {
    if (String(p).startsWith(under)) lstats++;
    return (real as (...a: unknown[]) => unknown)(p, ...rest);
  }) as typeof fs.lstatSync;
  (fs as { lstatSync: typeof fs.lstatSync }).lstatSync = spy;
  syncBuiltinESMExports();
  try {
    return { result: fn(), lstats };
  } finally {
    (fs as { lstatSync: typeof fs.lstatSync }).lstatSync = real;
    syncBuiltinESMExports();
  }
}

test('from the listing: the answers of realpathSync, for every kind of file, with one lstat per file before it', () => {
  for (const folder of [img, join(tmp, 'data-link', 'images')]) {
    const real = createRealPath({ listAfter: 2 });
    const names = [
      'f0.png', // looked up by lstat: the listing is read at the second look-up
      'f1.png',
      'f2.png',
      'f3.png',
      'link-out.png',
      'link-in.png',
      'broken.png',
      'missing.png',
      'sub',
      'f1.png', // a second look-up of a name: not in the listing any more, lstat again
    ];
    const { lstats } = countLstats(tmp, () => {
      for (const n of names) {
        const p = resolve(folder, n);
        assert.equal(real(p), realOrNull(p), p);
      }
    });
    // f0 (before the listing), missing.png (not listed) and the second f1: three; without the listing, one per
    // name and more for the symlinks' full walks
    assert.equal(lstats, 3 + countWalkLstats(folder), folder);
    // a file made after the listing is found (lstat), a symlink made after it too
    writeFileSync(join(img, 'late.png'), 'l');
    symlinkSync(join(outside, 'secret.png'), join(img, 'late-link.png'));
    assert.equal(real(resolve(folder, 'late.png')), realpathSync(join(img, 'late.png')));
    assert.equal(real(resolve(folder, 'late-link.png')), realpathSync(join(outside, 'secret.png')));
    rmSync(join(img, 'late.png'));
    rmSync(join(img, 'late-link.png'));
  }
});

/**
 * The lstats the symlinks' full `realpathSync` walks make below `tmp`: measured with the walks alone, so the
 * count above is of the look-ups only.
 */
function countWalkLstats(folder: string): number {
  return countLstats(tmp, () => {
    for (const n of ['link-out.png', 'link-in.png', 'broken.png']) realOrNull(resolve(folder, n));
  }).lstats;
}

function contained(path: string, realPath: RealPath) {
  return readImageCell([path], { imageDir: img, baseDir: null, where: 'train.jsonl', imageKey: 'images', realPath });
}

test('containment with the listing: a symlink leading out is refused, one staying inside is read', () => {
  const realPath = createRealPath({ listAfter: 1, listBudget: 100 });
  const inside = contained('link-in.png', realPath);
  assert.ok('images' in inside);
  assert.equal(inside.images[0]!.resolvedPath, realpathSync(join(img, 'sub', 'b.png')));
  const plain = contained('f5.png', realPath);
  assert.ok('images' in plain);
  assert.equal(plain.images[0]!.resolvedPath, realpathSync(join(img, 'f5.png')));
  const out = contained('link-out.png', realPath);
  assert.ok('drop' in out);
  assert.equal(out.drop.reason, 'image_outside_root');
  assert.match(out.drop.detail, /is a symlink leading outside image_dir/);
  // through a symlinked folder inside the image folder
  const viaDir = contained('dirlink/secret.png', realPath);
  assert.ok('drop' in viaDir && viaDir.drop.reason === 'image_outside_root');
});

test('a folder far larger than the files looked up in it is not listed until enough are', () => {
  const real = createRealPath({ listAfter: 2, listBudget: 8 });
  const many = join(tmp, 'many');
  // 100 entries: tried at 2 look-ups (over 16) and 8 (over 64), listed at 32 (up to 256)
  const { lstats } = countLstats(many, () => {
    for (let i = 0; i < 40; i++) {
      const p = join(many, `m${i}.png`);
      assert.equal(real(p), realpathSync(p));
    }
  });
  assert.equal(lstats, 31);
});
