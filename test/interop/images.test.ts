/**
 * Interop (issue: the model sees what it would have seen): for each resize pipeline, a small dataset of awkward
 * images is built with the default image policy, then Python emulates the trainer on both the stored image and the
 * original file — the pipeline's pre-resize step written out as the trainer does it (EasyR1 `process_image`,
 * qwen-vl-utils `fetch_image`), then the test venv's transformers Qwen2-VL image processor (its PIL backend) — and
 * checks for every row: the same image grid, the same token count as lengths.jsonl, and the same pixels within
 * resampling noise (mean absolute difference ≤ 0.5 levels, p99 ≤ 4). Pixels are not compared where Pillow reads
 * the original differently from what the image shows (16-bit, CMYK): there the stored image is the converted one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { build } from '../../src/index.js';
import type { Manifest } from '../../src/core/types.js';
import { ensurePythonVenv, runPython } from '../helpers/python.js';
import { readJsonl } from '../helpers/files.js';

const python = await ensurePythonVenv(['pyarrow', 'Pillow', 'numpy', 'transformers']);
const tmp = mkdtempSync(join(tmpdir(), 'gad-images-interop-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** A drawing with thin lines and a colour ramp (edges show resampling differences). */
function drawing(width: number, height: number, channels: 3 | 4 = 3): Buffer {
  const raw = Buffer.alloc(width * height * channels, 255);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      if (x % 23 === 0 || y % 19 === 0 || Math.abs(x - y) < 2) raw.set([10, 30, (x * 3) % 256], i);
      else raw.set([255, (x * 255) / width, (y * 255) / height], i);
      if (channels === 4) raw[i + 3] = x < width / 3 ? 0 : 255;
    }
  }
  return raw;
}

const raw = (w: number, h: number, c: 3 | 4 = 3) =>
  sharp(drawing(w, h, c), { raw: { width: w, height: h, channels: c } });

/** name → [file, bytes, compare pixels?] */
async function images(): Promise<Array<{ name: string; file: string; bytes: Buffer; pixels: boolean }>> {
  return [
    { name: 'diagram', file: 'diagram.png', bytes: await raw(379, 272).png().toBuffer(), pixels: true },
    {
      name: 'photo-over-max',
      file: 'photo.jpg',
      bytes: await raw(900, 700).jpeg({ quality: 92 }).toBuffer(),
      pixels: true,
    },
    { name: 'png-over-max', file: 'big.png', bytes: await raw(800, 600).png().toBuffer(), pixels: true },
    { name: 'below-min', file: 'tiny.png', bytes: await raw(20, 30).png().toBuffer(), pixels: true },
    {
      name: 'exif-rotated',
      file: 'rotated.jpg',
      bytes: await raw(300, 200).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer(),
      pixels: true,
    },
    {
      name: 'palette',
      file: 'palette.png',
      bytes: await raw(300, 200).png({ palette: true }).toBuffer(),
      pixels: true,
    },
    {
      name: 'palette-over-max',
      file: 'palette-big.png',
      bytes: await raw(700, 500).png({ palette: true }).toBuffer(),
      pixels: true,
    },
    { name: 'grey', file: 'grey.png', bytes: await raw(256, 256).toColourspace('b-w').png().toBuffer(), pixels: true },
    { name: 'rgba', file: 'rgba.png', bytes: await raw(150, 100, 4).png().toBuffer(), pixels: true },
    { name: 'webp', file: 'pic.webp', bytes: await raw(333, 222).webp({ quality: 90 }).toBuffer(), pixels: true },
    {
      name: 'sixteen-bit',
      file: 'deep.png',
      bytes: await raw(80, 60).toColourspace('rgb16').png().toBuffer(),
      pixels: false,
    },
    {
      name: 'cmyk',
      file: 'cmyk.jpg',
      bytes: await raw(120, 90).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer(),
      pixels: false,
    },
  ];
}

