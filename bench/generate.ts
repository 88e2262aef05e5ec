/**
 * `generate` benchmark: a build of N rows (bench.ts's synthetic dataset, no teacher answers), then
 * `generate teacher` against a local OpenAI-compatible server (test/helpers/openai-server.ts, answering at
 * once) with 64 requests in flight, in a child process: requests/s the client sustains and its peak RSS (the
 * images are base64-encoded per request, only the rows in flight are held). The server runs in this process.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { startOpenAIServer } from '../test/helpers/openai-server.js';

const CONCURRENCY = 64;

/**
 * A jsonl + image folder like bench.ts's (not imported from it: bench.ts imports this file while it runs):
 * 40 distinct images, ¾ diagram PNGs ~400×300 and ¼ noisy photo-like JPEGs of 1–2 MP, shared by the rows.
 */
async function dataset(dir: string, rows: number): Promise<void> {
  mkdirSync(join(dir, 'images'));
  const files: string[] = [];
  for (let i = 0; i < 40; i++) {
    const photo = i % 4 === 3;
    const [width, height] = photo ? [1200 + i * 20, 900 + i * 15] : [360 + (i % 7) * 20, 270 + (i % 5) * 15];
    const img = sharp({
      create: {
        width,
        height,
        channels: 3,
        background: '#ffffff',
        ...(photo ? { noise: { type: 'gaussian', mean: 128, sigma: 40 } } : {}),
      },
    });
    const file = `images/p${i}.${photo ? 'jpg' : 'png'}`;
    writeFileSync(join(dir, file), photo ? await img.jpeg({ quality: 90 }).toBuffer() : await img.png().toBuffer());
    files.push(file);
  }
  const lines = Array.from({ length: rows }, (_, i) =>
    JSON.stringify({
      id: `r${i}`,
      problem: `<image>In the figure, AB = ${3 + (i % 97)} and BC = ${4 + (i % 89)}. Find AC (row ${i}).`,
      answer: '5',
      images: [files[i % 40]],
    }),
  );
  writeFileSync(join(dir, 'train.jsonl'), `${lines.join('\n')}\n`);
}

async function child(from: string, endpoint: string, out: string) {
  const { generateAnswers } = await import('../src/generate/run.js');
  const t0 = process.hrtime.bigint();
  const r = await generateAnswers({ role: 'teacher', from, endpoint, model: 'bench', out, concurrency: CONCURRENCY });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(
    `${JSON.stringify({ rows: r.rows, sent: r.sent, complete: r.complete, secs, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
}

export async function benchGenerate(opts: { rows?: number }): Promise<Array<Record<string, string | number>>> {
  const rows = opts.rows ?? 1000;
  const { build } = await import('../src/pipeline/build.js');
  const dir = mkdtempSync(join(tmpdir(), 'gad-bench-generate-'));
  const srv = await startOpenAIServer({ noRecord: true });
  try {
    await dataset(dir, rows);
    await build({
      data: {
        train_files: join(dir, 'train.jsonl'),
        max_prompt_length: 4096,
        max_response_length: 4096,
        format_prompt: 'math',
      },
      id_key: 'id',
      model: 'qwen3-vl',
      out: join(dir, 'out'),
      dedupe: false,
    } as never);
    const self = fileURLToPath(import.meta.url);
    // asynchronously: the server answers from this process
    const res = await new Promise<string>((ok, fail) =>
      execFile(
        process.execPath,
        [self, '--child', join(dir, 'out'), srv.url, join(dir, 'teacher.jsonl')],
        { maxBuffer: 1 << 20, env: { ...process.env, MALLOC_ARENA_MAX: '2' } },
        (e, stdout) => (e ? fail(e) : ok(stdout)),
      ),
    );
    const r = JSON.parse(res.trim().split('\n').pop()!) as {
      rows: number;
      sent: number;
      secs: number;
      maxRssMB: number;
    };
    return [
      {
        stage: `generate teacher (${CONCURRENCY} in flight, local server)`,
        rows: r.rows,
        requests: r.sent,
        seconds: r.secs.toFixed(2),
        'requests/s': Math.round(r.sent / r.secs),
        'peak RSS MB': Math.round(r.maxRssMB),
      },
    ];
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === '--child') {
  await child(process.argv[3]!, process.argv[4]!, process.argv[5]!);
}
