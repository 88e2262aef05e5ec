import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../../src/core/paths.js';
import { GadError } from '../../src/core/errors.js';
import { reportFromFiles } from '../../src/validate/report-from-files.js';
import { validateFiles } from '../../src/validate/files.js';
import { runCli } from '../helpers/gad-cli.js';
import { pngOf, writeCraftedParquet, type CraftRow } from '../helpers/validate-parquet.js';

const fixture = (name: string) => packagePath('test', 'fixtures', 'parquet', name);
const DEEPEYES = fixture('deepeyes_mini_10.parquet');
const LLAMAFACTORY = fixture('llamafactory_mllm_example_test-0.parquet');
const DATAJUICER = fixture('data-juicer_demo-dataset-images-bytes.parquet');

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'gad-validate-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('reference files: deepeyes is a clean verl file, the others have real problems', async () => {
  const clean = await validateFiles([DEEPEYES], { target: 'verl' });
  assert.equal(clean.exitCode, 0, clean.text);
  assert.equal(clean.summary.rows, 10);
  assert.equal(clean.violations.length, 0);

  const lf = await validateFiles([LLAMAFACTORY], { target: 'verl' });
  assert.equal(lf.exitCode, 1);
  // Path-only images: one violation per row, and the missing verl columns.
  assert.equal(lf.violations.filter((v) => v.code === 'image_undecodable').length, 3);
  assert.deepEqual(
    lf.violations.filter((v) => v.code === 'image_undecodable').map((v) => v.row),
    [0, 1, 2],
  );
  assert.ok(lf.violations.some((v) => v.code === 'schema' && v.row === -1 && /`prompt`/.test(v.problem)));
  assert.match(lf.text, /row 0: image_undecodable: .*path only: data\/images\/1\.jpg/);

  const dj = await validateFiles([DATAJUICER], { target: 'verl' });
  assert.equal(dj.exitCode, 1);
  assert.ok(dj.violations.some((v) => v.code === 'schema' && /list<string>/.test(v.problem)));

  // EasyR1 with the data-juicer columns mapped: a text prompt, but the images are path strings.
  const dj2 = await validateFiles([DATAJUICER], { target: 'easyr1', promptKey: 'text', answerKey: 'text' });
  assert.equal(dj2.exitCode, 1);
  assert.ok(
    dj2.violations.some((v) => v.code === 'image_count_mismatch'),
    dj2.text,
  ); // "<__dj__image>" is not "<image>"
});

test('token counts and limits with --model (deepeyes, Qwen2.5-VL and Qwen3-VL)', async () => {
  const q25 = await validateFiles([DEEPEYES], { target: 'verl', model: 'qwen2.5-vl' });
  const t = q25.summary.files[0]!.tokens!;
  assert.equal(t.prompt.count, 10);
  assert.ok(t.prompt.min > t.text.min && t.image.min > 0);
  const q3 = await validateFiles([DEEPEYES], { target: 'verl', model: 'qwen3-vl' });
  assert.notDeepEqual(
    q3.summary.files[0]!.tokens!.image,
    t.image,
    'the 32-px factor of Qwen3-VL gives other image token counts',
  );
  // A limit below the longest prompt: exactly the rows above it are violations.
  const limit = Math.floor(t.prompt.p50);
  const r = await validateFiles([DEEPEYES], { target: 'verl', model: 'qwen2.5-vl', maxPromptLength: limit });
  assert.equal(r.exitCode, 1);
  const over = r.violations.filter((v) => v.code === 'prompt_too_long');
  assert.ok(over.length >= 1 && over.length <= 5, `${over.length}`);
  for (const v of over) assert.match(v.problem, new RegExp(`> max_prompt_length ${limit}`));
  const ok = await validateFiles([DEEPEYES], { target: 'verl', model: 'qwen2.5-vl', maxPromptLength: t.prompt.max });
  assert.equal(ok.exitCode, 0, 'a prompt of exactly the limit is kept');
  await assert.rejects(
    validateFiles([DEEPEYES], { target: 'verl', maxPromptLength: 100 }),
    (e: unknown) => e instanceof GadError && e.exitCode === 2,
  );
});

