/**
 * The export's work off the main thread gives what the main thread gives: the GAD-size images resized in a worker
 * are imageAtSize's bytes (a broken image fails with the same error); a parquet page of several zstd frames, which
 * the WebAssembly decompressor does not take whole, is still decompressed (by fzstd); a parquet file read through
 * one descriptor gives each slice's bytes and is released when the reading ends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { compress } from '@bokuweb/zstd-wasm';
import { imageAtSize } from '../../src/recipes/gad-size.js';
import { gadSizeImage, gadSizeViaWorkers } from '../../src/recipes/gad-size-pool.js';
import { zstdWasmDecompress, zstdWasmReady } from '../../src/ingest/zstd-wasm.js';
import { allCompressors } from '../../src/ingest/parquet-compressors.js';
import { readParquetRows } from '../../src/ingest/parquet.js';
import { openFileBuffer } from '../../src/ingest/file-buffer.js';
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

test('a parquet file read through one descriptor: the bytes of each slice, cut at the end, and the file released', async () => {
  const file = join(tmp, 'slices.bin');
  const data = new Uint8Array(300_000).map((_, i) => (i * 7 + (i >> 9)) & 255);
  writeFileSync(file, data);
  const fb = openFileBuffer(file);
  assert.equal(fb.buffer.byteLength, data.length);
  for (const [start, end] of [
    [0, 10],
    [1000, 200_000],
    [299_990, 300_000],
    [299_990, 300_100],
    [5, undefined],
    [400_000, 400_010],
  ] as Array<[number, number | undefined]>) {
    const got = new Uint8Array(await fb.buffer.slice(start, end));
    assert.deepEqual(Buffer.from(got), Buffer.from(data.subarray(start, end ?? data.length)), `${start}..${end}`);
  }
  fb.close();
  await assert.rejects(async () => await fb.buffer.slice(0, 4), 'a closed file reads no more');

  // readParquetRows releases the file when done and when its reader stops early
  const pq = join(tmp, 'rows.parquet');
  writeFileSync(
    pq,
    new Uint8Array(
      parquetWriteBuffer({
        columnData: [{ name: 'n', data: Array.from({ length: 300 }, (_, i) => i), type: 'INT32' }],
      }),
    ),
  );
  const fds = () => readdirSync('/proc/self/fd').length;
  const before = fds();
  let n = 0;
  for await (const r of readParquetRows(pq)) n += r.n === n ? 1 : 0;
  assert.equal(n, 300);
  for await (const _ of readParquetRows(pq)) break;
  assert.equal(fds(), before);
});
