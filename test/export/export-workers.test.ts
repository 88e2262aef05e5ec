/**
 * The export's work off the main thread gives what the main thread gives: the GAD-size images resized in a worker
 * are imageAtSize's bytes (a broken image fails with the same error); the image files placed by a worker are hard
 * links to a peer's identical files and new files otherwise, with the same counts, and a write error (a name that
 * exists) is the export's error; a parquet page of several zstd frames, which the WebAssembly decompressor does not
 * take whole, is still decompressed (by fzstd).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { compress } from '@bokuweb/zstd-wasm';
import { imageAtSize } from '../../src/recipes/gad-size.js';
import { gadSizeImage, gadSizeViaWorkers } from '../../src/recipes/gad-size-pool.js';
import { ImageFiles } from '../../src/recipes/image-files.js';
import { zstdWasmDecompress, zstdWasmReady } from '../../src/ingest/zstd-wasm.js';
import { allCompressors } from '../../src/ingest/parquet-compressors.js';
import { readParquetRows } from '../../src/ingest/parquet.js';
import { parquetWriteBuffer } from 'hyparquet-writer';

const tmp = mkdtempSync(join(tmpdir(), 'gad-export-workers-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** A small diagram-like PNG: lines on white, grey or in colour. */
async function diagram(w: number, h: number, colour: boolean): Promise<Buffer> {
  const ink = colour ? '#1428c8' : '#000000';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="100%" height="100%" fill="#fff"/><path d="M4 ${h - 6} L${w - 5} ${h - 6} L${w >> 2} 5 Z" stroke="${ink}" stroke-width="2" fill="none"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

test('GAD-size images resized in a worker are the bytes of the main thread; a broken image fails the same', async () => {
  const cases: Array<{ bytes: Buffer; size: [number, number] }> = [
    { bytes: await diagram(120, 90, false), size: [256, 192] },
    { bytes: await diagram(97, 133, true), size: [224, 288] },
    { bytes: await diagram(301, 40, true), size: [608, 96] },
  ];
  const before = gadSizeViaWorkers();
  const viaPool = await Promise.all(cases.map((c) => gadSizeImage(c.bytes, c.size, 1)));
  assert.equal(gadSizeViaWorkers() - before, cases.length, 'every image was resized by the worker');
  for (const [i, c] of cases.entries())
    assert.deepEqual(Buffer.from(viaPool[i]!), Buffer.from(await imageAtSize(c.bytes, c.size)), `image ${i}`);
  const broken = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
  const inline = await imageAtSize(broken, [64, 64]).then(
    () => 'resized',
    (e: Error) => e.message,
  );
  const pooled = await gadSizeImage(broken, [64, 64]).then(
    () => 'resized',
    (e: Error) => e.message,
  );
  assert.notEqual(inline, 'resized');
  assert.equal(pooled, inline);
});

test('image files placed by a worker: links to identical peer files, new files otherwise, counts and errors', async () => {
  const peer = join(tmp, 'peer');
  const work = join(tmp, 'work');
  mkdirSync(join(peer, 'images', 'train'), { recursive: true });
  mkdirSync(join(work, 'images', 'train'), { recursive: true });
  const images = Array.from({ length: 150 }, (_, i) => ({
    name: `images/train/r${i}-0.png`,
    bytes: new Uint8Array(Buffer.from(`image ${i} `.repeat(20 + (i % 7)))),
  }));
  // the peer holds the same bytes for i % 3 == 0, other bytes (one more byte) for i % 3 == 1, nothing for the rest
  for (const [i, im] of images.entries()) {
    if (i % 3 === 0) writeFileSync(join(peer, im.name), im.bytes);
    if (i % 3 === 1) writeFileSync(join(peer, im.name), Buffer.concat([im.bytes, Buffer.from('x')]));
  }
  const files = new ImageFiles({ peers: [peer] }, { worker: true, inlineFirst: 10 });
  for (const im of images) files.place(im.name, im.bytes, join(work, im.name));
  await files.settle();
  assert.ok(files.viaWorker >= 100, `the worker placed most images (${files.viaWorker})`);
  const same = images.filter((_, i) => i % 3 === 0);
  assert.equal(files.counts.linked, same.length);
  assert.equal(files.counts.written, images.length - same.length);
  assert.equal(
    files.counts.linkedBytes,
    same.reduce((a, im) => a + im.bytes.length, 0),
  );
  for (const [i, im] of images.entries()) {
    const dest = join(work, im.name);
    assert.deepEqual(readFileSync(dest), Buffer.from(im.bytes), `${im.name} holds its bytes`);
    if (i % 3 === 0) assert.equal(statSync(dest).ino, statSync(join(peer, im.name)).ino, `${im.name} is a link`);
    else assert.equal(statSync(dest).nlink, 1, `${im.name} is a file of its own`);
  }

  // a worker that fails (here: dies after placing the first batch's first image) hands its images back
  const work2 = join(tmp, 'work2');
  mkdirSync(join(work2, 'images', 'train'), { recursive: true });
  const dying = `const { parentPort } = require('node:worker_threads'); const fs = require('node:fs');
parentPort.on('message', (r) => { fs.writeFileSync(r.dests[0], 'partial'); process.exit(1); });`;
  const handed = new ImageFiles({ peers: [peer] }, { worker: true, inlineFirst: 0, workerSource: dying });
  for (const im of images) handed.place(im.name, im.bytes, join(work2, im.name));
  await handed.settle();
  assert.equal(handed.viaWorker, 0);
  assert.deepEqual(handed.counts, files.counts);
  for (const [i, im] of images.entries()) {
    const dest = join(work2, im.name);
    assert.deepEqual(readFileSync(dest), Buffer.from(im.bytes), `${im.name} holds its bytes after the hand-back`);
    if (i % 3 === 0) assert.equal(statSync(dest).ino, statSync(join(peer, im.name)).ino, `${im.name} is a link`);
  }

  // a name that exists already (no file is ever written in place): the export's error, with its code
  const again = new ImageFiles({ peers: [] }, { worker: true, inlineFirst: 0 });
  for (const im of images.slice(0, 80)) again.place(im.name, im.bytes, join(work, im.name));
  await assert.rejects(again.settle(), (e: NodeJS.ErrnoException) => e.code === 'EEXIST');
  await again.stop();
});

test('a zstd page of several frames is decompressed (fzstd), one frame by libzstd', async () => {
  await zstdWasmReady();
  const a = new Uint8Array(Buffer.from('first frame '.repeat(50)));
  const b = new Uint8Array(Buffer.from('second frame '.repeat(70)));
  const one = compress(a, 1);
  const two = new Uint8Array([...compress(a, 1), ...compress(b, 1)]);
  assert.deepEqual(zstdWasmDecompress(one, a.length), a);
  assert.equal(zstdWasmDecompress(two, a.length + b.length), null, 'libzstd here gives no whole page');
  assert.equal(zstdWasmDecompress(new Uint8Array([1, 2, 3, 4]), 10), null);
  const { ZSTD } = await allCompressors();
  assert.ok(ZSTD);
  assert.deepEqual(Buffer.from(ZSTD(two, a.length + b.length)), Buffer.concat([a, b]));
  assert.deepEqual(Buffer.from(ZSTD(one, a.length)), Buffer.from(a));
});

test('a zstd parquet file whose pages are several frames reads whole (the row group read again with fzstd)', async () => {
  await zstdWasmReady();
  // each page compressed as two frames (a writer may do so; libzstd here gives only the first)
  const twoFrames = (b: Uint8Array) => {
    const half = b.length >> 1;
    return new Uint8Array([...compress(b.subarray(0, half), 1), ...compress(b.subarray(half), 1)]);
  };
  const text = Array.from({ length: 40 }, (_, i) => `row ${i} `.repeat(30));
  const bytes = Array.from({ length: 40 }, (_, i) => new Uint8Array(Buffer.from(`bytes ${i}`.repeat(9))));
  const buf = parquetWriteBuffer({
    columnData: [
      { name: 'text', data: text, type: 'STRING' },
      { name: 'blob', data: bytes, type: 'BYTE_ARRAY' },
    ],
    codec: 'ZSTD',
    compressors: { ZSTD: twoFrames },
  });
  const file = join(tmp, 'two-frames.parquet');
  writeFileSync(file, new Uint8Array(buf));
  const rows: Array<Record<string, unknown>> = [];
  for await (const r of readParquetRows(file)) rows.push(r);
  assert.equal(rows.length, 40);
  for (const [i, r] of rows.entries()) {
    assert.equal(Buffer.from(r.text as Uint8Array).toString(), text[i]);
    assert.deepEqual(Buffer.from(r.blob as Uint8Array), Buffer.from(bytes[i]!));
  }
});
