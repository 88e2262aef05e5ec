/**
 * Interop: the images of built shards, opened the way the trainers open them — Python, pyarrow, Pillow
 * (`Image.open(BytesIO(bytes))`) with warnings turned into errors — decode fully, are 8-bit, upright, and have
 * exactly the size recorded in lengths.jsonl (`written`). Two builds: the embedded default
 * (verl, qwen3-vl, processor pipeline) and an EasyR1 build for qwen2.5-vl (easyr1 pipeline, JPEG output).
 * The test venv (.venv) is installed by the tests themselves; skipped with a message only without Python.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../../src/index.js';
import { ensurePythonVenv, runPython } from '../helpers/python.js';
import type { Manifest } from '../../src/core/types.js';

const python = await ensurePythonVenv(['pyarrow', 'datasets', 'Pillow']);
const tmp = mkdtempSync(join(tmpdir(), 'gad-pillow-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const CHECK = `
import io, json, sys, warnings
import pyarrow.parquet as pq
from PIL import Image
warnings.simplefilter("error")
out, image_key, files = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
rows = []
for f in files:
    t = pq.read_table(f"{out}/{f}")
    for cell in t.column(image_key).to_pylist():
        for im in cell:
            with Image.open(io.BytesIO(im["bytes"])) as pil:
                pil.load()
                rows.append({"size": list(pil.size), "mode": pil.mode, "format": pil.format, "exif_orientation": pil.getexif().get(0x0112)})
print(json.dumps(rows))
`;

async function check(out: string, imageKey: string, expectFormats: string[]) {
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
  const lengths = readFileSync(join(out, 'lengths.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  // lengths.jsonl lists splits in the same order as the manifest's shards.
  const files = manifest.shards.map((s) => s.file);
  const got = JSON.parse(await runPython(python!, CHECK, [out, imageKey, JSON.stringify(files)])) as Array<{
    size: [number, number];
    mode: string;
    format: string;
    exif_orientation: number | null;
  }>;
  const want = lengths.flatMap((l) => l.written as Array<[number, number]>);
  assert.equal(got.length, want.length, 'one image per kept row');
  for (let i = 0; i < got.length; i++) {
    assert.deepEqual(got[i]!.size, want[i], `image ${i}: PIL size = recorded target`);
    // 8-bit: RGB, or an original passed through (grey, palette, alpha) that the trainer converts to RGB itself,
    // exactly as it would convert the source image.
    assert.ok(['RGB', 'L', 'P', 'RGBA', 'LA'].includes(got[i]!.mode), `image ${i}: mode ${got[i]!.mode}`);
    assert.ok(expectFormats.includes(got[i]!.format), `image ${i}: format ${got[i]!.format}`);
    assert.ok(!got[i]!.exif_orientation || got[i]!.exif_orientation === 1, `image ${i}: orientation baked in`);
  }
}

test(
  'Pillow opens every image of the default build at its recorded size, 8-bit and upright, without warnings',
  { skip: python ? false : 'no Python venv (see the log)' },
  async () => {
    const out = join(tmp, 'default');
    await build({ out });
    await check(out, 'images', ['PNG', 'JPEG', 'WEBP']);
  },
);

test(
  'Pillow: EasyR1 build for qwen2.5-vl with JPEG output',
  { skip: python ? false : 'no Python venv (see the log)' },
  async () => {
    const out = join(tmp, 'easyr1');
    await build({ out, target: 'easyr1', model: 'qwen2.5-vl', image_format: 'jpeg' });
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
    assert.equal(manifest.resize.pipeline, 'easyr1');
    await check(out, 'images', ['JPEG']);
  },
);
