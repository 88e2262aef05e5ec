/**
 * A shard's row count is read from its footer by walking the thrift bytes (src/output/footer-rows.ts), not by
 * building the footer's objects: the same count hyparquet reads, on files of 0 to many row groups, and a clear error
 * for a file whose footer is cut, garbled or missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { footerRowCount } from '../../src/output/footer-rows.js';

const dir = mkdtempSync(join(tmpdir(), 'footer-rows-'));

/** A parquet file of `rows` rows (an int, a string and a nested list column) in row groups of `groupRows`. */
function parquetFile(name: string, rows: number, groupRows: number): { path: string; bytes: Uint8Array } {
  const buf = parquetWriteBuffer({
    columnData: [
      { name: 'id', data: Array.from({ length: rows }, (_, i) => i), type: 'INT32' },
      { name: 'text', data: Array.from({ length: rows }, (_, i) => `row ${i} ${'x'.repeat(i % 7)}`), type: 'STRING' },
      { name: 'flag', data: Array.from({ length: rows }, (_, i) => i % 3 === 0), type: 'BOOLEAN' },
    ],
    rowGroupSize: groupRows,
    kvMetadata: [{ key: 'huggingface', value: '{"info": {}}' }],
  });
  const bytes = new Uint8Array(buf);
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { path, bytes };
}

test('footerRowCount: the num_rows hyparquet reads, for 0, 1, 14, 15 and 300 row groups', async () => {
  for (const [rows, groupRows] of [
    [0, 10],
    [5, 10],
    [140, 10],
    [150, 10],
    [3000, 10],
  ] as const) {
    const f = parquetFile(`f-${rows}.parquet`, rows, groupRows);
    const meta = parquetMetadata(f.bytes.buffer as ArrayBuffer);
    assert.equal(Number(meta.num_rows), rows);
    assert.equal(await footerRowCount(f.path), rows, `${rows} rows in groups of ${groupRows}`);
  }
});

test('footerRowCount: a cut, garbled or foreign file is an error naming what is wrong', async () => {
  const { bytes } = parquetFile('ok.parquet', 40, 10);
  const write = (name: string, b: Uint8Array) => {
    const path = join(dir, name);
    writeFileSync(path, b);
    return path;
  };
  await assert.rejects(footerRowCount(write('cut.parquet', bytes.subarray(0, bytes.length - 1))), /PAR1 magic/);
  await assert.rejects(footerRowCount(write('tiny.parquet', bytes.subarray(0, 8))), /too short/);
  await assert.rejects(footerRowCount(write('text.parquet', Buffer.from('not a parquet file at all'))), /PAR1/);
  const len = Buffer.from(bytes.subarray(bytes.length - 8, bytes.length - 4)).readUInt32LE(0);
  // a length larger than the file
  const long = Buffer.from(bytes);
  long.writeUInt32LE(bytes.length, bytes.length - 8);
  await assert.rejects(footerRowCount(write('long.parquet', long)), /does not fit the file/);
  // a length one byte short: the struct does not end where the length says
  const short = Buffer.from(bytes);
  short.writeUInt32LE(len - 1, bytes.length - 8);
  await assert.rejects(footerRowCount(write('short.parquet', short)), /footer/);
  // the footer's first field header given an unknown type
  const garbled = Buffer.from(bytes);
  const start = bytes.length - 8 - len;
  garbled[start] = (garbled[start]! & 0xf0) | 0x0d;
  await assert.rejects(footerRowCount(write('garbled.parquet', garbled)), /unknown thrift type 13/);
});
