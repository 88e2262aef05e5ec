/**
 * Images read, hashed and PNG-checked by the loader's worker threads (src/images/image-load-pool.ts) give the rows
 * the inline path gives: the same bytes, sha256, stat and drops (a corrupt PNG, a missing file, a folder), and the
 * worker's PNG verdict is the one the writing step uses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { createImageLoader } from '../../src/images/image-load-pool.js';
import { hasPngCheck } from '../../src/images/png-check-memo.js';
import type { ImageOptions } from '../../src/images/image-options.js';

async function drawing(w: number, h: number, seed: number): Promise<Buffer> {
  const raw = Buffer.alloc(w * h * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 31 + seed + (i >> 7)) % 256;
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toBuffer();
}

/** The chunks of a PNG rebuilt with `edit` applied to its IDAT data, each CRC recomputed unless `keepCrc`. */
function withIdat(png: Buffer, edit: (d: Buffer) => Buffer, keepCrc = false): Buffer {
  const parts: Buffer[] = [png.subarray(0, 8)];
  for (let off = 8; off < png.length;) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    let data = png.subarray(off + 8, off + 8 + len);
    const oldCrc = png.readUInt32BE(off + 8 + len);
    if (type === 'IDAT') data = edit(Buffer.from(data));
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(keepCrc ? oldCrc : crc32(Buffer.concat([head.subarray(4), data])) >>> 0);
    parts.push(head, data, crc);
    off += 12 + len;
  }
  return Buffer.concat(parts);
}

async function context(loader: ReturnType<typeof createImageLoader>) {
  const { createImageCache } = await import('../../src/model/format-sample.js');
  const { loadModelProfile } = await import('../../src/model/model-profile.js');
  const { loadFormatPrompt } = await import('../../src/model/chat-template.js');
  const { PromptCounter } = await import('../../src/model/token-counts.js');
  const profile = await loadModelProfile('qwen3-vl');
  const image: ImageOptions = {
    geometry: profile.geometry,
    pipeline: 'processor',
    resize: 'auto',
    maxInputPixels: 0,
    imageFormat: 'keep',
  } as ImageOptions;
  return {
    counter: new PromptCounter(profile, await loadFormatPrompt('none')),
    image,
    teacherEnding: 'keep' as const,
    imageCache: createImageCache(),
    imageLoader: loader,
  };
}

