/**
 * Images written at the GAD stage's size (small diagrams of a Qwen3-VL build, which ms-swift and LLaMA-Factory
 * would see at another grid) are computed once per build: the export that computes them records, in
 * images/.gad-size.json, the source image's sha256, the size and the sha256 of the bytes written; a later export
 * of the build takes the recorded file after checking its bytes (and hard-links it), instead of decoding,
 * resizing and encoding again. A peer file changed since (same size, other pixels) is not taken: that image is
 * computed again and the export holds the right bytes. A record of another encoder is not trusted either.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { exportPrompts, exportRm, exportSft } from '../../src/index.js';
import { sha256 } from '../../src/core/hash.js';
import { readJsonl } from '../helpers/files.js';
import { SMALL_DIAGRAM_SIZES, buildDiagramSet } from '../helpers/line-diagram.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-size-reuse-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** Real Geometry3K sizes: small ones (another grid for the warmup trainers) and large ones (the stored bytes). */
const SIZES: Array<[number, number]> = [...SMALL_DIAGRAM_SIZES, [864, 434], [436, 382]];

interface Record_ {
  encoder: string;
  files: Record<string, { source: string; size: [number, number]; sha256: string }>;
}
const record = (dir: string) => JSON.parse(readFileSync(join(dir, 'images', '.gad-size.json'), 'utf8')) as Record_;
const exportJson = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'export.json'), 'utf8')) as { images: { atGadSize: number; linked: number } };

test(
  'a GAD-size image is computed once per build; a changed peer file is computed again',
  { timeout: 900_000 },
  async () => {
    const dir = join(tmp, 'data');
    const out = await buildDiagramSet(dir, SIZES);
    const student = SIZES.map((_, i) => JSON.stringify({ id: `g-${i}`, response: `It is ${i + 1}.` }));
    writeFileSync(join(dir, 'student.jsonl'), `${student.join('\n')}\n`);

    // The first export computes them and records each one.
    const prompts = await exportPrompts({ from: out });
    const n = exportJson(prompts.out).images.atGadSize;
    assert.ok(n >= 3, `small diagrams written at the GAD stage size: ${n}`);
    assert.equal(prompts.gadSizeReused, 0);
    const rec = record(prompts.out);
    assert.equal(Object.keys(rec.files).length, n);
    const buildLengths = readJsonl(join(out, 'lengths.jsonl'));
    for (const [name, f] of Object.entries(rec.files)) {
      assert.equal(sha256(readFileSync(join(prompts.out, name))), f.sha256, `${name}: the recorded sha256`);
      const i = Number(/g-(\d+)-0\.png$/.exec(name)?.[1] ?? NaN);
      assert.ok(Number.isInteger(i), name);
      assert.equal(f.source, sha256(readFileSync(join(dir, 'images', `${i}.png`))), `${name}: the source image`);
      const b = buildLengths.find((l) => l.id === `g-${i}`)!;
      assert.deepEqual(f.size, (b.resized as Array<[number, number]>)[0], `${name}: the GAD stage's size`);
    }

    // The next export of the build takes the recorded files (hard links) instead of computing them.
    const sft = await exportSft({ from: out, format: 'ms-swift' });
    assert.equal(sft.gadSizeReused, n);
    assert.equal(exportJson(sft.out).images.atGadSize, n);
    for (const name of Object.keys(rec.files)) {
      assert.equal(statSync(join(sft.out, name)).ino, statSync(join(prompts.out, name)).ino, `${name}: one file`);
    }
    assert.deepEqual(record(sft.out).files, rec.files, 'the taking export records them too');

    // One image changed in both peers since (same size, other pixels): not taken, computed again.
    const [changed, want] = Object.entries(rec.files)[0]!;
    const wantBytes = readFileSync(join(prompts.out, changed));
    const { info } = await sharp(wantBytes).raw().toBuffer({ resolveWithObject: true });
    const other = await sharp(Buffer.alloc(info.width * info.height * 3, 90), {
      raw: { width: info.width, height: info.height, channels: 3 },
    })
      .png()
      .toBuffer();
    for (const peer of [prompts.out, sft.out]) {
      unlinkSync(join(peer, changed));
      writeFileSync(join(peer, changed), other);
    }
    const rm = await exportRm({ from: out, format: 'ms-swift', student: join(dir, 'student.jsonl') });
    assert.equal(rm.gadSizeReused, n - 1, 'every other image taken, not the changed one');
    const got = readFileSync(join(rm.out, changed));
    assert.equal(sha256(got), want.sha256, 'the changed image computed again: the bytes first written');
    assert.ok(got.equals(wantBytes));
    assert.notEqual(statSync(join(rm.out, changed)).ino, statSync(join(prompts.out, changed)).ino);

    // A record of another encoder (another gad-data or sharp) is not taken: every image computed.
    for (const peer of [prompts.out, sft.out, rm.out]) {
      const r = record(peer);
      writeFileSync(join(peer, 'images', '.gad-size.json'), JSON.stringify({ ...r, encoder: `${r.encoder} (other)` }));
    }
    const lf = await exportSft({ from: out, format: 'llamafactory' });
    assert.equal(lf.gadSizeReused, 0);
    // (LLaMA-Factory resizes differently from ms-swift: its GAD-size images may be fewer; the bytes are the same)
    const lfFiles = Object.entries(record(lf.out).files);
    assert.ok(lfFiles.length > 0);
    for (const [name, f] of lfFiles) {
      assert.equal(f.sha256, rec.files[name]?.sha256, `${name}: computed, the bytes first written`);
      assert.equal(sha256(readFileSync(join(lf.out, name))), f.sha256);
    }
  },
);
