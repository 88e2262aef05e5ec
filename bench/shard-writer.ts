/**
 * The parquet writer alone: the 2,848 Geometry3K-like rows (bench/geometry.ts's PNG line drawings at the real
 * image sizes) written as verl GAD shards through ShardWriter (row groups of 128, the build's default shard size),
 * in a child process that only loads the image files and writes: its CPU (user + system) for the write and close,
 * and its peak RSS. The images are made once into a folder (kept in `.cache/bench-shard-writer/`).
 *
 * `node dist/bench/shard-writer.js write IMAGES_DIR OUT_DIR` runs one write and prints a JSON line (used to
 * compare writers, old and new code alternately, each as its own process).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sample } from '../src/core/types.js';
import { packagePath } from '../src/core/paths.js';
import { ShardWriter } from '../src/output/shards.js';
import { geometrySizes, png } from './geometry.js';

type Row = Record<string, string | number>;

const TEACHER =
  '<think>' + 'Let us reason step by step about the angles. '.repeat(45) + '</think>\\boxed{42}<|im_end|>';

/** Make the images once (deterministic in their index); returns the folder. */
async function images(): Promise<string> {
  const dir = packagePath('.cache', 'bench-shard-writer');
  const sizes = geometrySizes();
  const done = join(dir, 'done');
  if (existsSync(done)) return dir;
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < sizes.length; i++) {
    const [w, h] = sizes[i]!;
    writeFileSync(join(dir, `${String(i).padStart(4, '0')}-${w}x${h}.png`), await png(w, h, i));
  }
  writeFileSync(done, '');
  return dir;
}

function sample(i: number, bytes: Uint8Array, w: number, h: number): Sample {
  const problem = `<image>Find x. In the figure, AB = ${3 + (i % 17)}, BC = ${5 + (i % 23)} (problem ${i}).`;
  return {
    split: 'train',
    index: i,
    id: `g${i}`,
    source: 'bench',
    dataSource: 'hiyouga/geometry3k',
    problem,
    answer: String(8 + (i % 40)),
    images: [{ bytes, path: null }],
    extra: {},
    formatted: {
      formatted: problem,
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: problem },
      ],
      textTokens: 40,
      imageTokens: 120,
      promptTokens: 160,
      images: [
        {
          bytes,
          path: `g3k_${String(i).padStart(4, '0')}.png`,
          format: 'png',
          origWidth: w,
          origHeight: h,
          width: w,
          height: h,
          resized: [w, h],
          tokens: 120,
          reencoded: false,
          sha256: createHash('sha256').update(bytes).digest('hex'),
        },
      ],
      responseTokens: 500,
      teacherResponse: TEACHER,
    },
  } as Sample;
}

/** One write of all rows (in this process): CPU of write + close, peak RSS, output bytes and their sha256. */
export async function writeOnce(imagesDir: string, outDir: string): Promise<Record<string, number | string>> {
  const files = readdirSync(imagesDir)
    .filter((f) => f.endsWith('.png'))
    .sort();
  const rows = files.map((f, i) => {
    const [w, h] = f
      .replace(/^\d+-|\.png$/g, '')
      .split('x')
      .map(Number) as [number, number];
    return sample(i, new Uint8Array(readFileSync(join(imagesDir, f))), w, h);
  });
  const rssBefore = process.resourceUsage().maxRSS;
  const w = new ShardWriter({
    target: 'verl',
    kind: 'gad',
    promptKey: 'prompt',
    answerKey: 'answer',
    imageKey: 'images',
    dir: join(outDir, 'data'),
    split: 'train',
    shardSize: 500 * 1000 * 1000,
  });
  const c0 = process.cpuUsage();
  for (const s of rows) await w.write(s);
  const shards = await w.close();
  const c = process.cpuUsage(c0);
  const hash = createHash('sha256');
  for (const s of shards) hash.update(readFileSync(join(outDir, s.file)));
  return {
    rows: rows.length,
    shards: shards.length,
    'write CPU s': Number(((c.user + c.system) / 1e6).toFixed(2)),
    'peak RSS MB (images loaded)': Math.round(rssBefore / 1024),
    'peak RSS MB': Math.round(process.resourceUsage().maxRSS / 1024),
    'output bytes': shards.reduce((a, s) => a + s.bytes, 0),
    sha256: hash.digest('hex').slice(0, 16),
  };
}

/** `--only shard-writer`: two writes of the same rows, each in its own process (the second checks the bytes). */
export async function benchShardWriter(): Promise<Row[]> {
  const dir = await images();
  const out: Row[] = [];
  for (let k = 0; k < 2; k++) {
    const tmp = mkdtempSync(join(tmpdir(), 'gad-bench-shards-'));
    try {
      const line = execFileSync(process.execPath, [fileURLToPath(import.meta.url), 'write', dir, tmp], {
        encoding: 'utf8',
        env: { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' },
      });
      out.push(JSON.parse(line.trim().split('\n').pop()!) as Row);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'write') {
  console.log(JSON.stringify(await writeOnce(process.argv[3]!, process.argv[4]!)));
}