test('the worker path gives the inline path’s rows and drops: corrupt PNGs, a missing file, a folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gad-image-load-'));
  try {
    const good = await drawing(120, 90, 1);
    const files: Record<string, Buffer | 'dir' | null> = {
      'good.png': good,
      'other.png': await drawing(64, 48, 2),
      'jpeg.jpg': await sharp(good).jpeg().toBuffer(),
      // a byte of the image data changed, its CRC left as it was
      'bad-crc.png': withIdat(
        await drawing(80, 60, 3),
        (d) => ((d[d.length >> 1] = d[d.length >> 1]! ^ 0xff), d),
        true,
      ),
      // the image data cut short, every CRC correct
      'truncated-idat.png': withIdat(await drawing(80, 60, 4), (d) => d.subarray(0, d.length >> 1)),
      'missing.png': null,
      'folder.png': 'dir',
      'empty.png': Buffer.alloc(0),
    };
    for (const [name, content] of Object.entries(files)) {
      if (content === 'dir') mkdirSync(join(dir, name));
      else if (content) writeFileSync(join(dir, name), content);
    }
    const { formatSample } = await import('../../src/model/format-sample.js');
    const rows = () =>
      Object.keys(files).map((name, i) => ({
        split: 'train',
        index: i,
        id: `r${i}`,
        source: 's',
        dataSource: 's',
        problem: `<image>What is drawn in ${name}?`,
        answer: null,
        images: [{ bytes: null, path: name, resolvedPath: join(dir, name) }],
      }));
    const inlineLoader = createImageLoader({ workers: 0 });
    const workerLoader = createImageLoader({ workers: 1, inlineFirst: 0 });
    const inline = await Promise.all(rows().map(async (r) => formatSample(r as never, await context(inlineLoader))));
    const viaWorker = await Promise.all(rows().map(async (r) => formatSample(r as never, await context(workerLoader))));
    await workerLoader.close();
    assert.equal(inlineLoader.viaWorkers, 0);
    // Every file but the missing one was read by the worker (a missing one is a drop from the worker too).
    assert.equal(workerLoader.viaWorkers, Object.keys(files).length, 'every image went through the worker');
    const view = (s: (typeof inline)[number]) => ({
      drop: s.drop ?? null,
      fileStat: s.images[0]?.fileStat ?? null,
      images: (s.formatted?.images ?? []).map((im) => ({ ...im, bytes: Buffer.from(im.bytes).toString('base64') })),
    });
    assert.deepEqual(viaWorker.map(view), inline.map(view));
    const drops = Object.fromEntries(Object.keys(files).map((name, i) => [name, inline[i]!.drop?.detail ?? 'kept']));
    assert.equal(drops['good.png'], 'kept');
    assert.equal(drops['other.png'], 'kept');
    assert.equal(drops['jpeg.jpg'], 'kept');
    assert.match(drops['bad-crc.png']!, /cannot be fully decoded \(bad CRC in IDAT chunk\)/);
    assert.match(
      drops['truncated-idat.png']!,
      /cannot be fully decoded \((corrupt or truncated|truncated) image data\)/,
    );
    assert.match(drops['missing.png']!, /^image file not found: .*missing\.png/);
    assert.match(drops['folder.png']!, /^image path is not a file: .*folder\.png/);
    assert.equal(drops['empty.png'], 'image has 0 bytes');
    assert.deepEqual(
      inline.map((s) => s.images[0]!.fileStat === null),
      Object.values(files).map((c) => c === null || c === 'dir'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the worker checks each PNG it reads (the verdict the writing step then uses) and answers drops as the inline read does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gad-image-load-'));
  const loader = createImageLoader({ workers: 1, inlineFirst: 1 });
  try {
    const good = await drawing(50, 40, 5);
    writeFileSync(join(dir, 'good.png'), good);
    writeFileSync(
      join(dir, 'bad.png'),
      withIdat(good, (d) => ((d[3] = d[3]! ^ 0x55), d), true),
    );
    // The first image is read inline (no check with it); the next ones by the worker.
    const first = await loader.load(join(dir, 'good.png'));
    assert.ok(first.ok && first.png === undefined && !hasPngCheck(first.bytes));
    assert.equal(loader.viaWorkers, 0);
    const ok = await loader.load(join(dir, 'good.png'));
    const bad = await loader.load(join(dir, 'bad.png'));
    const missing = await loader.load(join(dir, 'none.png'));
    assert.equal(loader.viaWorkers, 3);
    assert.ok(ok.ok && bad.ok && first.ok);
    assert.deepEqual(ok.png, { ok: true, width: 50, height: 40, exif: false });
    assert.deepEqual(bad.png, { ok: false, problem: 'bad CRC in IDAT chunk' });
    assert.ok(hasPngCheck(ok.bytes) && hasPngCheck(bad.bytes), 'the verdicts are remembered for the writing step');
    assert.deepEqual([ok.sha256, ok.stat, Buffer.from(ok.bytes).equals(good)], [first.sha256, first.stat, true]);
    assert.ok(!missing.ok);
    assert.deepEqual(missing.drop, {
      reason: 'image_undecodable',
      detail: `image file not found: ${join(dir, 'none.png')} (check image_dir and the path column)`,
      value: join(dir, 'none.png'),
      limit: null,
    });
  } finally {
    await loader.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a worker that fails hands its images back to the main thread: the same answers, later images inline', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gad-image-load-'));
  // A worker that dies on the first request it gets.
  const loader = createImageLoader({
    workers: 1,
    inlineFirst: 0,
    workerSource: `require('node:worker_threads').parentPort.on('message', () => { throw new Error('worker broke'); });`,
  });
  try {
    const good = await drawing(40, 30, 6);
    writeFileSync(join(dir, 'a.png'), good);
    const [a, missing] = await Promise.all([loader.load(join(dir, 'a.png')), loader.load(join(dir, 'gone.png'))]);
    const later = await loader.load(join(dir, 'a.png'));
    assert.equal(loader.viaWorkers, 0);
    assert.ok(a.ok && later.ok);
    assert.ok(Buffer.from(a.bytes).equals(good) && Buffer.from(later.bytes).equals(good));
    assert.equal(a.sha256, later.sha256);
    assert.ok(!missing.ok);
    assert.match(missing.drop.detail, /^image file not found: .*gone\.png/);
  } finally {
    await loader.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