const CHECK = String.raw`
import io, json, math, sys
import numpy as np
import pyarrow.parquet as pq
from PIL import Image, ImageOps
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil, smart_resize

spec = json.loads(sys.argv[1])
pipeline, patch, minp, maxp = spec["pipeline"], spec["patch"], spec["min_pixels"], spec["max_pixels"]
proc = Qwen2VLImageProcessorPil(patch_size=patch, merge_size=2, size={"shortest_edge": spec["proc_min"], "longest_edge": spec["proc_max"]})

def easyr1_process_image(image):
    # EasyR1 verl/utils/dataset.py process_image: int() truncation, Pillow's default resample, then RGB.
    if (image.width * image.height) > maxp:
        f = math.sqrt(maxp / (image.width * image.height))
        image = image.resize((int(image.width * f), int(image.height * f)))
    if (image.width * image.height) < minp:
        f = math.sqrt(minp / (image.width * image.height))
        image = image.resize((int(image.width * f), int(image.height * f)))
    if image.mode != "RGB":
        image = image.convert("RGB")
    return image

def to_rgb(image):
    # qwen-vl-utils: RGBA pasted on white
    if image.mode == "RGBA":
        white = Image.new("RGB", image.size, (255, 255, 255))
        white.paste(image, mask=image.split()[3])
        return white
    return image.convert("RGB")

def qwen_vl_utils_fetch_image(image):
    image = to_rgb(image)
    f = 2 * patch
    h, w = image.height, image.width
    hb = max(f, round(h / f) * f)
    wb = max(f, round(w / f) * f)
    if hb * wb > maxp:
        beta = math.sqrt((h * w) / maxp)
        hb = math.floor(h / beta / f) * f
        wb = math.floor(w / beta / f) * f
    elif hb * wb < minp:
        beta = math.sqrt(minp / (h * w))
        hb = math.ceil(h * beta / f) * f
        wb = math.ceil(w * beta / f) * f
    return image.resize((wb, hb))

def trainer(image):
    if pipeline == "easyr1":
        image = easyr1_process_image(image)
    elif pipeline == "qwen-vl-utils":
        image = qwen_vl_utils_fetch_image(image)
    out = proc(images=[image], do_rescale=False, do_normalize=False, return_tensors=None)
    grid = [int(x) for x in np.asarray(out["image_grid_thw"])[0]]
    return grid, np.asarray(out["pixel_values"], dtype=np.float64)

rows = []
for shard in spec["shards"]:
    t = pq.read_table(shard).to_pylist()
    for r in t:
        name = r["extra_info"]["index"] if "extra_info" in r else int(r["answer"])
        stored = Image.open(io.BytesIO(r["images"][0]["bytes"]))
        stored.load()
        original = Image.open(spec["files"][str(name)])
        original.load()
        original = ImageOps.exif_transpose(original)
        g1, p1 = trainer(stored)
        g0, p0 = trainer(original)
        rec = {"index": name, "grid_stored": g1, "grid_original": g0, "tokens": g1[1] * g1[2] // 4, "stored_size": list(stored.size)}
        if p1.shape == p0.shape:
            d = np.abs(p1 - p0)
            rec.update(mean=float(d.mean()), p99=float(np.percentile(d, 99)), max=float(d.max()))
        rows.append(rec)
print(json.dumps(rows))
`;

interface Row {
  index: number;
  grid_stored: number[];
  grid_original: number[];
  tokens: number;
  stored_size: number[];
  mean?: number;
  p99?: number;
  max?: number;
}

