/**
 * Samples for export tests: real PNG/JPEG images made with sharp from seeded pseudo-random pixels
 * (so a child process makes the same bytes), `formatted` filled as the format stage would.
 */
import sharp from 'sharp';
import { createHash } from 'node:crypto';
import type { Manifest, Sample, ShardInfo } from '../../src/core/types.js';
import type { SchemaOptions } from '../../src/output/parquet-schema.js';

function pixels(seed: number, width: number, height: number): Buffer {
  const buf = Buffer.alloc(width * height * 3);
  let x = (seed * 2654435761 + 12345) >>> 0;
  for (let i = 0; i < buf.length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    buf[i] = x >>> 24;
  }
  return buf;
}

export async function makeImage(
  seed: number,
  width: number,
  height: number,
  format: 'png' | 'jpeg',
): Promise<Uint8Array> {
  const img = sharp(pixels(seed, width, height), { raw: { width, height, channels: 3 } });
  const out = format === 'png' ? await img.png().toBuffer() : await img.jpeg({ quality: 90 }).toBuffer();
  return new Uint8Array(out);
}

export interface SampleSpec {
  split?: string;
  /** image side in pixels (square-ish), default 56 */
  size?: number;
  teacher?: boolean;
  nullAnswer?: boolean;
}

/** Sample number `i` (deterministic): odd rows JPEG, even rows PNG; every 5th row has a unicode problem. */
export async function makeSample(i: number, spec: SampleSpec = {}): Promise<Sample> {
  const size = spec.size ?? 56;
  const format: 'png' | 'jpeg' = i % 2 === 0 ? 'png' : 'jpeg';
  const width = size;
  const height = size + 28 * (i % 3);
  const bytes = await makeImage(i, width, height, format);
  const problem = i % 5 === 0 ? `<image>Trouve l'angle θ n°${i} — 三角形?` : `<image>What is x in figure ${i}?`;
  const answer = spec.nullAnswer && i % 4 === 3 ? null : String(i * 7);
  const teacher = spec.teacher ? `<think>row ${i}</think>\\boxed{${i * 7}}<|im_end|>` : undefined;
  return {
    split: spec.split ?? 'train',
    index: i,
    id: `row-${i}`,
    source: 'test',
    dataSource: 'hiyouga/geometry3k',
    problem,
    answer,
    images: [{ bytes, path: null }],
    teacherResponse: teacher,
    extra: i % 7 === 6 ? { ability: 'geometry' } : {},
    formatted: {
      formatted: `${problem} You FIRST think about the reasoning process.`,
      textTokens: 40 + i,
      imageTokens: 4,
      promptTokens: 43 + i,
      images: [
        {
          bytes,
          path: i % 3 === 0 ? null : `row-${i}-0.${format === 'png' ? 'png' : 'jpg'}`,
          format,
          origWidth: width,
          origHeight: height,
          width,
          height,
          resized: [width, height],
          tokens: 4,
          reencoded: false,
          sha256: createHash('sha256').update(bytes).digest('hex'),
        },
      ],
      responseTokens: teacher ? 12 : null,
      teacherResponse: teacher ?? null,
    },
  };
}

export async function makeSamples(n: number, spec: SampleSpec = {}, start = 0): Promise<Sample[]> {
  const out: Sample[] = [];
  for (let i = start; i < start + n; i++) out.push(await makeSample(i, spec));
  return out;
}

export const VERL_GAD: SchemaOptions = {
  target: 'verl',
  kind: 'gad',
  promptKey: 'prompt',
  answerKey: 'answer',
  imageKey: 'images',
};
export const VERL_GRPO: SchemaOptions = { ...VERL_GAD, kind: 'grpo' };
export const EASYR1_GAD: SchemaOptions = {
  target: 'easyr1',
  kind: 'gad',
  promptKey: 'problem',
  answerKey: 'answer',
  imageKey: 'images',
};
export const EASYR1_GRPO: SchemaOptions = { ...EASYR1_GAD, kind: 'grpo' };

const stats = (n: number) => ({ count: n, min: 1, p50: 2, p90: 3, p95: 3, p99: 4, max: 4, mean: 2.5 });

/** A plausible manifest for the written shards. */
export function makeManifest(
  opts: SchemaOptions,
  shards: ShardInfo[],
  rows: Record<string, number>,
  license?: string,
): Manifest {
  return {
    tool: { name: 'gad-data', version: '0.1.0' },
    target: opts.target,
    kind: opts.kind,
    config: { target: opts.target, shard_size: 1000, ...(license ? { license } : {}) },
    sources: [
      {
        split: 'train',
        spec: 'test://rows',
        kind: 'fixture',
        files: [{ path: 'rows.jsonl', bytes: 10, sha256: 'ab'.repeat(32) }],
      },
    ],
    model: {
      name: 'Qwen2.5-VL-7B-Instruct',
      family: 'qwen2.5-vl',
      patchSize: 14,
      mergeSize: 2,
      factor: 28,
      minPixels: 3136,
      maxPixels: 12845056,
      tokenizerSha256: 'cd'.repeat(32),
      chatTemplateSha256: 'ef'.repeat(32),
    },
    resize: { pipeline: 'processor', minPixels: 3136, maxPixels: 12845056, trainer: 'verl' },
    columns: {
      prompt: opts.promptKey,
      answer: opts.answerKey,
      images: opts.imageKey,
      teacher: opts.kind === 'gad' ? 'teacher_response' : null,
    },
    formatPrompt: { name: 'math', sha256: '01'.repeat(32), file: null },
    limits: { maxPromptLength: 4096, maxResponseLength: 4096 },
    splits: Object.fromEntries(
      Object.entries(rows).map(([s, n]) => [s, { rowsIn: n + 1, rowsOut: n, dropped: { prompt_too_long: 1 } }]),
    ),
    shards,
    tokens: Object.fromEntries(
      Object.entries(rows).map(([s, n]) => [
        s,
        { prompt: stats(n), text: stats(n), image: stats(n), response: opts.kind === 'gad' ? stats(n) : null },
      ]),
    ),
  };
}
