/**
 * The pieces of `generate` that decide what is asked and what is kept: the messages (every turn, `<image>`
 * split as verl / EasyR1 split it, the stored bytes as data: URLs), the answer checks (exact student tokens
 * against max_response_length, finish reasons, refusals, empty answers), and the student's default
 * temperature being the verl-gad rollout's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { packagePath } from '../../src/core/paths.js';
import type { Manifest } from '../../src/core/types.js';
import { loadModelProfile } from '../../src/model/model-profile.js';
import { countResponse } from '../../src/model/token-counts.js';
import { checkChoice } from '../../src/generate/check.js';
import { rowMessages } from '../../src/generate/messages.js';
import { GAD_ROLLOUT_TEMPERATURE, resolveSampling } from '../../src/generate/sampling.js';
import { seedGadOverrides } from '../../src/train/verl-gad.js';

const png = readFileSync(packagePath('fixtures', 'sample', 'images', 'geo-0000.png'));

test('every turn is sent, the system turn as it is, each <image> as a data: URL of the stored bytes in order', () => {
  const msgs = rowMessages({
    id: 'r1',
    split: 'train',
    messages: [
      { role: 'system', content: 'You are a careful geometer.' },
      { role: 'user', content: '<image>Find x.<image>' },
    ],
    images: [
      { bytes: png, path: null },
      { bytes: new Uint8Array([0xff, 0xd8, 0xff, 1, 2]), path: null },
    ],
  });
  assert.deepEqual(msgs[0], { role: 'system', content: 'You are a careful geometer.' });
  const parts = msgs[1]!.content as Array<{ type: string; text?: string; image_url?: { url: string } }>;
  assert.deepEqual(
    parts.map((p) => p.type),
    ['image_url', 'text', 'image_url'],
  );
  assert.equal(parts[1]!.text, 'Find x.');
  assert.equal(parts[0]!.image_url!.url, `data:image/png;base64,${png.toString('base64')}`);
  assert.equal(parts[2]!.image_url!.url, 'data:image/jpeg;base64,/9j/AQI=');
  assert.throws(
    () =>
      rowMessages({
        id: 'r2',
        split: 'train',
        messages: [{ role: 'user', content: 'no tag' }],
        images: [{ bytes: png, path: null }],
      }),
    /0 <image> tag\(s\) for 1 image\(s\)/,
  );
});

test("answers are checked in the student's exact tokens and by finish reason", async () => {
  const profile = await loadModelProfile('qwen3-vl');
  const text = '<think>\nAC^2 = 15^2 + 7^2 = 274.\n</think>\nThe answer is \\boxed{16.6}.';
  const n = countResponse(profile, text);
  const msg = (content: string, extra: Record<string, unknown> = {}) => ({
    message: { content, ...extra },
    finish_reason: 'stop',
  });
  assert.equal(checkChoice(msg(text), { profile, maxTokens: n }).drop, undefined);
  assert.equal(checkChoice(msg(text), { profile, maxTokens: n }).tokens, n);
  assert.equal(checkChoice(msg(text), { profile, maxTokens: n - 1 }).drop?.reason, 'too_long');
  assert.equal(
    checkChoice({ ...msg(text), finish_reason: 'length' }, { profile, maxTokens: 9999 }).drop?.reason,
    'truncated',
  );
  assert.equal(
    checkChoice({ ...msg(text), finish_reason: 'content_filter' }, { profile, maxTokens: 9999 }).drop?.reason,
    'content_filter',
  );
  assert.equal(
    checkChoice({ ...msg(text), finish_reason: 'tool_calls' }, { profile, maxTokens: 9999 }).drop?.reason,
    'bad_finish',
  );
  assert.equal(checkChoice(msg(' \n'), { profile, maxTokens: 9999 }).drop?.reason, 'empty');
  assert.equal(
    checkChoice(msg('', { refusal: "I can't help with that." }), { profile, maxTokens: 9999 }).drop?.reason,
    'refusal',
  );
});

test("the student's default temperature is train --profile verl-gad's rollout temperature; max_tokens the build's limit", () => {
  const manifest = {
    limits: { maxPromptLength: 2048, maxResponseLength: 1024 },
    model: { family: 'qwen3-vl', patchSize: 16 },
    columns: { prompt: 'prompt', images: 'images', answer: 'answer', teacher: 'teacher_response' },
    splits: {},
    shards: [],
    tokens: {},
  } as unknown as Manifest;
  const { overrides } = seedGadOverrides({
    manifest,
    outDir: '/x',
    trainShards: [],
    valShards: [],
    nGpus: 8,
    filter: false,
    env: {},
  });
  const t = overrides.find((o) => o.key === 'actor_rollout_ref.rollout.temperature');
  assert.equal(Number(t?.value), GAD_ROLLOUT_TEMPERATURE);
  assert.deepEqual(resolveSampling('student', manifest), { temperature: GAD_ROLLOUT_TEMPERATURE, max_tokens: 1024 });
  assert.deepEqual(resolveSampling('teacher', manifest), { max_tokens: 1024 });
  assert.deepEqual(resolveSampling('student', manifest, { temperature: 1, n: 4, seed: 7 }), {
    temperature: 1,
    max_tokens: 1024,
    n: 4,
    seed: 7,
  });
});

test('the journal: a torn last line is cut off on reopening, whole lines kept; other settings are refused', async () => {
  const { mkdtempSync, appendFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { Journal } = await import('../../src/generate/answer-journal.js');
  const dir = mkdtempSync(join(tmpdir(), 'gad-journal-'));
  try {
    const file = join(dir, 'j.jsonl');
    const settings = { role: 'teacher' as const, model: 'm', endpoint: 'h:1', sampling: { max_tokens: 8 }, build: 'b' };
    const entry = (key: string) => ({ key, request_hash: 'h', model: 'm', usage: null, choices: [] });
    const j = Journal.open(file, settings);
    j.append(entry('train/a'));
    j.append(entry('train/b'));
    j.close();
    appendFileSync(file, '{"key":"train/c","request_ha');
    const j2 = Journal.open(file, settings);
    assert.deepEqual([...j2.entries.keys()], ['train/a', 'train/b']);
    j2.append(entry('train/c'));
    j2.close();
    const lines = readFileSync(file, 'utf8').split('\n');
    assert.equal(lines.length, 5); // header, a, b, c, ''
    assert.deepEqual(
      lines.slice(1, 4).map((l) => JSON.parse(l).key),
      ['train/a', 'train/b', 'train/c'],
    );
    assert.throws(() => Journal.open(file, { ...settings, model: 'other' }), /other settings \(model differs\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
