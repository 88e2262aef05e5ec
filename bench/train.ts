/**
 * Launcher overhead before GPU time: planning from the manifest, and pre-flight with and without the
 * sha256 verification of the shards (the part that grows with the data). `rows` = MiB of shards
 * (default 512, written as 64 MiB shards, as a real image build would).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '../src/core/hash.js';
import { planTraining } from '../src/train/plan.js';
import { preflight } from '../src/train/preflight.js';

export async function benchTrain(opts: { rows?: number }): Promise<Array<Record<string, string | number>>> {
  const mib = Math.max(64, opts.rows ?? 512);
  const root = mkdtempSync(join(tmpdir(), 'gad-bench-train-'));
  try {
    const out = join(root, 'out');
    mkdirSync(join(out, 'data'), { recursive: true });
    const n = Math.ceil(mib / 64);
    const shards = [];
    for (let i = 0; i < n; i++) {
      const file = `data/train-${String(i).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.parquet`;
      const bytes = randomBytes(64 * 1024 * 1024);
      writeFileSync(join(out, file), bytes);
      shards.push({ split: 'train', file, rows: 1000, bytes: bytes.length, sha256: sha256(bytes) });
    }
    const manifest = {
      target: 'verl',
      kind: 'gad',
      model: { family: 'qwen2.5-vl', patchSize: 14 },
      resize: { minPixels: 3136, maxPixels: 1003520 },
      columns: { prompt: 'prompt', answer: 'answer', images: 'images', teacher: 'teacher_response' },
      limits: { maxPromptLength: 4096, maxResponseLength: 4096 },
      shards,
    };
    writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest));
    const base = {
      profile: 'verl-gad' as const,
      data: out,
      modelPath: 'Qwen/Qwen2.5-VL-7B-Instruct',
      rewardModelPath: 'Qwen/Qwen2.5-VL-3B-Instruct',
    };
    const rows: Array<Record<string, string | number>> = [];
    let t = performance.now();
    const plan = await planTraining(base);
    rows.push({ step: 'planTraining', shards: n, MiB: n * 64, ms: Math.round(performance.now() - t) });
    for (const noVerify of [true, false]) {
      t = performance.now();
      const checks = await preflight(plan, { ...base, noVerify });
      const ms = performance.now() - t;
      rows.push({
        step: noVerify ? 'preflight --no-verify' : 'preflight (sha256)',
        shards: n,
        MiB: n * 64,
        ms: Math.round(ms),
        'MiB/s': noVerify ? '' : Math.round((n * 64) / (ms / 1000)),
        failed:
          checks
            .filter((c) => !c.ok)
            .map((c) => c.check)
            .join(',') || 'none',
      });
    }
    return rows;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
