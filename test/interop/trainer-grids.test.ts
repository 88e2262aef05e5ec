/**
 * One image grid across the GAD recipe, checked with each trainer's own resize code path
 * (test/helpers/trainer_grids.py: qwen-vl-utils' fetch_image as written in its source, verl HEAD's image elements,
 * ms-swift's template, LLaMA-Factory's mm_plugin, transformers' Qwen2-VL image processor), on Qwen3-VL builds of
 * line drawings at real Geometry3K sizes (bench/data/geometry3k-sizes.txt):
 * - the GAD stage: verl, reading the shards with `datasets`, computes the grid the build counted for every row,
 *   also with `--max-pixels` (images under the bound whose qwen-vl-utils rounding lands over it);
 * - the warmups and the student sampling: ms-swift (`export sft`, `export prompts`) and LLaMA-Factory
 *   (`export sft --format llamafactory`), with the settings export.json gives them, see every image at the grid verl
 *   trains on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { build, exportPrompts, exportSft } from '../../src/index.js';
import { packagePath } from '../../src/core/paths.js';
import { roundHalfEven } from '../../src/images/resize.js';
import { ensurePythonVenv, runPython } from '../helpers/python.js';
import { readJsonl } from '../helpers/files.js';

const python = await ensurePythonVenv(['pyarrow', 'datasets', 'Pillow', 'numpy', 'transformers']);
const skip = python ? false : 'no Python venv (see the log)';
const tmp = mkdtempSync(join(tmpdir(), 'gad-grids-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const SCRIPT = readFileSync(packagePath('test', 'helpers', 'trainer_grids.py'), 'utf8');
const MODEL_DIR = packagePath('fixtures', 'models', 'qwen3-vl');

const SIZES: Array<[number, number]> = readFileSync(packagePath('bench', 'data', 'geometry3k-sizes.txt'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);

async function drawing(w: number, h: number): Promise<Buffer> {
  const raw = Buffer.alloc(w * h * 3, 255);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      if (x % 17 === 0 || y % 13 === 0 || Math.abs(x - y) < 2) raw.set([20, 40, (x * 5) % 256], (y * w + x) * 3);
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toBuffer();
}

/** A GAD dataset (jsonl + images + teacher column) of the given sizes. */
async function dataset(name: string, sizes: Array<[number, number]>): Promise<string> {
  const dir = join(tmp, name);
  mkdirSync(join(dir, 'images'), { recursive: true });
  const lines: string[] = [];
  for (let i = 0; i < sizes.length; i++) {
    const [w, h] = sizes[i]!;
    writeFileSync(join(dir, 'images', `${i}.png`), await drawing(w, h));
    lines.push(
      JSON.stringify({
        id: `g-${i}`,
        problem: `<image>Find x in figure ${i} (${w}x${h}).`,
        answer: String(i),
        images: [`${i}.png`],
        teacher: `<think>figure ${i}</think> The answer is \\boxed{${i}}.`,
      }),
    );
  }
  writeFileSync(join(dir, 'train.jsonl'), `${lines.join('\n')}\n`);
  return dir;
}

async function buildIt(dir: string, maxPixels?: number): Promise<string> {
  const out = join(dir, 'out');
  await build({
    data: {
      train_files: join(dir, 'train.jsonl'),
      image_dir: join(dir, 'images'),
      max_prompt_length: 100_000,
      ...(maxPixels ? { max_pixels: maxPixels } : {}),
    },
    teacher: { column: 'teacher' },
    model: 'qwen3-vl',
    target: 'verl',
    out,
    max_drop_ratio: 0,
  });
  return out;
}

type Grid = [number, number, number];
const tokens = (g: Grid) => (g[0] * g[1] * g[2]) / 4;

/** qwen-vl-utils' first rounding (Python round, factor 32): the sizes the max_pixels case is about. */
function rounded(w: number, h: number): number {
  return Math.max(32, roundHalfEven(w / 32) * 32) * Math.max(32, roundHalfEven(h / 32) * 32);
}

test(
  'verl with --max-pixels: verl computes the grid the build counted for every row',
  { skip, timeout: 900_000 },
  async () => {
    const MAX = 100_000;
    const crossing = SIZES.filter(([w, h]) => w * h <= MAX && rounded(w, h) > MAX).slice(0, 12);
    const others = SIZES.filter(([w, h]) => !(w * h <= MAX && rounded(w, h) > MAX)).slice(0, 12);
    assert.equal(crossing.length, 12, 'Geometry3K has sizes whose rounding crosses the bound');
    const out = await buildIt(await dataset('max-pixels', [...crossing, ...others]), MAX);
    const lengths = readJsonl(join(out, 'lengths.jsonl'));
    assert.equal(lengths.length, 24);
    const r = JSON.parse(await runPython(python!, SCRIPT, [JSON.stringify({ model_dir: MODEL_DIR, build: out })])) as {
      verl: Array<{ index: number; verl: Grid[] }>;
    };
    const wrong: string[] = [];
    for (const row of r.verl) {
      const len = lengths.find((l) => l.index === row.index)!;
      const t = row.verl.reduce((a, g) => a + tokens(g), 0);
      if (t !== len.image_tokens)
        wrong.push(`row ${row.index} (${len.written[0]}): verl ${t}, build ${len.image_tokens}`);
      const [g] = row.verl;
      assert.deepEqual(
        [g![2] * 16, g![1] * 16],
        len.resized[0],
        `row ${row.index}: the size recorded in lengths.jsonl`,
      );
    }
    assert.deepEqual(wrong, []);
    // The crossing images were written at the counted size, under the bound.
    for (let i = 0; i < 12; i++) {
      const len = lengths.find((l) => l.index === i)!;
      const [w, h] = len.written[0] as [number, number];
      assert.ok(w * h <= MAX && w % 32 === 0 && h % 32 === 0, `row ${i}: written ${w}x${h}`);
    }
  },
);

