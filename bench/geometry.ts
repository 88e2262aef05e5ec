/**
 * Geometry3K-like build against the trainer's own filter, in one run.
 *
 * Data: PNG line drawings at the 2,848 real image sizes of Geometry3K (bench/data/geometry3k-sizes.txt; median
 * 379×272, p90 628×453), 8-bit RGB with one in five grey and one in seven RGBA as in the real set, one geometry
 * prompt each, as a jsonl + image folder.
 *
 * Measured, each as a whole command (start-up included), qwen3-vl:
 * - `gad-data build` (processor pipeline, no format prompt): ingest, images, exact counts, filters, shards, report;
 * - the transformers processor path that a trainer's overlong filter runs over the same rows (Python, the test
 *   venv: transformers' Qwen2-VL image processor with the model's settings — its PIL backend, torch is not
 *   installed here — the chat template, the image-pad expansion and the tokenizer), the lengths checked equal to ours;
 * - `gad-data validate` of the built shard, and the processor path over the same shard;
 * - the default build a user runs (images passed through), the pyarrow floor and the PNG check alone
 *   (bench/check-alone.ts), in turn in 3 pairs, and the default build against the processor path
 *   (bench/geometry-floor.ts);
 * - a `--teacher` build's recipe exports, two rounds, with the image bytes each adds on disk
 *   (bench/geometry-exports.ts).
 * `--rows N` builds the first N rows only (a quick run). Also a pixel-fidelity table: our resize against Pillow's `resize(BICUBIC)` of the original, up and down.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { packagePath } from '../src/core/paths.js';
import { ensurePythonVenv } from '../test/helpers/python.js';
import { exportRounds } from './geometry-exports.js';
import { againstProcessorPath, buildFloorPairs } from './geometry-floor.js';
import { timedCmd } from './timed-child.js';

export { timedCmd };

const run = promisify(execFile);

type Row = Record<string, string | number>;

/** The real sizes, [w, h] per line. */
export function geometrySizes(): Array<[number, number]> {
  return readFileSync(packagePath('bench', 'data', 'geometry3k-sizes.txt'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
}

/** A line drawing: white, thin dark lines, a filled label box; deterministic in i. */
function drawing(w: number, h: number, i: number): Buffer {
  const raw = Buffer.alloc(w * h * 3, 255);
  const line = (x0: number, y0: number, x1: number, y1: number) => {
    const n = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    for (let k = 0; k <= n; k++) {
      const x = Math.round(x0 + ((x1 - x0) * k) / n);
      const y = Math.round(y0 + ((y1 - y0) * k) / n);
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
      ] as const) {
        const xx = x + dx,
          yy = y + dy;
        if (xx >= 0 && yy >= 0 && xx < w && yy < h) raw.set([20, 20, 20], (yy * w + xx) * 3);
      }
    }
  };
  const a = [10 + (i % 30), h - 12] as const,
    b = [w - 12, h - 12 - (i % 20)] as const,
    c = [Math.round(w / 3) + (i % 40), 12] as const;
  line(a[0], a[1], b[0], b[1]);
  line(b[0], b[1], c[0], c[1]);
  line(c[0], c[1], a[0], a[1]);
  line(c[0], c[1], Math.round((a[0] + b[0]) / 2), a[1]);
  for (let y = 14; y < Math.min(h, 30); y++)
    for (let x = 14; x < Math.min(w, 40); x++) raw.set([40, 60, 160], (y * w + x) * 3);
  return raw;
}

/**
 * The drawing of row i as a PNG. The drawing alone repeats (its lines vary with i modulo 120, its size with the
 * size list): `distinct` also stamps i's low 24 bits as dark 3-pixel marks along rows 2–3, so that no two rows
 * below 2^24 share an image (every size of the list is at least 135 pixels wide).
 */