const cases = [
  // qwen3-vl, the processor alone, its max_pixels lowered so that a few images are over it (a verl build: every image
  // written at the processor's size, which verl's fetch_image leaves alone)
  {
    name: 'processor',
    model: 'qwen3-vl',
    target: 'verl',
    resize: 'always',
    patch: 16,
    pipeline: 'processor',
    min: 65536,
    max: 300_000,
    proc: [65536, 300_000],
  },
  // qwen3-vl, verl's qwen-vl-utils fetch_image (factor 32) then the processor
  {
    name: 'qwen-vl-utils',
    model: 'qwen3-vl',
    target: 'verl',
    resize: 'auto',
    patch: 16,
    pipeline: 'qwen-vl-utils',
    min: 4 * 32 * 32,
    max: 250_000,
    proc: [65536, 16777216],
  },
  // qwen2.5-vl, EasyR1's process_image then the processor
  {
    name: 'easyr1',
    model: 'qwen2.5-vl',
    target: 'easyr1',
    resize: 'auto',
    patch: 14,
    pipeline: 'easyr1',
    min: 262144,
    max: 400_000,
    proc: [3136, 12845056],
  },
] as const;

for (const c of cases) {
  test(
    `trainer on the stored image = trainer on the original: ${c.name} pipeline`,
    { skip: python ? false : 'no Python venv (see the log)', timeout: 600_000 },
    async () => {
      const dir = join(tmp, c.name);
      mkdirSync(join(dir, 'images'), { recursive: true });
      const imgs = await images();
      const files: Record<string, string> = {};
      const lines: string[] = [];
      imgs.forEach((im, i) => {
        writeFileSync(join(dir, 'images', im.file), im.bytes);
        files[String(i)] = join(dir, 'images', im.file);
        lines.push(
          JSON.stringify({
            problem: `<image>Question ${i} about the ${im.name} figure?`,
            answer: String(i),
            images: [im.file],
          }),
        );
      });
      writeFileSync(join(dir, 'train.jsonl'), `${lines.join('\n')}\n`);
      const out = join(dir, 'out');
      await build({
        data: {
          train_files: join(dir, 'train.jsonl'),
          image_dir: join(dir, 'images'),
          min_pixels: c.min,
          max_pixels: c.max,
          max_prompt_length: 100_000,
        },
        model: c.model,
        target: c.target,
        resize: c.resize,
        pipeline: c.pipeline,
        out,
        max_drop_ratio: 1,
      });
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
      const lengths = readJsonl(join(out, 'lengths.jsonl'));
      assert.equal(
        lengths.length,
        imgs.length,
        `every image kept (dropped: ${readFileSync(join(out, 'dropped.jsonl'), 'utf8')})`,
      );
      const spec = {
        pipeline: c.pipeline,
        patch: c.patch,
        min_pixels: c.min,
        max_pixels: c.max,
        proc_min: c.proc[0],
        proc_max: c.proc[1],
        shards: manifest.shards.map((s) => join(out, s.file)),
        files,
      };
      const rows = JSON.parse(await runPython(python!, CHECK, [JSON.stringify(spec)])) as Row[];
      assert.equal(rows.length, imgs.length);
      let shrunk = 0;
      for (const r of rows) {
        const im = imgs[r.index]!;
        const len = lengths.find((l) => l.index === r.index)!;
        const at = `${c.name} ${im.name}`;
        assert.deepEqual(r.grid_stored, r.grid_original, `${at}: same grid as from the original`);
        assert.equal(len.image_tokens, r.tokens, `${at}: lengths.jsonl image tokens = the processor's`);
        assert.deepEqual(r.stored_size, len.written[0], `${at}: stored size as recorded`);
        if (im.pixels) {
          assert.ok(r.mean !== undefined, `${at}: compared`);
          assert.ok(
            r.mean! <= 0.5 && r.p99! <= 4,
            `${at}: pixels differ by mean ${r.mean}, p99 ${r.p99}, max ${r.max}`,
          );
        }
        const [ow, oh] = [len.written[0][0] as number, len.written[0][1] as number];
        if (im.name.endsWith('over-max') && !(c.pipeline === 'easyr1' && im.name.startsWith('palette'))) {
          shrunk++;
          const meta = await sharp(im.bytes).metadata();
          assert.ok(ow * oh < meta.width! * meta.height!, `${at}: shrunk (${ow}x${oh})`);
        }
      }
      assert.ok(shrunk >= 2, `${c.name}: at least two images were shrunk (${shrunk})`);
    },
  );
}