test(
  'the warmups and the sampling see every image at the grid verl trains on (ms-swift, LLaMA-Factory, swift infer)',
  { skip, timeout: 900_000 },
  async () => {
    // Small diagrams (under the Qwen3-VL processor's 65,536 px) are where the trainers' resizes part ways.
    const small = SIZES.filter(([w, h]) => w * h < 60_000).slice(0, 16);
    const large = SIZES.filter(([w, h]) => w * h >= 60_000).slice(0, 8);
    const dir = await dataset('recipe', [...small, ...large]);
    const out = await buildIt(dir);
    const buildLengths = readJsonl(join(out, 'lengths.jsonl'));
    const exports = [
      (await exportSft({ from: out, format: 'ms-swift' })).out,
      (await exportSft({ from: out, format: 'llamafactory' })).out,
      (await exportPrompts({ from: out })).out,
    ];
    const r = JSON.parse(
      await runPython(python!, SCRIPT, [JSON.stringify({ model_dir: MODEL_DIR, build: out, exports })]),
    ) as Record<string, unknown> & { verl: Array<{ index: number; verl: Grid[] }> };
    const verlById = new Map<string, Grid[]>();
    for (const row of r.verl) verlById.set(buildLengths.find((l) => l.index === row.index)!.id as string, row.verl);
    for (const exp of exports) {
      const grids = r[exp] as Record<string, Grid[]>;
      const x = JSON.parse(readFileSync(join(exp, 'export.json'), 'utf8')) as {
        trainer: string;
        kind: string;
        images: { atGadSize: number };
        notes: string[];
      };
      const lines = readJsonl(join(exp, 'lengths.jsonl'));
      assert.equal(lines.length, 24, `${exp}: every row exported`);
      const differ: string[] = [];
      for (const l of lines) {
        const verl = verlById.get(l.id as string)!;
        assert.deepEqual(
          l.image_sizes,
          buildLengths.find((b) => b.id === l.id)!.resized,
          `${exp} ${l.id}: image_sizes`,
        );
        const got = grids[`${l.split}/${l.line}`]!;
        if (JSON.stringify(got) !== JSON.stringify(verl))
          differ.push(`${l.id}: ${x.trainer} ${JSON.stringify(got)}, verl ${JSON.stringify(verl)}`);
        if (l.image_tokens !== undefined)
          assert.equal(
            l.image_tokens,
            verl.reduce((a, g) => a + tokens(g), 0),
            `${exp} ${l.id}: image tokens`,
          );
      }
      assert.deepEqual(differ, [], `${x.kind} ${x.trainer}: the trainer's grid equals verl's`);
      // Some images had to be written at the GAD size, and the export says so.
      assert.ok(x.images.atGadSize > 0, `${exp}: images written at the GAD stage's size`);
      assert.ok(x.notes.some((n) => n.startsWith(`${x.images.atGadSize} image(s) written at the size the GAD stage`)));
    }
  },
);

test(
  'EasyR1: process_image then the processor gives the counted grid, and the warmups see it too',
  { skip, timeout: 900_000 },
  async () => {
    const small = SIZES.filter(([w, h]) => w * h < 60_000).slice(16, 28);
    const large = SIZES.filter(([w, h]) => w * h >= 60_000).slice(8, 14);
    const dir = await dataset('easyr1', [...small, ...large]);
    const out = join(dir, 'out');
    await build({
      data: { train_files: join(dir, 'train.jsonl'), image_dir: join(dir, 'images'), max_prompt_length: 100_000 },
      teacher: { column: 'teacher' },
      model: 'qwen3-vl',
      target: 'easyr1',
      out,
      max_drop_ratio: 0,
    });
    const buildLengths = readJsonl(join(out, 'lengths.jsonl'));
    const sft = (await exportSft({ from: out, format: 'ms-swift' })).out;
    const r = JSON.parse(
      await runPython(python!, SCRIPT, [JSON.stringify({ model_dir: MODEL_DIR, easyr1_build: out, exports: [sft] })]),
    ) as Record<string, unknown> & { easyr1: Array<{ answer: string; grid: Grid[] }> };
    assert.equal(r.easyr1.length, 18);
    const byId = new Map<string, Grid[]>();
    for (const row of r.easyr1) {
      const len = buildLengths.find((l) => l.index === Number(row.answer))!;
      assert.equal(
        row.grid.reduce((a, g) => a + tokens(g), 0),
        len.image_tokens,
        `row ${row.answer}: EasyR1's tokens`,
      );
      byId.set(len.id as string, row.grid);
    }
    const grids = r[sft] as Record<string, Grid[]>;
    for (const l of readJsonl(join(sft, 'lengths.jsonl')))
      assert.deepEqual(grids[`${l.split}/${l.line}`], byId.get(l.id as string), `${l.id}: ms-swift sees EasyR1's grid`);
  },
);