export async function png(w: number, h: number, i: number, distinct = false): Promise<Buffer> {
  const raw = drawing(w, h, i);
  if (distinct)
    for (let bit = 0; bit < 24; bit++)
      if ((i >> bit) & 1)
        for (let y = 2; y < 4; y++)
          for (let x = 50 + 3 * bit; x < 52 + 3 * bit && x < w; x++) raw.set([20, 20, 20], (y * w + x) * 3);
  const s = sharp(raw, { raw: { width: w, height: h, channels: 3 } });
  if (i % 5 === 0) return s.toColourspace('b-w').png().toBuffer();
  if (i % 7 === 0) return s.ensureAlpha().png().toBuffer();
  return s.png().toBuffer();
}

/** Writes images/ and train.jsonl; returns the number of rows. */
export async function makeGeometryDataset(dir: string, limit?: number): Promise<number> {
  mkdirSync(join(dir, 'images'), { recursive: true });
  const sizes = geometrySizes().slice(0, limit);
  const lines: string[] = [];
  for (let i = 0; i < sizes.length; i++) {
    const [w, h] = sizes[i]!;
    const file = `g3k_${String(i).padStart(4, '0')}.png`;
    writeFileSync(join(dir, 'images', file), await png(w, h, i));
    const x = 3 + (i % 17),
      y = 5 + (i % 23);
    lines.push(
      JSON.stringify({
        id: `g${i}`,
        problem: `<image>Find x. In the figure, AB = ${x}, BC = ${y} and angle ABC = ${30 + (i % 60)} degrees (problem ${i}).`,
        answer: String(x + y),
        images: [file],
      }),
    );
  }
  writeFileSync(join(dir, 'train.jsonl'), `${lines.join('\n')}\n`);
  return sizes.length;
}

/** The processor path a trainer's filter runs: per row the image through the image processor, the chat template, expansion, tokenizer. */
const PROCESSOR_PATH = String.raw`
import io, json, sys
from PIL import Image
from transformers import AutoTokenizer
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

model, mode, src = sys.argv[1], sys.argv[2], sys.argv[3]
tok = AutoTokenizer.from_pretrained(model)
cfg = json.load(open(f"{model}/preprocessor_config.json"))
tok.chat_template = json.load(open(f"{model}/chat_template.json"))["chat_template"]
ip = Qwen2VLImageProcessorPil(patch_size=cfg["patch_size"], merge_size=cfg["merge_size"], size=cfg["size"])
merge = cfg["merge_size"] ** 2

def rows():
    if mode == "jsonl":
        base = src.rsplit("/", 1)[0]
        for line in open(src):
            r = json.loads(line)
            yield r["id"], r["problem"].replace("<image>", ""), Image.open(f"{base}/images/{r['images'][0]}")
    else:
        import pyarrow.parquet as pq
        for f in src.split(","):
            for r in pq.read_table(f).to_pylist():
                text = r["prompt"][0]["content"].replace("<image>", "")
                yield r["extra_info"]["index"], text, Image.open(io.BytesIO(r["images"][0]["bytes"]))

out = {}
for key, text, image in rows():
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": text}]}]
    prompt = tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    grid = ip(images=[image], return_tensors=None)["image_grid_thw"][0]
    n = int(grid[0] * grid[1] * grid[2]) // merge
    prompt = prompt.replace("<|image_pad|>", "<|placeholder|>" * n, 1).replace("<|placeholder|>", "<|image_pad|>")
    out[str(key)] = len(tok(prompt, add_special_tokens=False)["input_ids"])
print(json.dumps(out))
`;

const FIDELITY = String.raw`
import json, sys
import numpy as np
from PIL import Image
pairs = json.loads(sys.argv[1])
rows = []
for p in pairs:
    orig = Image.open(p["original"]).convert("RGB")
    ours = np.asarray(Image.open(p["ours"]).convert("RGB"), dtype=np.int16)
    ref = np.asarray(orig.resize(tuple(p["size"]), Image.BICUBIC), dtype=np.int16)
    d = np.abs(ours - ref)
    rows.append({"kind": p["kind"], "mean": float(d.mean()), "p99": float(np.percentile(d, 99)), "max": int(d.max())})
print(json.dumps(rows))
`;

