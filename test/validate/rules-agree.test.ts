/**
 * One definition per row rule: the same bad rows, run through `build` (reading a verl parquet) and through
 * `validate` (reading the same parquet), get the same reason for each row — the reason build drops the row for
 * is the first problem validate reports for it, and a row build keeps is clean in validate.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../../src/pipeline/build.js';
import { validateFiles } from '../../src/validate/files.js';
import { readJsonl } from '../helpers/files.js';
import { pngOf, writeCraftedParquet, type CraftRow } from '../helpers/validate-parquet.js';

const MAX_PROMPT = 400;
const MAX_RESPONSE = 64;

test('build and validate give each bad row the same reason', { timeout: 600_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gad-rules-'));
  try {
    const good = (w: number, h: number) => pngOf(w, h);
    const junk = new TextEncoder().encode('not an image at all');
    const user = (content: string) => [{ role: 'user', content }];
    const teacher = (i: number) => `<think>step ${i}</think> \\boxed{${i}}`;
    const rows: Array<CraftRow & { want: string | null }> = [
      {
        want: null,
        prompt: user('<image>What is the angle?'),
        images: [{ bytes: await good(64, 48), path: 'a.png' }],
        teacher: teacher(0),
      },
      // two images, the first undecodable: a multi-image row (build used to say image_undecodable, validate multi_image)
      {
        want: 'multi_image',
        prompt: user('<image><image>Two pictures'),
        images: [
          { bytes: junk, path: null },
          { bytes: await good(40, 40), path: null },
        ],
        teacher: teacher(1),
      },
      // prompt and response both over their limits: the prompt is checked first (validate used to say response_too_long)
      {
        want: 'prompt_too_long',
        prompt: user('<image>' + 'Find the length of every side. '.repeat(80)),
        images: [{ bytes: await good(50, 50), path: null }],
        teacher: 'long answer '.repeat(60),
      },
      // a tag but no image, with images required: the count mismatch (validate used to say no_image)
      { want: 'image_count_mismatch', prompt: user('<image>Where is it?'), images: [], teacher: teacher(3) },
      {
        want: 'empty_prompt',
        prompt: user('<image>  \n'),
        images: [{ bytes: await good(30, 60), path: null }],
        teacher: teacher(4),
      },
      {
        want: 'no_teacher_response',
        prompt: user('<image>No answer here'),
        images: [{ bytes: await good(70, 30), path: null }],
        teacher: null,
      },
      {
        want: 'no_teacher_response',
        prompt: user('<image>Blank answer'),
        images: [{ bytes: await good(71, 30), path: null }],
        teacher: '  <|im_end|>',
      },
      {
        want: 'image_undecodable',
        prompt: user('<image>Garbage'),
        images: [{ bytes: junk, path: null }],
        teacher: teacher(7),
      },
      {
        want: 'aspect_ratio',
        prompt: user('<image>Thin'),
        images: [{ bytes: await good(1, 300), path: null }],
        teacher: teacher(8),
      },
      {
        want: 'response_too_long',
        prompt: user('<image>Short question'),
        images: [{ bytes: await good(80, 80), path: null }],
        teacher: 'long answer '.repeat(60),
      },
      { want: 'no_image', prompt: user('Text only'), images: [], teacher: teacher(10) },
      {
        want: null,
        prompt: user('Compare <image> sides.'),
        images: [{ bytes: await good(120, 90), path: null }],
        teacher: teacher(11),
      },
      // an SVG: sharp renders it, Pillow (the trainers) cannot open it (validate used to pass it)
      {
        want: 'image_undecodable',
        prompt: user('<image>A drawing'),
        images: [
          {
            bytes: new TextEncoder().encode(
              '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="48"><rect width="64" height="48" fill="red"/></svg>',
            ),
            path: 'd.svg',
          },
        ],
        teacher: teacher(12),
      },
    ];
    const file = join(dir, 'train.parquet');
    await writeCraftedParquet(file, rows, 'verl');

    const out = join(dir, 'out');
    const r = await build({
      data: {
        train_files: file,
        prompt_key: 'prompt',
        max_prompt_length: MAX_PROMPT,
        max_response_length: MAX_RESPONSE,
      },
      target: 'verl',
      model: 'qwen3-vl',
      teacher: { column: 'teacher_response' },
      require_image: true,
      max_drop_ratio: 1,
      out,
    });
    assert.equal(r.exitCode, 0);
    const dropped = readJsonl(join(out, 'dropped.jsonl')) as Array<{ index: number; reason: string }>;
    const byBuild = rows.map((_, i) => dropped.find((d) => d.index === i)?.reason ?? null);
    assert.deepEqual(
      byBuild,
      rows.map((x) => x.want),
      'build: one reason per row',
    );

    const v = await validateFiles([file], {
      target: 'verl',
      model: 'qwen3-vl',
      maxPromptLength: MAX_PROMPT,
      maxResponseLength: MAX_RESPONSE,
      requireImage: true,
      maxViolations: 10_000,
    });
    const byValidate = rows.map((_, i) => v.violations.find((x) => x.row === i)?.code ?? null);
    assert.deepEqual(byValidate, byBuild, 'validate: the first problem of each row is the reason build drops it for');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test(
  'validate counts images with the build pixel bounds (--max-pixels sets the pipeline bounds named in PIPELINES)',
  { timeout: 600_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gad-bounds-'));
    try {
      const user = (content: string) => [{ role: 'user', content }];
      const rows: CraftRow[] = [
        { prompt: user('<image>How long is AB?'), images: [{ bytes: await pngOf(800, 600), path: null }] },
        { prompt: user('<image>Which angle is larger?'), images: [{ bytes: await pngOf(640, 640), path: null }] },
      ];
      const file = join(dir, 'train.parquet');
      await writeCraftedParquet(file, rows, 'verl');
      for (const pipeline of ['qwen-vl-utils', 'processor'] as const) {
        const out = join(dir, `out-${pipeline}`);
        await build({
          data: { train_files: file, prompt_key: 'prompt', max_pixels: 100_000 },
          target: 'verl',
          pipeline,
          // A processor-pipeline verl build writes every image at the processor's size (verl pre-resizes originals).
          resize: pipeline === 'processor' ? 'always' : 'auto',
          model: 'qwen3-vl',
          out,
        });
        const lengths = readJsonl(join(out, 'lengths.jsonl')) as Array<{ image_tokens: number }>;
        assert.equal(lengths.length, 2);
        const built = lengths.map((l) => l.image_tokens);
        const v = await validateFiles([file], { target: 'verl', model: 'qwen3-vl', pipeline, maxPixels: 100_000 });
        const img = v.summary.files[0]!.tokens!.image;
        assert.deepEqual(
          [img.min, img.max],
          [Math.min(...built), Math.max(...built)],
          `${pipeline}: validate counts what build counted`,
        );
        const unbounded = await validateFiles([file], { target: 'verl', model: 'qwen3-vl', pipeline });
        assert.ok(
          unbounded.summary.files[0]!.tokens!.image.max > img.max,
          `${pipeline}: the bound matters for these images`,
        );
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
