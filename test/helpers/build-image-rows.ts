import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from '../../src/index.js';
import type { Manifest } from '../../src/core/types.js';
import { readJsonl } from './files.js';

/**
 * A build of one row per image (`files`, in `dir`/images; row i is `<image>Q<i>?`, answer i) with the processor
 * pipeline at 3136–50,000 pixels into `dir`/out, for comparing the stored pixels with Pillow's. Returns the output
 * folder, lengths.jsonl's rows and the spec the Python checks read: the shard paths and each row's source image.
 */
export async function buildImageRows(p: { dir: string; files: string[] }) {
  const { dir, files } = p;
  writeFileSync(
    join(dir, 'train.jsonl'),
    files.map((file, i) => JSON.stringify({ problem: `<image>Q${i}?`, answer: String(i), images: [file] })).join('\n'),
  );
  const out = join(dir, 'out');
  await build({
    data: {
      train_files: join(dir, 'train.jsonl'),
      image_dir: join(dir, 'images'),
      min_pixels: 3136,
      max_pixels: 50_000,
      max_prompt_length: 100_000,
    },
    model: 'qwen2.5-vl',
    pipeline: 'processor',
    out,
  });
  const lengths = readJsonl(join(out, 'lengths.jsonl'));
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
  const spec = {
    shards: manifest.shards.map((s) => join(out, s.file)),
    files: Object.fromEntries(files.map((file, i) => [String(i), join(dir, 'images', file)])),
  };
  return { out, lengths, spec };
}
