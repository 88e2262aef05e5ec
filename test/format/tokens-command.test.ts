import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { GadError } from '../../src/core/errors.js';
import { countOne, parseSize, runTokensCommand, type TokensLine } from '../../src/tokens/tokens-command.js';
import { loadModelProfile } from '../../src/model/model-profile.js';
import { resizeFor } from '../../src/images/resize.js';
import { goldenPrompts } from '../helpers/format-golden.js';

async function run(
  opts: Parameters<typeof runTokensCommand>[0],
  text: string | string[],
): Promise<{ out: TokensLine[]; res: { lines: number; errors: number } }> {
  const input = Readable.from(Array.isArray(text) ? text.map((t) => Buffer.from(t)) : [Buffer.from(text)]);
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on('data', (c: Buffer) => chunks.push(c));
  const res = await runTokensCommand(opts, input, output);
  output.end();
  const body = Buffer.concat(chunks).toString('utf8');
  assert.ok(body.endsWith('\n'));
  return {
    out: body
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as TokensLine),
    res,
  };
}

describe('gad-data tokens (runTokensCommand)', () => {
  for (const model of ['qwen2.5-vl', 'qwen3-vl'] as const) {
    it(`${model}: every golden prompt line gives the processor's expanded length and ids`, async () => {
      const lines = goldenPrompts().filter((g) => g.model === model);
      const input =
        lines
          .map((g) =>
            JSON.stringify({
              id: g.id,
              problem: g.problem,
              image_sizes: g.image_sizes,
              format_prompt: g.format_prompt,
            }),
          )
          .join('\n') + '\n';
      const { out, res } = await run({ model, formatPrompt: 'none', pipeline: 'processor', ids: true }, input);
      assert.deepEqual(res, { lines: lines.length, errors: 0 });
      assert.equal(out.length, lines.length);
      lines.forEach((g, i) => {
        const o = out[i]!;
        assert.equal(o.line, i + 1);
        assert.equal(o.id, g.id);
        assert.equal(o.prompt_tokens, g.expanded_len, `id ${g.id}`);
        assert.equal(
          o.text_tokens,
          g.text_ids.length - g.image_sizes.length,
          'text tokens exclude the image placeholders',
        );
        assert.equal(o.text_tokens! + o.image_tokens!, o.prompt_tokens, 'text + image = prompt');
        assert.deepEqual(o.ids, g.text_ids);
        assert.deepEqual(o.image_tokens_each, g.image_tokens);
        assert.equal(
          o.image_tokens,
          g.image_tokens.reduce((a, b) => a + b, 0),
        );
        assert.deepEqual(
          o.resized,
          g.image_grid_thw.map(([, h, w]) => [
            w * (model === 'qwen3-vl' ? 16 : 14),
            h * (model === 'qwen3-vl' ? 16 : 14),
          ]),
        );
        assert.equal(o.error, undefined);
      });
    });
  }

  it('reports bad lines and goes on; blank lines are skipped; CRLF and split chunks are fine', async () => {
    const good = JSON.stringify({ problem: '<image>Find x.', image_sizes: [[640, 480]] });
    const text = [
      good,
      'not json',
      '',
      JSON.stringify({ problem: 'no placeholder', image_sizes: [[640, 480]] }),
      JSON.stringify({ problem: '<image>thin', image_sizes: [[10, 3000]] }),
      JSON.stringify({ problem: 42 }),
      JSON.stringify({ problem: '<image>x', image_sizes: [[0, 5]] }),
      JSON.stringify({ problem: '<image>x', image_sizes: [[640, 480]], pipeline: 'vllm' }),
      JSON.stringify({ problem: '<image>x', image_sizes: [[640, 480]], format_prompt: 'nope-prompt' }),
      '[1,2]',
      good,
    ].join('\r\n');
    // Feed it in small pieces that cut lines (and a multi-byte character) in half.
    const bytes = Buffer.from(text.replaceAll('Find x.', 'Find x. 三角形'));
    const pieces: string[] = [];
    for (let i = 0; i < bytes.length; i += 7) pieces.push(bytes.subarray(i, i + 7).toString('latin1'));
    const input = Readable.from(pieces.map((p) => Buffer.from(p, 'latin1')));
    const output = new PassThrough();
    const chunks: Buffer[] = [];
    output.on('data', (c: Buffer) => chunks.push(c));
    const res = await runTokensCommand(
      { model: 'qwen3-vl', formatPrompt: 'math', pipeline: 'processor' },
      input,
      output,
    );
    const out = Buffer.concat(chunks)
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as TokensLine);
    assert.deepEqual(res, { lines: 10, errors: 8 });
    assert.deepEqual(
      out.map((o) => o.line),
      [1, 2, 4, 5, 6, 7, 8, 9, 10, 11],
    );
    assert.equal(out[0]!.error, undefined);
    assert.deepEqual(out[0], out[9] && { ...out[9], line: 1 });
    assert.match(out[1]!.error!, /not valid JSON/);
    assert.match(out[2]!.error!, /0 image placeholder\(s\) but 1 image size/);
    assert.equal(out[2]!.text_tokens !== undefined, true, 'counts are still given');
    assert.match(out[3]!.error!, /image 0 \(10x3000\).*aspect ratio/);
    assert.match(out[4]!.error!, /"problem" must be a string/);
    assert.match(out[5]!.error!, /image_sizes/);
    assert.match(out[6]!.error!, /unknown pipeline "vllm"/);
    assert.match(out[7]!.error!, /nope-prompt/);
    assert.match(out[8]!.error!, /JSON object/);
    // The CJK text was not broken by the chunk boundaries: same count as a direct call.
    const direct = await countOne({
      model: 'qwen3-vl',
      formatPrompt: 'math',
      pipeline: 'processor',
      problem: '<image>Find x. 三角形',
      images: [[640, 480]],
    });
    assert.equal(out[0]!.prompt_tokens, direct.prompt_tokens);
  });

  it('per-line pipeline and format prompt; --min/--max-pixels go to the pipeline step', async () => {
    const profile = await loadModelProfile('qwen2.5-vl');
    const size: [number, number] = [300, 200];
    const lines = [
      { problem: '<image>x', image_sizes: [size] },
      { problem: '<image>x', image_sizes: [size], pipeline: 'easyr1' },
      { problem: '<image>x', image_sizes: [size], pipeline: 'qwen-vl-utils', format_prompt: 'r1v' },
    ];
    const { out } = await run(
      { model: 'qwen2.5-vl', formatPrompt: 'math', pipeline: 'processor' },
      lines.map((l) => JSON.stringify(l)).join('\n'),
    );
    const want = (['processor', 'easyr1', 'qwen-vl-utils'] as const).map((p) => {
      const r = resizeFor(...size, p, profile.geometry);
      assert.ok(r.ok);
      return r;
    });
    assert.deepEqual(
      out.map((o) => o.resized![0]),
      want.map((r) => r.resized),
    );
    assert.deepEqual(
      out.map((o) => o.image_tokens),
      want.map((r) => r.tokens),
    );
    assert.notEqual(want[0]!.tokens, want[1]!.tokens, 'EasyR1 upscales small images (min 262144 px)');
    assert.ok(out[2]!.text_tokens! > out[0]!.text_tokens!, 'r1v is longer than math');

    // EasyR1 with its min_pixels lowered: no upscale, same as the processor alone here.
    const low = await countOne({
      model: 'qwen2.5-vl',
      formatPrompt: 'math',
      pipeline: 'easyr1',
      minPixels: 3136,
      problem: '<image>x',
      images: [size],
    });
    assert.equal(low.image_tokens, want[0]!.tokens);
    // Processor bounds lowered: fewer tokens.
    const small = await countOne({
      model: 'qwen2.5-vl',
      formatPrompt: 'math',
      pipeline: 'processor',
      maxPixels: 28 * 28 * 16,
      problem: '<image>x',
      images: [size],
    });
    assert.ok(small.image_tokens! <= 16);
  });

  it('bad options are GadErrors before any line is read', async () => {
    await assert.rejects(run({ model: 'qwen3-vl', formatPrompt: 'nope', pipeline: 'processor' }, ''), GadError);
    await assert.rejects(run({ model: 'nope-model', formatPrompt: 'math', pipeline: 'processor' }, ''), GadError);
    await assert.rejects(
      run({ model: 'qwen3-vl', formatPrompt: 'math', pipeline: 'bogus' as 'processor' }, ''),
      GadError,
    );
    await assert.rejects(
      run({ model: 'qwen3-vl', formatPrompt: 'math', pipeline: 'easyr1', minPixels: 10, maxPixels: 5 }, ''),
      GadError,
    );
  });

  it('countOne gives the same JSON as a line (ids on request)', async () => {
    const g = goldenPrompts().find(
      (x) => x.model === 'qwen3-vl' && x.image_sizes.length === 1 && x.format_prompt === 'math',
    )!;
    const o = await countOne({
      model: 'qwen3-vl',
      formatPrompt: 'math',
      pipeline: 'processor',
      ids: true,
      problem: g.problem,
      images: g.image_sizes,
    });
    assert.equal(o.prompt_tokens, g.expanded_len);
    assert.deepEqual(o.ids, g.text_ids);
    const noIds = await countOne({
      model: 'qwen3-vl',
      formatPrompt: 'math',
      pipeline: 'processor',
      problem: g.problem,
      images: g.image_sizes,
    });
    assert.equal(noIds.ids, undefined);
  });
});

describe('parseSize', () => {
  it('WIDTHxHEIGHT', () => {
    assert.deepEqual(parseSize('640x480'), [640, 480]);
    assert.deepEqual(parseSize(' 1024X768 '), [1024, 768]);
    assert.deepEqual(parseSize('10,20'), [10, 20]);
    for (const bad of ['640', '0x480', '640x', 'axb', '-1x5', '1.5x2'])
      assert.throws(() => parseSize(bad), GadError, bad);
  });
});
