import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { checkPng } from '../../src/images/png-check.js';
import { inflateRows } from '../../src/images/png-inflate.js';
import { pngChunk } from '../helpers/png-chunk.js';

function adler32(b: Buffer): number {
  let a = 1;
  let s = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
}

/**
 * A zlib stream of stored blocks (`sizes` bytes each, the rest in one last block), so a fault sits at an exact
 * output position: `badAt` puts a block header with LEN ≠ ~NLEN after that many bytes (zlib stops there with an
 * error); `open` leaves out the final block and the checksum; `badSum` writes a wrong checksum.
 */
function stored(data: Buffer, opts: { block?: number; badAt?: number; open?: boolean; badSum?: boolean } = {}): Buffer {
  const parts: Buffer[] = [Buffer.from([0x78, 0x01])];
  const block = opts.block ?? 40_000;
  let off = 0;
  const header = (len: number, last: boolean, bad = false) => {
    const h = Buffer.alloc(5);
    h[0] = last ? 1 : 0;
    h.writeUInt16LE(len, 1);
    h.writeUInt16LE((~len & 0xffff) ^ (bad ? 1 : 0), 3);
    return h;
  };
  while (off < data.length || off === 0) {
    let len = Math.min(block, data.length - off);
    if (opts.badAt !== undefined && off < opts.badAt && off + len > opts.badAt) len = opts.badAt - off;
    if (opts.badAt === off) {
      parts.push(header(len || 1, false, true), data.subarray(off, off + (len || 1)));
      return Buffer.concat(parts);
    }
    const last = off + len >= data.length && !opts.open;
    parts.push(header(len, last), data.subarray(off, off + len));
    off += len;
    if (data.length === 0) break;
  }
  if (opts.open) return Buffer.concat(parts);
  const sum = Buffer.alloc(4);
  sum.writeUInt32BE((adler32(data) ^ (opts.badSum ? 1 : 0)) >>> 0);
  parts.push(sum);
  return Buffer.concat(parts);
}

/** Rows of `rowBytes` with valid filter bytes (0–4), `extra` bytes more at the end, and bad filter bytes in `badRows`. */
function rows(height: number, rowBytes: number, extra = 0, badRows: number[] = []): Buffer {
  const b = Buffer.alloc(height * rowBytes + extra);
  for (let i = 0; i < b.length; i++) b[i] = (i * 7 + (i >> 9)) & 0xff;
  for (let r = 0; r < height; r++) b[r * rowBytes] = r % 5;
  for (const r of badRows) b[r * rowBytes] = 5 + (r % 200);
  return b;
}

test('inflateRows: the reused handle gives what inflateSync gives, at every boundary of its calls', () => {
  // rowBytes, height: tiny (expected + 1 < 64, so inflateSync's first call has room for 64), small, and over the
  // 256 KiB buffer (rows across its edge)
  const shapes: Array<[number, number]> = [
    [7, 3],
    [13, 4],
    [301, 40],
    [1201, 500],
    [3 * 640 + 1, 480],
  ];
  let compared = 0;
  for (const [rowBytes, height] of shapes) {
    const expected = rowBytes * height;
    const chunk = Math.max(64, expected + 1);
    const cases: Array<[string, Buffer]> = [];
    const exact = rows(height, rowBytes);
    cases.push(['exact', stored(exact)], ['exact, deflated', deflateSync(exact)]);
    cases.push(['bad filter first row', stored(rows(height, rowBytes, 0, [0]))]);
    cases.push(['bad filter rows', deflateSync(rows(height, rowBytes, 0, [height - 1, Math.floor(height / 2)]))]);
    cases.push(['wrong checksum', stored(exact, { badSum: true })]);
    for (const extra of [1, 2, chunk - expected, chunk - expected + 1, chunk, chunk + 5, 2 * chunk])
      cases.push([`${extra} bytes more`, stored(rows(height, rowBytes, extra))]);
    // a longer stream that breaks at these output positions: inflateSync reports it as corrupt only while its
    // second call runs (up to 2 × chunk bytes), else as too long
    for (const at of [
      1,
      expected - 1,
      expected,
      expected + 1,
      chunk - 1,
      chunk,
      chunk + 1,
      2 * chunk - 1,
      2 * chunk,
      2 * chunk + 1,
    ]) {
      if (at <= 0) continue;
      const long = rows(height, rowBytes, 2 * chunk + 10);
      cases.push([`breaks at ${at}`, stored(long, { badAt: at, block: 997 })]);
      cases.push([`breaks at ${at}, big blocks`, stored(long, { badAt: at, block: 65535 })]);
    }
    for (const cut of [0, 1, expected - 1, expected + 1])
      if (cut >= 0)
        cases.push([
          `ends open after ${cut}`,
          stored(rows(height, rowBytes, Math.max(0, cut - expected)).subarray(0, cut), { open: true }),
        ]);
    const z = deflateSync(exact);
    for (const cut of [2, Math.floor(z.length / 2), z.length - 1])
      cases.push([`deflated, cut at ${cut}`, z.subarray(0, cut)]);
    const flipped = Buffer.from(z);
    flipped[Math.floor(z.length / 3)]! ^= 0x55;
    cases.push(['deflated, a byte flipped', flipped]);
    cases.push(['not zlib', Buffer.from('not a zlib stream at all')]);
    cases.push(['empty', Buffer.alloc(0)]);
    for (const [name, data] of cases) {
      const want = inflateRows(data, expected, rowBytes, true);
      // twice: the handle is reused, and replaced after an error
      assert.deepEqual(inflateRows(data, expected, rowBytes), want, `${rowBytes}x${height} ${name}`);
      assert.deepEqual(inflateRows(data, expected, rowBytes), want, `${rowBytes}x${height} ${name} (again)`);
      compared++;
    }
  }
  assert.ok(compared > 150);
});

test('checkPng: the same verdicts with the reused handle as with inflateSync, several IDAT chunks included', () => {
  const png = (w: number, h: number, idat: Buffer[]) => {
    const chunk = (type: string, data: Buffer) => pngChunk({ type, data });
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(w, 0);
    ihdr.writeUInt32BE(h, 4);
    ihdr[8] = 8;
    ihdr[9] = 2;
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      ...idat.map((d) => chunk('IDAT', d)),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  };
  const [w, h] = [300, 200];
  const rowBytes = 1 + w * 3;
  const split = (z: Buffer, n: number) =>
    Array.from({ length: Math.ceil(z.length / n) }, (_, i) => z.subarray(i * n, (i + 1) * n));
  const files: Record<string, Buffer> = {
    ok: png(w, h, split(deflateSync(rows(h, rowBytes)), 8192)),
    'bad filter': png(w, h, split(deflateSync(rows(h, rowBytes, 0, [150])), 100)),
    short: png(w, h, [deflateSync(rows(h - 1, rowBytes))]),
    long: png(w, h, [deflateSync(rows(h, rowBytes, 1))]),
    corrupt: png(w, h, [stored(rows(h, rowBytes), { badAt: 5000 })]),
  };
  for (const [name, b] of Object.entries(files)) {
    const want = checkPng(b, { viaInflateSync: true });
    assert.deepEqual(checkPng(b), want, name);
  }
  assert.deepEqual(checkPng(files.ok!), { ok: true, width: w, height: h, exif: false });
  assert.deepEqual(checkPng(files['bad filter']!), { ok: false, problem: 'row 150 has an invalid filter type' });
});
