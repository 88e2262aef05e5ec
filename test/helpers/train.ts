/** Helpers for the launcher tests: a hand-written build folder and the recording fake verl. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { sha256 } from '../../src/core/hash.js';
import { packagePath } from '../../src/core/paths.js';
import type { Manifest } from '../../src/core/types.js';

export interface FakeBuild {
  root: string;
  outDir: string;
  manifest: Manifest;
  cleanup: () => void;
}

export interface FakeBuildOptions {
  family?: 'qwen2.5-vl' | 'qwen3-vl';
  target?: 'verl' | 'easyr1';
  kind?: 'gad' | 'grpo';
  /** Shards per split, e.g. { train: 2, test: 1 }. */
  splits?: Record<string, number>;
  rowsPerShard?: number;
  maxPromptLength?: number;
  maxResponseLength?: number;
  formatPrompt?: { name: string; file: string | null; text?: string };
}

/** A build folder with manifest.json and shard files of random bytes whose sha256 the manifest records. */
export function makeFakeBuild(o: FakeBuildOptions = {}): FakeBuild {
  const root = mkdtempSync(join(tmpdir(), 'gad-train-'));
  const outDir = join(root, 'out');
  mkdirSync(join(outDir, 'data'), { recursive: true });
  const family = o.family ?? 'qwen2.5-vl';
  const patch = family === 'qwen3-vl' ? 16 : 14;
  const splits = o.splits ?? { train: 2, test: 1 };
  const rows = o.rowsPerShard ?? 40;
  const shards: Manifest['shards'] = [];
  for (const [split, n] of Object.entries(splits)) {
    for (let i = 0; i < n; i++) {
      const file = `data/${split}-${String(i).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.parquet`;
      const bytes = randomBytes(256 + i);
      writeFileSync(join(outDir, file), bytes);
      shards.push({ split, file, rows, bytes: bytes.length, sha256: sha256(bytes) });
    }
  }
  let formatPrompt: Manifest['formatPrompt'] = { name: 'none', sha256: '', file: null };
  if (o.formatPrompt) {
    const text = o.formatPrompt.text ?? '{{ content | trim }} Think first.';
    if (o.formatPrompt.file) writeFileSync(join(outDir, o.formatPrompt.file), text);
    formatPrompt = { name: o.formatPrompt.name, file: o.formatPrompt.file, sha256: sha256(text) };
  }
  const target = o.target ?? 'verl';
  const manifest = {
    tool: { name: 'gad-data', version: '0.0.0-test' },
    target,
    kind: o.kind ?? 'gad',
    config: {},
    sources: [],
    model: {
      name: family === 'qwen3-vl' ? 'Qwen/Qwen3-VL-8B-Instruct' : 'Qwen/Qwen2.5-VL-7B-Instruct',
      family,
      patchSize: patch,
      mergeSize: 2,
      factor: patch * 2,
      minPixels: family === 'qwen3-vl' ? 65536 : 3136,
      maxPixels: family === 'qwen3-vl' ? 16777216 : 12845056,
      tokenizerSha256: '0'.repeat(64),
      chatTemplateSha256: '0'.repeat(64),
    },
    resize:
      target === 'easyr1'
        ? { pipeline: 'easyr1', minPixels: 262144, maxPixels: 1003520, trainer: 'easyr1' }
        : { pipeline: 'qwen-vl-utils', minPixels: 4 * (2 * patch) ** 2, maxPixels: 1003520, trainer: 'verl' },
    columns:
      target === 'easyr1'
        ? { prompt: 'problem', answer: 'answer', images: 'images', teacher: null }
        : { prompt: 'prompt', answer: 'answer', images: 'images', teacher: 'teacher_response' },
    formatPrompt,
    limits: { maxPromptLength: o.maxPromptLength ?? 3072, maxResponseLength: o.maxResponseLength ?? 1536 },
    splits: {},
    shards,
    tokens: {},
  } as Manifest;
  writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return { root, outDir, manifest, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export const FAKE_VERL_DIR = packagePath('test', 'fixtures', 'fake-verl');

/** process.env with the fake verl first on PYTHONPATH and the record file set. */
export function fakeVerlEnv(record: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', FAKE_VERL_RECORD: record, ...extra };
  env.PYTHONPATH = [FAKE_VERL_DIR, process.env.PYTHONPATH].filter(Boolean).join(delimiter);
  for (const k of [
    'MODEL_PATH',
    'REWARD_MODEL_PATH',
    'PYTHON',
    'HYDRA_FULL_ERROR',
    'TOKENIZERS_PARALLELISM',
    'NCCL_TIMEOUT',
  ]) {
    if (!(k in extra)) delete env[k];
  }
  return env;
}

/** A local model folder with a config.json of the given model_type. */
export function makeModelDir(parent: string, name: string, modelType: string, patch: number): string {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ model_type: modelType, vision_config: { patch_size: patch } }),
  );
  return dir;
}

/** A writable stream that keeps what is written. */
export class Capture {
  text = '';
  write(d: string | Uint8Array): boolean {
    this.text += typeof d === 'string' ? d : Buffer.from(d).toString();
    return true;
  }
}