test('crafted verl file: each problem found on its row; exit 1; a good file exits 0', async () => {
  await withDir(async (dir) => {
    const good = await pngOf(64, 48);
    const user = (content: string) => [{ role: 'user', content }];
    const truncated = good.subarray(0, Math.floor(good.length / 2));
    const rows: CraftRow[] = [
      { prompt: user('<image>What is the angle?'), images: [{ bytes: good, path: 'a.png' }] }, // 0 ok
      { prompt: user('<image>Path only'), images: [{ bytes: null, path: '/elsewhere/b.png' }] }, // 1
      {
        prompt: user('<image>Garbage'),
        images: [{ bytes: new TextEncoder().encode('not an image at all'), path: null }],
      }, // 2
      { prompt: user('<image><image>Two tags'), images: [{ bytes: good, path: null }] }, // 3
      {
        prompt: user('<image><image>Two images'),
        images: [
          { bytes: good, path: null },
          { bytes: good, path: null },
        ],
      }, // 4
      { prompt: user('<image>  '), images: [{ bytes: good, path: null }] }, // 5
      { prompt: user('<image>Truncated'), images: [{ bytes: truncated, path: null }] }, // 6
      { prompt: user('<image>Thin'), images: [{ bytes: await pngOf(1, 300), path: null }] }, // 7
      { prompt: user('No image'), images: [] }, // 8
    ];
    const bad = join(dir, 'bad.parquet');
    await writeCraftedParquet(bad, rows, 'verl');
    const r = await validateFiles([bad], { target: 'verl', firstN: 3 });
    assert.equal(r.exitCode, 1, r.text);
    const codes = (row: number) =>
      r.violations
        .filter((v) => v.row === row)
        .map((v) => v.code)
        .sort();
    assert.deepEqual(codes(0), []);
    assert.deepEqual(codes(1), ['image_undecodable']);
    assert.deepEqual(codes(2), ['image_undecodable']);
    assert.deepEqual(codes(3), ['image_count_mismatch']);
    assert.deepEqual(codes(4), ['multi_image']);
    assert.deepEqual(codes(5), ['empty_prompt']);
    assert.deepEqual(codes(6), ['image_undecodable']);
    assert.deepEqual(codes(7), ['aspect_ratio']);
    // without --model, the processor's rule and message (format's): Python's ValueError, its float repr
    assert.match(
      r.violations.find((v) => v.row === 7)!.problem,
      /1x300\): the processor raises ValueError: absolute aspect ratio must be smaller than 200, got 300\.0$/,
    );
    // No tag, no image: a text-only row, which verl and EasyR1 train on; a violation only with requireImage.
    assert.deepEqual(codes(8), []);
    assert.equal(r.summary.rowsWithErrors, 7);
    const req = await validateFiles([bad], { target: 'verl', requireImage: true });
    assert.deepEqual(
      req.violations.filter((v) => v.row === 8).map((v) => v.code),
      ['no_image'],
      'no tag, no image: no_image only',
    );
    // Only the first 3 offending rows are printed, then a count.
    assert.equal((r.text.match(/^ {2}row \d+:/gm) ?? []).length, 3);
    assert.match(r.text, /… 4 more offending row\(s\)/);

    const goodFile = join(dir, 'good.parquet');
    await writeCraftedParquet(
      goodFile,
      [rows[0]!, { prompt: user('Compare <image> sides.'), images: [{ bytes: await pngOf(300, 200), path: null }] }],
      'verl',
    );
    const g = await validateFiles([goodFile], { target: 'verl', model: 'qwen2.5-vl', maxPromptLength: 4096 });
    assert.equal(g.exitCode, 0, g.text);
    assert.match(g.text, /OK: 1 file\(s\), 2 row\(s\)/);

    // Unusable input wins: exit 2, the other files are still checked.
    const junk = join(dir, 'junk.parquet');
    await writeFile(junk, 'this is not parquet');
    const u = await validateFiles([goodFile, junk, bad], { target: 'verl' });
    assert.equal(u.exitCode, 2);
    assert.equal(u.summary.files[1]!.unusable, true);
    assert.equal(u.summary.files[2]!.rowsWithErrors, 7);
    const missing = await validateFiles([join(dir, 'nope.parquet')], { target: 'verl' });
    assert.equal(missing.exitCode, 2);
    assert.match(missing.text, /nope\.parquet/);
  });
});

interface GoldenPrompt {
  model: string;
  format_prompt: string;
  problem: string;
  formatted: string;
  image_sizes: [number, number][];
  expanded_len: number;
  image_tokens: number[];
}

