/**
 * Big images whose header decides the drop: 8 distinct 169-megapixel PNGs (13000×13000) in 8 rows, built at
 * `--concurrency 8` with the default limits. Their ~16,000 image tokens (qwen2.5-vl, processor pipeline) alone put
 * every prompt over max_prompt_length, so no image needs decoding. Before header-first formatting each was decoded in
 * full (~0.5 GB of pixels each, 9.3 GB at once); the target is a peak RSS ≤ 1.4 GB (docs/reliability.md). The build
 * runs in its own child process, whose maxRSS is reported.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';

const SIDE = 13000;
const ROWS = 8;

async function makeData(dir: string): Promise<void> {
  mkdirSync(join(dir, 'img'), { recursive: true });
  const lines: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    const png = await sharp({
      create: { width: SIDE, height: SIDE, channels: 3, background: { r: 10 * i, g: 100, b: 200 - 10 * i } },
      limitInputPixels: false,
    })
      .png({ compressionLevel: 1 })
      .toBuffer();
    writeFileSync(join(dir, 'img', `big${i}.png`), png);
    lines.push(
      JSON.stringify({
        id: `b${i}`,
        problem: `<image>What is shown in picture ${i}?`,
        answer: String(i),
        images: [`img/big${i}.png`],
      }),
    );
  }
  writeFileSync(join(dir, 'train.jsonl'), `${lines.join('\n')}\n`);
}

async function child(dir: string): Promise<void> {
  const { build } = await import('../src/pipeline/build.js');
  const t0 = Date.now();
  const r = await build({
    data: { train_files: join(dir, 'train.jsonl') },
    model: 'qwen2.5-vl',
    concurrency: 8,
    max_drop_ratio: 1,
    out: join(dir, 'out'),
  });
  const split = r.splits.train!;
  process.stdout.write(
    `${JSON.stringify({ secs: (Date.now() - t0) / 1000, maxRssMB: process.resourceUsage().maxRSS / 1024, kept: split.rowsOut, dropped: split.dropped })}\n`,
  );
}

export async function benchBigImages(): Promise<Array<Record<string, string | number>>> {
  const dir = mkdtempSync(join(tmpdir(), 'gad-bench-big-'));
  try {
    await makeData(dir);
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', dir], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
      env: { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' },
    });
    const r = JSON.parse(out.trim().split('\n').pop()!) as {
      secs: number;
      maxRssMB: number;
      kept: number;
      dropped: Record<string, number>;
    };
    const reasons = Object.entries(r.dropped)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    return [
      {
        case: `${ROWS} rows, one ${SIDE}x${SIDE} PNG (169 MP) each, --concurrency 8, default limits`,
        outcome: `kept ${r.kept}, dropped ${reasons}`,
        seconds: r.secs.toFixed(1),
        'peak RSS MB': r.maxRssMB.toFixed(0),
        target: '≤ 1434 (1.4 GB)',
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === '--child')
  await child(process.argv[3]!);
