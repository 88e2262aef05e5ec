/**
 * The image-file reads of a build with fewer system calls give the same answers as the calls they replace:
 * `createRealPath` (one realpath per folder, an lstat per file) equals `realpathSync` for plain files, files in
 * a symlinked folder, symlinked files (inside and leading outside), `..` that only a realpath resolves, missing
 * files and folders and broken links; `readWholeFile` (open, fstat, read, close) gives `readFile`'s bytes, refuses
 * a folder, a FIFO (without waiting for a writer) and a file over the byte limit without reading it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createRealPath } from '../../src/ingest/real-path.js';
import { readWholeFile } from '../../src/images/read-whole-file.js';

let tmp: string;

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'gad-file-reads-'));
  mkdirSync(join(tmp, 'data', 'images', 'sub'), { recursive: true });
  mkdirSync(join(tmp, 'outside'));
  writeFileSync(join(tmp, 'data', 'images', 'a.png'), 'a');
  writeFileSync(join(tmp, 'data', 'images', 'sub', 'b.png'), 'b');
  writeFileSync(join(tmp, 'outside', 'secret.txt'), 's');
  symlinkSync(join(tmp, 'outside', 'secret.txt'), join(tmp, 'data', 'images', 'link-out.png'));
  symlinkSync('sub/b.png', join(tmp, 'data', 'images', 'link-in.png'));
  symlinkSync(join(tmp, 'outside'), join(tmp, 'data', 'images', 'dirlink'));
  symlinkSync(join(tmp, 'nowhere.png'), join(tmp, 'data', 'images', 'broken.png'));
  symlinkSync(join(tmp, 'data', 'images', 'sub'), join(tmp, 'data', 'sublink'));
});

after(() => rmSync(tmp, { recursive: true, force: true }));

const realOrNull = (p: string) => {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
};

test('createRealPath answers as realpathSync does, for every kind of path, twice (the folder cache)', () => {
  const real = createRealPath();
  const img = join(tmp, 'data', 'images');
  const paths = [
    join(img, 'a.png'),
    join(img, 'sub', 'b.png'),
    join(img, 'link-out.png'),
    join(img, 'link-in.png'),
    join(img, 'dirlink', 'secret.txt'),
    join(img, 'dirlink', 'missing.png'),
    join(img, 'broken.png'),
    join(img, 'missing.png'),
    join(img, 'no-folder', 'x.png'),
    join(tmp, 'data', 'sublink', 'b.png'),
    join(tmp, 'data', 'sublink', '..', 'images', 'a.png'),
    join(img, 'sub'),
    '/',
  ].map((p) => resolve(p));
  for (let round = 0; round < 2; round++)
    for (const p of paths) assert.equal(real(p), realOrNull(p), `${p} (round ${round + 1})`);
  // a symlinked file leading outside is followed (the containment rule then drops it)
  assert.equal(real(join(img, 'link-out.png')), realpathSync(join(tmp, 'outside', 'secret.txt')));
  assert.equal(real(join(img, 'dirlink', 'secret.txt')), realpathSync(join(tmp, 'outside', 'secret.txt')));
});

test(
  'readWholeFile gives readFile bytes and stat; refuses a folder, a FIFO and an over-limit file',
  { timeout: 60_000 },
  async () => {
    const big = join(tmp, 'big.bin');
    const bytes = Buffer.alloc(300_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 251;
    writeFileSync(big, bytes);
    const r = await readWholeFile(big);
    assert.equal(r.kind, 'bytes');
    if (r.kind !== 'bytes') return;
    assert.deepEqual(Buffer.from(r.bytes), readFileSync(big));
    assert.equal(r.stat.size, bytes.length);
    // its own memory: a small file does not share Node's Buffer pool
    const small = await readWholeFile(join(tmp, 'data', 'images', 'a.png'));
    assert.ok(small.kind === 'bytes' && small.bytes.buffer.byteLength === 1);
    const empty = join(tmp, 'empty.png');
    writeFileSync(empty, '');
    const e = await readWholeFile(empty);
    assert.ok(e.kind === 'bytes' && e.bytes.byteLength === 0);

    assert.equal((await readWholeFile(join(tmp, 'data', 'images'))).kind, 'not-file');
    assert.equal((await readWholeFile(big, 1000)).kind, 'too-large');
    assert.equal((await readWholeFile(big, bytes.length)).kind, 'bytes');
    await assert.rejects(readWholeFile(join(tmp, 'missing.png')), { code: 'ENOENT' });

    // over readFile's 2 GiB limit (a sparse file): refused with readFile's error, not an exception that ends the process
    const huge = join(tmp, 'huge.png');
    execFileSync('truncate', ['-s', '3G', huge]);
    await assert.rejects(readWholeFile(huge), { code: 'ERR_FS_FILE_TOO_LARGE' });
    await assert.rejects(readFile(huge), { code: 'ERR_FS_FILE_TOO_LARGE' });
    rmSync(huge);

    const fifo = join(tmp, 'pipe.png');
    execFileSync('mkfifo', [fifo]);
    // without O_NONBLOCK the open waits for a writer forever (a hung build); the test's own time-out would say so
    assert.equal((await readWholeFile(fifo)).kind, 'not-file');
  },
);
