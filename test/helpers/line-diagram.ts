/**
 * Small stand-ins for Geometry3K diagrams: white PNGs crossed by thin coloured lines, and the real Geometry3K sizes
 * at which Qwen3-VL's warmup trainers would see another grid than the GAD stage (so an export writes them at the
 * GAD stage's size), and a built data set of them. Used by the GAD-size export tests.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { build } from '../../src/index.js';

/** Real small Geometry3K sizes ([w, h]): the warmup trainers would see them at another grid than the GAD stage. */
export const SMALL_DIAGRAM_SIZES: ReadonlyArray<[number, number]> = [
  [160, 279],
  [164, 247],
  [342, 149],
  [210, 180],
  [120, 300],
];

/** A `w`×`h` RGB PNG of lines; another `seed`, other lines (so other bytes). */
export async function lineDiagram(w: number, h: number, seed: number): Promise<Buffer> {
  const raw = Buffer.alloc(w * h * 3, 255);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      if (x % (11 + seed) === 0 || y % 13 === 0 || Math.abs(x - y) < 2)
        raw.set([20, 40, (x * 5) % 256], (y * w + x) * 3);
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toBuffer();
}

/**
 * A GAD data set in `dir`: `images/<i>.png` (a line diagram of each size) and `train.jsonl` (id `g-<i>`, a problem
 * with its `<image>`, an answer and a teacher response per image), built for Qwen3-VL with the teacher column into
 * `dir/out`; returns that folder.
 */
export async function buildDiagramSet(dir: string, sizes: ReadonlyArray<[number, number]>): Promise<string> {
  mkdirSync(join(dir, 'images'), { recursive: true });
  const lines: string[] = [];
  for (const [i, [w, h]] of sizes.entries()) {
    writeFileSync(join(dir, 'images', `${i}.png`), await lineDiagram(w, h, i));
    lines.push(
      JSON.stringify({
        id: `g-${i}`,
        problem: `<image>Find x in figure ${i}.`,
        answer: String(i),
        images: [`${i}.png`],
        teacher: `The answer is \\boxed{${i}}.`,
      }),
    );
  }
  writeFileSync(join(dir, 'train.jsonl'), `${lines.join('\n')}\n`);
  const out = join(dir, 'out');
  await build({
    data: { train_files: join(dir, 'train.jsonl'), image_dir: join(dir, 'images'), max_prompt_length: 100_000 },
    id_key: 'id',
    teacher: { column: 'teacher' },
    model: 'qwen3-vl',
    target: 'verl',
    out,
    max_drop_ratio: 0,
  });
  return out;
}
