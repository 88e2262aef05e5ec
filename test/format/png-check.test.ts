import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32, deflateSync, inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { checkPng } from '../../src/images/png-check.js';

async function drawing(w: number, h: number) {
  const raw = Buffer.alloc(w * h * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 31 + (i >> 7)) % 256;
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } });
}

/** Does sharp (libvips + libspng/libpng) decode it fully? The oracle. */
async function decodes(b: Buffer): Promise<boolean> {
  try {
    await sharp(b, { failOn: 'truncated' }).raw().toBuffer();
    return true;
  } catch {
    return false;
  }
}

interface Chunk {
  type: string;
  data: Buffer;
}
function chunks(b: Buffer): Chunk[] {
  const out: Chunk[] = [];
  for (let off = 8; off < b.length;) {
    const len = b.readUInt32BE(off);
    out.push({ type: b.toString('latin1', off + 4, off + 8), data: b.subarray(off + 8, off + 8 + len) });
    off += 12 + len;
  }
  return out;
}
function assemble(cs: Chunk[]): Buffer {
  const parts: Buffer[] = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  for (const c of cs) {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(c.data.length);
    head.write(c.type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), c.data])) >>> 0);
    parts.push(head, c.data, crc);
  }
  return Buffer.concat(parts);
}

test('checkPng: valid PNGs of every colour type and depth are ok at their size, as sharp decodes them', async () => {
  const base = await drawing(67, 41);
  const variants = {
    rgb: await base.clone().png().toBuffer(),
    grey: await base.clone().toColourspace('b-w').png().toBuffer(),
    rgba: await base.clone().ensureAlpha(0.5).png().toBuffer(),
    palette: await base.clone().png({ palette: true, colours: 16 }).toBuffer(),
    sixteen: await base.clone().toColourspace('rgb16').png().toBuffer(),
    oneBit: await base.clone().toColourspace('b-w').png({ palette: true, colours: 2 }).toBuffer(),
  };
  for (const [name, b] of Object.entries(variants)) {
    assert.equal(await decodes(b), true, name);
    assert.deepEqual(checkPng(b), { ok: true, width: 67, height: 41, exif: false }, name);
  }
});

test('checkPng: truncated anywhere, a bad CRC, a corrupt stream or a bad filter byte is not ok, as sharp fails on it', async () => {
  const good = await (await drawing(120, 90)).png({ compressionLevel: 9 }).toBuffer();
  const bad: Record<string, Buffer> = {};
  for (const cut of [0.2, 0.5, 0.9, 0.99]) bad[`cut at ${cut}`] = good.subarray(0, Math.floor(good.length * cut));
  const flipped = Buffer.from(good);
  flipped[Math.floor(good.length / 2)]! ^= 0x40;
  bad['a flipped byte (CRC)'] = flipped;
  const cs = chunks(good);
  const idat = Buffer.concat(cs.filter((c) => c.type === 'IDAT').map((c) => c.data));
  // zlib stream damaged but chunk CRCs recomputed: only the stream check can see it
  const damaged = Buffer.from(idat);
  damaged[Math.floor(damaged.length / 2)]! ^= 0xff;
  bad['corrupt stream, CRCs fixed'] = assemble([
    ...cs.filter((c) => c.type === 'IHDR'),
    { type: 'IDAT', data: damaged },
    { type: 'IEND', data: Buffer.alloc(0) },
  ]);
  // a stream that inflates to too little data
  const raw = inflateSync(idat);
  bad['short stream'] = assemble([
    ...cs.filter((c) => c.type === 'IHDR'),
    { type: 'IDAT', data: deflateSync(raw.subarray(0, raw.length - 500)) },
    { type: 'IEND', data: Buffer.alloc(0) },
  ]);
  // a row with filter type 9
  const badFilter = Buffer.from(raw);
  badFilter[(1 + 120 * 3) * 10] = 9;
  bad['invalid filter type'] = assemble([
    ...cs.filter((c) => c.type === 'IHDR'),
    { type: 'IDAT', data: deflateSync(badFilter) },
    { type: 'IEND', data: Buffer.alloc(0) },
  ]);
  for (const [name, b] of Object.entries(bad)) {
    const r = checkPng(b);
    assert.ok(r && !r.ok, `${name}: ${JSON.stringify(r)}`);
    assert.equal(await decodes(b), false, `${name}: sharp agrees it does not decode`);
  }
  // the same rows re-assembled correctly are fine (the test's own assembly is sound)
  const again = assemble([
    ...cs.filter((c) => c.type === 'IHDR'),
    { type: 'IDAT', data: deflateSync(raw) },
    { type: 'IEND', data: Buffer.alloc(0) },
  ]);
  assert.deepEqual(checkPng(again), { ok: true, width: 120, height: 90, exif: false });
});

test('checkPng: interlaced, no IEND, or not a PNG are left to the full decode (null)', async () => {
  const interlaced = await (await drawing(30, 20)).png({ progressive: true }).toBuffer();
  assert.equal(checkPng(interlaced), null);
  const good = await (await drawing(30, 20)).png().toBuffer();
  const cs = chunks(good).filter((c) => c.type !== 'IEND');
  assert.equal(checkPng(assemble(cs)), null);
  assert.equal(checkPng(await (await drawing(30, 20)).jpeg().toBuffer()), null);
});