/**
 * The geometry tables: the processor-pipeline build and validate against the processor path; the default build
 * against the pyarrow floor in pairs and against the processor path (bench/geometry-floor.ts); the recipe exports
 * in two rounds (bench/geometry-exports.ts). All 2,848 rows, or the first `rows` when `--rows` was given.
 */
export async function benchGeometry(opts: { rows?: number; rowsGiven?: boolean }): Promise<Record<string, Row[]>> {
  const python = await ensurePythonVenv(['pyarrow', 'Pillow', 'numpy', 'transformers', 'jinja2']);
  const dir = mkdtempSync(join(tmpdir(), 'gad-bench-g3k-'));
  const bin = packagePath('bin', 'gad-data.js');
  const model = packagePath('fixtures', 'models', 'qwen3-vl');
  const rows: Row[] = [];
  try {
    // The 2,848 real sizes, or the first --rows of them when that was given (a quick run).
    const n = await makeGeometryDataset(dir, opts.rowsGiven ? opts.rows : undefined);
    const env = { ...process.env, MALLOC_ARENA_MAX: '2' };
    const pyEnv = { ...process.env, HF_HUB_OFFLINE: '1', TRANSFORMERS_VERBOSITY: 'error' };
    const line = (job: string, r: { secs: number; cpu: number }, ref?: { secs: number; cpu: number }): Row => ({
      job,
      rows: n,
      'wall s': r.secs.toFixed(2),
      'rows/s': Math.round(n / r.secs),
      'CPU s': r.cpu.toFixed(2),
      'vs processor path (wall)': ref ? `${(ref.secs / r.secs).toFixed(1)}×` : '1.0×',
      'vs processor path (CPU)': ref ? `${(ref.cpu / r.cpu).toFixed(1)}×` : '1.0×',
    });
    const ours = await timedCmd(
      process.execPath,
      [
        bin,
        'build',
        '--train',
        join(dir, 'train.jsonl'),
        '--image-dir',
        join(dir, 'images'),
        '--id-key',
        'id',
        '--model',
        'qwen3-vl',
        '--pipeline',
        'processor',
        // a processor-pipeline verl build writes each image at the processor's size (verl pre-resizes originals)
        '--resize',
        'always',
        '--format-prompt',
        'none',
        '--max-prompt-length',
        '8192',
        '--out',
        join(dir, 'out'),
        '--quiet',
      ],
      env,
    );
    if (ours.code !== 0) throw new Error(`gad-data build failed (exit ${ours.code})`);
    const lengths = new Map(
      readFileSync(join(dir, 'out', 'lengths.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const r = JSON.parse(l) as { id: string; prompt_tokens: number };
          return [r.id, r.prompt_tokens] as const;
        }),
    );
    const manifest = JSON.parse(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8')) as {
      shards: Array<{ file: string }>;
    };
    const shards = manifest.shards.map((s) => join(dir, 'out', s.file));
    const validate = await timedCmd(
      process.execPath,
      [
        bin,
        'validate',
        ...shards,
        '--target',
        'verl',
        '--model',
        'qwen3-vl',
        '--pipeline',
        'processor',
        '--max-prompt-length',
        '8192',
      ],
      env,
    );
    let ref: { secs: number; cpu: number } | null = null;
    if (!python)
      rows.push(line('gad-data build', ours), {
        job: 'transformers processor path: skipped (no Python venv)',
        rows: n,
      });
    else {
      const r = await timedCmd(python, ['-c', PROCESSOR_PATH, model, 'jsonl', join(dir, 'train.jsonl')], pyEnv);
      const refLengths = JSON.parse(r.stdout) as Record<string, number>;
      const equal = Object.entries(refLengths).filter(([id, len]) => lengths.get(id) === len).length;
      const refV = await timedCmd(python, ['-c', PROCESSOR_PATH, model, 'parquet', shards.join(',')], pyEnv);
      rows.push(line('gad-data build (decode check, exact counts, shards, report)', ours, r));
      rows.push(line(`transformers processor path over the jsonl (prompt lengths equal to ours: ${equal}/${n})`, r));
      rows.push(line('gad-data validate of the built shards', validate, refV));
      rows.push(line('transformers processor path over the same shards', refV));
      ref = r;
    }
    const pairs = await buildFloorPairs({ dir, n, python, env });
    return {
      [`processor pipeline (--resize always) against the transformers processor path, ${n} rows`]: rows,
      [`default build (\`build --train train.jsonl --image-dir images --id-key id --model qwen3-vl --out OUT -q\`), the pyarrow floor and the PNG check alone, in turn, ${n} rows`]:
        pairs.rows,
      [`default build against the transformers processor path, ${n} rows`]: againstProcessorPath(n, pairs.build, ref),
      [`recipe exports of a --teacher build, two rounds, ${n} rows`]: await exportRounds({ dir, n, env }),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Pixel fidelity of our resize (resize always: every image at the processor's size) against Pillow's, up and down. */
export async function benchFidelity(): Promise<Row[]> {
  const python = await ensurePythonVenv(['pyarrow', 'Pillow', 'numpy', 'transformers', 'jinja2']);
  if (!python) return [{ kind: 'skipped (no Python venv)' }];
  const { processImage } = await import('../src/images/process-image.js');
  const { loadModelProfile } = await import('../src/model/model-profile.js');
  const profile = await loadModelProfile('qwen3-vl');
  const dir = mkdtempSync(join(tmpdir(), 'gad-bench-fid-'));
  try {
    const sizes = geometrySizes();
    const pairs: Array<{ kind: string; original: string; ours: string; size: [number, number] }> = [];
    for (let i = 0; i < sizes.length && pairs.length < 120; i += 23) {
      const [w, h] = sizes[i]!;
      const input = await sharp(drawing(w, h, i), { raw: { width: w, height: h, channels: 3 } })
        .png()
        .toBuffer();
      // up: the processor's own size (resize always); down: the same image with max_pixels at half its area
      for (const kind of ['upscale (resize always)', 'downscale (over max_pixels)'] as const) {
        const geometry = kind.startsWith('up')
          ? profile.geometry
          : { ...profile.geometry, minPixels: 1024, maxPixels: Math.floor((w * h) / 2) };
        const o = await processImage(input, {
          pipeline: 'processor',
          geometry,
          imageFormat: 'png',
          maxInputPixels: 178956970,
          resize: kind.startsWith('up') ? 'always' : 'auto',
        });
        if (!o.ok || (kind.startsWith('up') && o.image.width * o.image.height <= w * h)) continue;
        const orig = join(dir, `o${i}.png`);
        const ours = join(dir, `${kind.slice(0, 2)}${i}.png`);
        writeFileSync(orig, input);
        writeFileSync(ours, o.image.bytes);
        pairs.push({ kind, original: orig, ours, size: [o.image.width, o.image.height] });
      }
    }
    const { stdout } = await run(python, ['-c', FIDELITY, JSON.stringify(pairs)], { maxBuffer: 1 << 26 });
    const got = JSON.parse(stdout) as Array<{ kind: string; mean: number; p99: number; max: number }>;
    const out: Row[] = [];
    for (const kind of [...new Set(got.map((g) => g.kind))]) {
      const g = got.filter((x) => x.kind === kind);
      out.push({
        resize: kind,
        images: g.length,
        'mean |Δ| (levels)': (g.reduce((a, x) => a + x.mean, 0) / g.length).toFixed(3),
        'p99 |Δ|': Math.max(...g.map((x) => x.p99)).toFixed(1),
        'max |Δ|': Math.max(...g.map((x) => x.max)),
      });
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
