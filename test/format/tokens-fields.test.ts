/**
 * `tokens` arithmetic a reader can check: prompt_tokens = text_tokens + image_tokens, with text_tokens
 * without the <|image_pad|> placeholders — the same definitions as lengths.jsonl, report.json and the
 * terminal table of a build.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../../src/pipeline/build.js';
import { runCli } from '../helpers/gad-cli.js';
import { readJsonl } from '../helpers/files.js';
import { pngOf } from '../helpers/validate-parquet.js';

test('tokens: text_tokens + image_tokens = prompt_tokens (one image, two images)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gad-tokfields-'));
  try {
    const one = await runCli(
      [
        'tokens',
        '--model',
        'qwen3-vl',
        '--format-prompt',
        'math',
        '--problem',
        '<image>What is x?',
        '--image',
        '640x480',
      ],
      { cwd: dir },
    );
    assert.equal(one.status, 0, one.stderr);
    const o = JSON.parse(one.stdout);
    assert.equal(o.text_tokens + o.image_tokens, o.prompt_tokens, one.stdout);
    assert.equal(o.image_tokens, 300);
    const two = await runCli(
      [
        'tokens',
        '--model',
        'qwen2.5-vl',
        '--problem',
        '<image>Compare <image> please.',
        '--image',
        '640x480',
        '--image',
        '224x224',
        '--ids',
      ],
      { cwd: dir },
    );
    assert.equal(two.status, 0, two.stderr);
    const t = JSON.parse(two.stdout);
    assert.equal(t.text_tokens + t.image_tokens, t.prompt_tokens, two.stdout);
    assert.equal(t.ids.length, t.text_tokens + t.n_images_in_text, 'ids hold one placeholder per image');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('tokens gives the same text/image/prompt counts as lengths.jsonl; report.json and the table use them', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gad-tokfields-'));
  try {
    const data = join(dir, 'data');
    await mkdir(join(data, 'images'), { recursive: true });
    const sizes: Array<[number, number]> = [
      [320, 240],
      [500, 300],
      [96, 96],
      [800, 600],
    ];
    const lines: string[] = [];
    for (let i = 0; i < sizes.length; i++) {
      const [w, h] = sizes[i]!;
      await writeFile(join(data, 'images', `q${i}.png`), await pngOf(w, h));
      lines.push(
        JSON.stringify({
          id: `q${i}`,
          problem: `<image>Question ${i}: ${'find the angle. '.repeat(i + 1)}`,
          answer: String(i),
          images: [`images/q${i}.png`],
        }),
      );
    }
    await writeFile(join(data, 'train.jsonl'), lines.join('\n') + '\n');
    const out = join(dir, 'out');
    const r = await build({
      data: { train_files: join(data, 'train.jsonl'), format_prompt: 'math' },
      id_key: 'id',
      model: 'qwen3-vl',
      out,
    });
    const lengths = readJsonl(join(out, 'lengths.jsonl'));
    assert.equal(lengths.length, sizes.length);

    const req =
      lengths
        .map((l, i) => JSON.stringify({ id: l.id, problem: JSON.parse(lines[i]!).problem, image_sizes: [sizes[i]] }))
        .join('\n') + '\n';
    await writeFile(join(dir, 'req.jsonl'), req);
    const res = await runCli(
      ['tokens', '--model', 'qwen3-vl', '--format-prompt', 'math', '--pipeline', 'processor', '--jsonl', 'req.jsonl'],
      { cwd: dir },
    );
    assert.equal(res.status, 0, res.stderr);
    const got = res.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    got.forEach((g, i) => {
      const l = lengths[i]!;
      assert.equal(g.id, l.id);
      assert.deepEqual(
        [g.text_tokens, g.image_tokens, g.prompt_tokens],
        [l.text_tokens, l.image_tokens, l.prompt_tokens],
        `row ${l.id}`,
      );
      assert.equal(l.text_tokens + l.image_tokens, l.prompt_tokens);
    });
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    assert.equal(report.total.tokens.text.max, Math.max(...lengths.map((l) => l.text_tokens)));
    assert.equal(report.total.tokens.image.max, Math.max(...lengths.map((l) => l.image_tokens)));
    assert.equal(report.total.tokens.prompt.min, Math.min(...lengths.map((l) => l.prompt_tokens)));
    const textRow = r.summary.split('\n').find((l) => /^train\s+text/.test(l))!;
    assert.ok(textRow.trim().endsWith(String(Math.max(...lengths.map((l) => l.text_tokens)))), textRow);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