test('prompt tokens equal the HF processor (golden expanded_len), EasyR1 layout with format prompt and verl layout', async () => {
  const golden = readFileSync(packagePath('test', 'golden', 'prompts_public.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as GoldenPrompt)
    .filter(
      (g) =>
        g.model === 'qwen2.5-vl' &&
        g.format_prompt === 'math' &&
        g.image_sizes.length === 1 &&
        g.image_sizes[0]![0] * g.image_sizes[0]![1] < 300_000,
    )
    .slice(0, 12);
  assert.ok(golden.length >= 5);
  await withDir(async (dir) => {
    const imgs = await Promise.all(golden.map((g) => pngOf(g.image_sizes[0]![0], g.image_sizes[0]![1])));
    const easy = join(dir, 'easyr1.parquet');
    await writeCraftedParquet(
      easy,
      golden.map((g, i) => ({ prompt: g.problem, images: [{ bytes: imgs[i]!, path: null }] })),
      'easyr1',
    );
    const verl = join(dir, 'verl.parquet');
    await writeCraftedParquet(
      verl,
      golden.map((g, i) => ({
        prompt: [{ role: 'user', content: g.formatted }],
        images: [{ bytes: imgs[i]!, path: null }],
      })),
      'verl',
    );
    const want = golden.map((g) => g.expanded_len);
    const sum = want.reduce((a, b) => a + b, 0);
    for (const [file, target] of [
      [easy, 'easyr1'],
      [verl, 'verl'],
    ] as const) {
      const r = await validateFiles([file], {
        target,
        model: 'qwen2.5-vl',
        formatPrompt: 'math',
        pipeline: 'processor',
      });
      const s = r.summary.files[0]!.tokens!.prompt;
      assert.equal(s.count, golden.length, r.text);
      assert.equal(s.min, Math.min(...want), target);
      assert.equal(s.max, Math.max(...want), target);
      // The mean is rounded to 2 decimals (STATS_DECIMALS).
      assert.ok(Math.abs(s.mean - sum / s.count) <= 0.005 + 1e-9, `${target}: mean ${s.mean} ≠ ${sum / s.count}`);
      const img = r.summary.files[0]!.tokens!.image;
      assert.ok(Math.abs(img.mean - golden.reduce((a, g) => a + g.image_tokens[0]!, 0) / img.count) <= 0.005 + 1e-9);
    }
    // reportFromFiles over the same file: same numbers, target detected from the prompt column.
    const rep = await reportFromFiles([verl], { model: 'qwen2.5-vl', pipeline: 'processor' });
    assert.equal(rep.target, 'verl');
    assert.equal(rep.total.tokens.prompt.max, Math.max(...want));
    assert.equal(rep.total.rows, golden.length);
  });
});

test('reportFromFiles counts problem rows as drops and teacher responses', async () => {
  await withDir(async (dir) => {
    const good = await pngOf(100, 80);
    const f = join(dir, 'train.parquet');
    await writeCraftedParquet(
      f,
      [
        {
          prompt: '<image>ok one',
          images: [{ bytes: good, path: null }],
          teacher: '<think>a</think> \\boxed{1}<|im_end|>',
        },
        { prompt: '<image>ok two', images: [{ bytes: good, path: null }], teacher: 'short' },
        { prompt: '<image>no teacher', images: [{ bytes: good, path: null }], teacher: null },
        { prompt: 'no tag', images: [{ bytes: good, path: null }], teacher: 'x' },
      ],
      'easyr1',
    );
    const rep = await reportFromFiles([f], { model: 'qwen3-vl', target: 'easyr1', maxResponseLength: 2 });
    assert.equal(rep.kind, 'gad');
    assert.equal(rep.total.rows, 1);
    assert.equal(rep.drops.total.no_teacher_response, 1);
    assert.equal(rep.drops.total.image_count_mismatch, 1);
    assert.equal(rep.drops.total.response_too_long, 1);
    assert.ok(rep.total.tokens.response!.max <= 2);
    assert.equal(rep.recommendation.maxResponseLength, 256);
  });
});

test('a token limit without --model is a usage error (exit 2), --max-response-length as --max-prompt-length', async () => {
  for (const [flag, opts] of [
    ['--max-prompt-length', { maxPromptLength: 512 }],
    ['--max-response-length', { maxResponseLength: 512 }],
  ] as const) {
    await assert.rejects(
      validateFiles([DEEPEYES], { target: 'verl', ...opts }),
      (e: unknown) =>
        e instanceof GadError && e.exitCode === 2 && e.message.includes(flag) && /--model/.test(e.hint ?? ''),
      flag,
    );
  }
  const r = await runCli(['validate', DEEPEYES, '--target', 'verl', '--max-response-length', '512'], {
    cwd: tmpdir(),
  });
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /--max-response-length needs --model/);
});
