/**
 * Memory and time (issue 23, item 5): what the headers already decide is decided without the expensive work.
 * - A row whose prompt is over max_prompt_length with the image tokens its header gives is never decoded: an image
 *   whose pixel data is corrupt (only a decode finds that) is dropped as `prompt_too_long` in such a row (it used to
 *   be decoded first, and dropped as `image_undecodable`), while in a row that fits it is still decoded and refused.
 * - A teacher answer far over max_response_length is not tokenized whole: `response_too_long` with a lower bound,
 *   `response_at_least: true`; an answer under the limit is counted exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { build } from '../../src/index.js';
import { loadModelProfile } from '../../src/model/model-profile.js';
import { loadFormatPrompt } from '../../src/model/chat-template.js';
import { PromptCounter } from '../../src/model/token-counts.js';
import { proseText } from '../helpers/prose-text.js';
import { readJsonl } from '../helpers/files.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-header-first-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** A PNG with a valid header and chunk CRCs whose compressed pixel data is garbage: only a decode can tell. */
async function corruptPng(w: number, h: number): Promise<Buffer> {
  const good = await sharp({ create: { width: w, height: h, channels: 3, background: '#808080' } })
    .png()
    .toBuffer();
  const out = Buffer.from(good);
  for (let off = 8; off < out.length;) {
    const len = out.readUInt32BE(off);
    if (out.toString('latin1', off + 4, off + 8) === 'IDAT') {
      for (let i = off + 8 + 2; i < off + 8 + len; i++) out[i] = (i * 97) & 255;
      out.writeUInt32BE(crc32(out.subarray(off + 4, off + 8 + len)) >>> 0, off + 8 + len);
    }
    off += 12 + len;
  }
  return out;
}

const WORDS = ['the', 'triangle', 'angle', 'is', '12', 'degrees', 'so', 'side', 'x', 'equals', '3.5'];
const prose = (bytes: number) => proseText({ bytes, words: WORDS });

test(
  'header first: a row over the limits from its headers is dropped for length without decoding; long answers are not tokenized whole',
  { timeout: 300_000 },
  async () => {
    const dir = join(tmp, 'data');
    mkdirSync(join(dir, 'img'), { recursive: true });
    writeFileSync(join(dir, 'img', 'big-corrupt.png'), await corruptPng(2000, 2000));
    writeFileSync(join(dir, 'img', 'small-corrupt.png'), await corruptPng(64, 64));
    writeFileSync(
      join(dir, 'img', 'ok.png'),
      await sharp({ create: { width: 64, height: 64, channels: 3, background: '#336699' } })
        .png()
        .toBuffer(),
    );
    const rows = [
      { id: 'big-corrupt', problem: '<image>Find x.', answer: '1', images: ['img/big-corrupt.png'] },
      { id: 'small-corrupt', problem: '<image>Find x.', answer: '1', images: ['img/small-corrupt.png'] },
      { id: 'long-answer', problem: '<image>Find y.', answer: '2', images: ['img/ok.png'] },
      { id: 'ok', problem: '<image>Find z.', answer: '3', images: ['img/ok.png'] },
    ];
    writeFileSync(join(dir, 'train.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const okAnswer = `The angle is 12 degrees, so \\boxed{3}. ${prose(2000)}`;
    const teacher = { 'big-corrupt': 'x', 'small-corrupt': 'x', 'long-answer': prose(20_000_000), ok: okAnswer };
    writeFileSync(
      join(dir, 'teacher.jsonl'),
      Object.entries(teacher)
        .map(([id, response]) => JSON.stringify({ id, response }))
        .join('\n') + '\n',
    );
    const out = join(dir, 'out');
    const r = await build({
      data: {
        train_files: join(dir, 'train.jsonl'),
        max_prompt_length: 1024,
        max_response_length: 4096,
        format_prompt: 'none',
      },
      model: 'qwen2.5-vl',
      id_key: 'id',
      teacher: { file: join(dir, 'teacher.jsonl'), ending: 'keep' },
      max_drop_ratio: 1,
      out,
    });
    assert.equal(r.exitCode, 0);
    const dropped = Object.fromEntries(readJsonl(join(out, 'dropped.jsonl')).map((d) => [d.id, d]));
    // 2000x2000 is ~5000 image tokens, over 1024 from the header alone: never decoded, so the corrupt data is not seen
    assert.equal(dropped['big-corrupt']?.reason, 'prompt_too_long', JSON.stringify(dropped['big-corrupt']));
    assert.ok(dropped['big-corrupt'].image_tokens > 1024);
    // a row that fits is decoded, and its corrupt image refused
    assert.equal(dropped['small-corrupt']?.reason, 'image_undecodable', JSON.stringify(dropped['small-corrupt']));
    // the 20 MB answer: a lower bound over the limit, said so
    const long = dropped['long-answer'];
    assert.equal(long?.reason, 'response_too_long', JSON.stringify(long));
    assert.equal(long.response_at_least, true);
    assert.ok(long.value > 4096 && long.value === long.response_tokens, `value ${long.value}`);
    assert.match(long.detail, /at least \d+ tokens/);
    // the kept row's answer is counted exactly
    const lengths = readJsonl(join(out, 'lengths.jsonl'));
    const ok = lengths.find((l) => l.id === 'ok');
    const counter = new PromptCounter(await loadModelProfile('qwen2.5-vl'), await loadFormatPrompt('none'));
    assert.equal(ok?.response_tokens, counter.countText(okAnswer));
    assert.deepEqual(r.splits.train, {
      rowsIn: 4,
      rowsOut: 1,
      dropped: { prompt_too_long: 1, image_undecodable: 1, response_too_long: 1 },
    });
  },
);

test('countWithin: exact under the limit, a lower bound over it without tokenizing the whole text', async () => {
  const counter = new PromptCounter(await loadModelProfile('qwen2.5-vl'), await loadFormatPrompt('none'));
  const calls: number[] = [];
  const encode = counter.encode.bind(counter);
  counter.encode = (text: string) => {
    calls.push(text.length);
    return encode(text);
  };
  const huge = prose(20_000_000);
  const c = counter.countWithin(huge, 4096);
  assert.equal(c.atLeast, true);
  assert.ok(c.tokens > 4096);
  assert.deepEqual(calls, [], 'the 20 MB text was not tokenized');
  const small = prose(300_000);
  const bound = counter.countWithin(small, 100);
  assert.equal(bound.atLeast, true);
  assert.ok(bound.tokens <= counter.countText(small), 'a true lower bound');
  const exact = counter.countWithin('Find x. \\boxed{2}', 4096);
  assert.deepEqual(exact, { tokens: counter.countText('Find x. \\boxed{2}') });
});
