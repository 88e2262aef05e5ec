/**
 * The original beside the stored image: a build that shrinks one image (over the trainer's max_pixels) and
 * converts another (EXIF-rotated JPEG) records where they came from (originals.jsonl); `gad-data view` shows the
 * original read back from the source folder (in Chromium: its bytes are the source file's), and says why when it
 * is gone, changed, or leads outside the source folder. A rebuild writes the same originals.jsonl.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { view } from '../../src/index.js';
import { Browser } from '../helpers/cdp.js';
import { readJsonl } from '../helpers/files.js';
import { runCli } from '../helpers/gad-cli.js';
import { findChromium } from '../helpers/validate.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-view-orig-'));
const src = join(tmp, 'src');
const out = join(tmp, 'out');
// the shrunk image is 16,224 tokens: over the default max_prompt_length, which would drop its row
const BUILD = ['build', '--train', 'src/train.jsonl', '--out', 'out', '--id-key', 'id', '--max-prompt-length', '20000'];

function get(port: number, path: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((ok, bad) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode!, body: Buffer.concat(chunks) }));
    });
    req.on('error', bad);
    req.end();
  });
}

before(async () => {
  mkdirSync(join(src, 'images'), { recursive: true });
  // 6000×4000 (24 MP): over Qwen3-VL's max_pixels, so the build writes it shrunk
  const big = { width: 6000, height: 4000, channels: 3 as const, background: { r: 200, g: 120, b: 40 } };
  await sharp({ create: big })
    .png()
    .toFile(join(src, 'images', 'big.png'));
  // a JPEG with EXIF orientation 6: written converted (the rotation baked in)
  const rot = { width: 320, height: 200, channels: 3 as const, background: { r: 20, g: 90, b: 200 } };
  await sharp({ create: rot })
    .jpeg()
    .withMetadata({ orientation: 6 })
    .toFile(join(src, 'images', 'rot.jpg'));
  const keep = { width: 400, height: 300, channels: 3 as const, background: { r: 250, g: 250, b: 250 } };
  await sharp({ create: keep })
    .png()
    .toFile(join(src, 'images', 'keep.png'));
  const rows = [
    { id: 'big', problem: '<image>How wide is the picture?', answer: '6000', images: ['images/big.png'] },
    { id: 'rot', problem: '<image>Which way is up?', answer: 'left', images: ['images/rot.jpg'] },
    { id: 'keep', problem: '<image>What colour is it?', answer: 'white', images: ['images/keep.png'] },
  ];
  writeFileSync(join(src, 'train.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const r = await runCli(BUILD, { cwd: tmp, timeoutMs: 600_000 });
  assert.equal(r.status, 0, r.stderr);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('originals.jsonl names the source of each changed image; a rebuild writes the same bytes', async () => {
  const lines = readJsonl(join(out, 'originals.jsonl'));
  assert.deepEqual(
    lines.map((l) => [l.id, l.images.map((i: any) => [i.root, i.path, i.size])]),
    [
      ['big', [['../src', 'images/big.png', [6000, 4000]]]],
      ['rot', [['../src', 'images/rot.jpg', [200, 320]]]],
    ],
  );
  const lengths = readJsonl(join(out, 'lengths.jsonl'));
  const big = lengths.find((l) => l.id === 'big')!;
  assert.ok(big.written[0][0] < 6000, `stored ${big.written[0]}`);
  assert.deepEqual(lines[0]!.images[0].stored, big.written[0]);
  assert.equal(lines[0]!.images[0].bytes, readFileSync(join(src, 'images', 'big.png')).length);
  const first = readFileSync(join(out, 'originals.jsonl'));
  const again = await runCli(BUILD, { cwd: tmp, timeoutMs: 600_000 });
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(readFileSync(join(out, 'originals.jsonl')), first);
});

test('in Chromium: a shrunk row shows the original beside it (the source bytes); a removed source says why', async (t) => {
  const s = await view({ paths: [out] });
  try {
    const html = async (n: number) => (await get(s.port, `/row?split=train&n=${n}&token=${s.token}`)).body.toString();
    // without Chromium, the served pages are still checked
    assert.match(await html(0), /id="original-0" src="/);
    assert.doesNotMatch(await html(2), /original/);
    const chromium = findChromium();
    if (chromium) {
      const browser = await Browser.launch(chromium);
      try {
        const tab = await browser.open(`http://127.0.0.1:${s.port}/row?split=train&n=0&token=${s.token}`);
        const imgs = await tab.eval<Array<{ id: string; src: string; w: number }>>(
          `[...document.images].map((i) => ({ id: i.id, src: i.getAttribute('src'), w: i.naturalWidth }))`,
        );
        const orig = imgs.find((i) => i.id === 'original-0')!;
        const stored = imgs.find((i) => i.id === 'image-0')!;
        assert.equal(orig.w, 6000, 'the browser decoded the original');
        assert.ok(stored.w > 0 && stored.w < 6000);
        const bytes = (await get(s.port, orig.src.replace(/&amp;/g, '&'))).body;
        assert.deepEqual(bytes, readFileSync(join(src, 'images', 'big.png')));
        await tab.screenshot(join(tmp, 'original.png'));
      } finally {
        await browser.close();
      }
    } else t.diagnostic('Chromium not found: the served pages were checked, not their rendering');

    // the source removed, changed, or replaced by a symlink out of the source folder
    unlinkSync(join(src, 'images', 'big.png'));
    assert.match(await html(0), /original not available: \.\.\/src\/images\/big\.png is not there any more/);
    assert.equal((await get(s.port, `/original?split=train&n=0&i=0&token=${s.token}`)).status, 404);
    writeFileSync(join(src, 'images', 'rot.jpg'), 'not the same bytes');
    assert.match(await html(1), /original not available: \.\.\/src\/images\/rot\.jpg changed since the build/);
    writeFileSync(join(tmp, 'outside.png'), 'x');
    symlinkSync(join(tmp, 'outside.png'), join(src, 'images', 'big.png'));
    assert.match(await html(0), /big\.png now leads outside \.\.\/src \(a symlink\): not read/);
  } finally {
    await s.close();
  }
});
