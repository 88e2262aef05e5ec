/**
 * originals.jsonl through a partitioned build: each part names the source folder relative to its own folder
 * (`<out>.parts/I-of-N/`, one level deeper), and `gad-data merge` writes the file a single build writes — the
 * same bytes, with the source folder relative to the merged output — so `gad-data view` of the merged build finds
 * the originals.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { readJsonl } from '../helpers/files.js';
import { runCli } from '../helpers/gad-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-orig-merge-'));
const BUILD = ['build', '--train', 'src/train.jsonl', '--id-key', 'id', '--max-prompt-length', '20000'];
const T = { timeoutMs: 600_000 };

before(async () => {
  mkdirSync(join(tmp, 'src', 'images'), { recursive: true });
  const img = (w: number, h: number) => ({ width: w, height: h, channels: 3 as const, background: '#c87828' });
  // over Qwen3-VL's max_pixels: stored shrunk
  await sharp({ create: img(6000, 4000) })
    .png()
    .toFile(join(tmp, 'src', 'images', 'big.png'));
  // EXIF orientation 6: stored converted
  await sharp({ create: img(320, 200) })
    .jpeg()
    .withMetadata({ orientation: 6 })
    .toFile(join(tmp, 'src', 'images', 'rot.jpg'));
  await sharp({ create: img(400, 300) })
    .png()
    .toFile(join(tmp, 'src', 'images', 'keep.png'));
  const rows = [
    { id: 'big', problem: '<image>How wide?', answer: '6000', images: ['images/big.png'] },
    { id: 'rot', problem: '<image>Which way is up?', answer: 'left', images: ['images/rot.jpg'] },
    { id: 'keep', problem: '<image>What colour?', answer: 'white', images: ['images/keep.png'] },
  ];
  writeFileSync(join(tmp, 'src', 'train.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  for (const args of [
    [...BUILD, '--out', 'single'],
    [...BUILD, '--out', 'part', '--partition', '0/2'],
    [...BUILD, '--out', 'part', '--partition', '1/2'],
    ['merge', '--out', 'part'],
  ]) {
    const r = await runCli(args, { cwd: tmp, ...T });
    assert.equal(r.status, 0, `${args.join(' ')}\n${r.stderr}`);
  }
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('merge writes the originals.jsonl of a single build, its source folder relative to the merged output', () => {
  const single = readFileSync(join(tmp, 'single', 'originals.jsonl'));
  assert.ok(single.length > 0);
  assert.deepEqual(readFileSync(join(tmp, 'part', 'originals.jsonl')), single);
  const merged = readJsonl(join(tmp, 'part', 'originals.jsonl'));
  assert.deepEqual(
    merged.map((l) => l.id),
    ['big', 'rot'],
  );
  for (const l of merged) {
    const img = l.images[0];
    const file = resolve(tmp, 'part', img.root, img.path);
    assert.ok(existsSync(file), `${l.id}: ${file}`);
    assert.equal(readFileSync(file).length, img.bytes);
  }
});

test("each part names the source folder from its own folder, one level deeper than the merged output's", () => {
  const parts = ['0-of-2', '1-of-2']
    .map((p) => join(tmp, 'part.parts', p, 'originals.jsonl'))
    .filter((f) => existsSync(f))
    .flatMap((f) => readJsonl(f).map((l) => ({ dir: resolve(f, '..'), l })));
  assert.deepEqual(parts.map((p) => p.l.id).sort(), ['big', 'rot']);
  for (const { dir, l } of parts) {
    assert.equal(l.images[0].root, '../../src');
    assert.ok(existsSync(resolve(dir, l.images[0].root, l.images[0].path)));
  }
});
