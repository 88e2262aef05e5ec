/**
 * The recipe exports' lengths derived from the build's counts (src/recipes/derived-lengths.ts) are the tokenizer's:
 * for Qwen2.5-VL and Qwen3-VL (the real tokenizer.json and chat templates in fixtures/models), every conversation —
 * with and without a system turn, multi-line answers, `<think>` blocks, CJK, answers holding or ending with
 * `<|im_end|>`, every golden response text — is rendered with the model's chat template and tokenized with
 * `Tokenizer.encode` itself; the derived prompt / total / response lengths must equal those counts whenever the
 * derivation applies, and it must apply to the ordinary cases (so the check is not vacuous). Where it does not
 * apply (an answer starting with white space), the counter's result still equals the tokenizer's.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Manifest } from '../../src/core/types.js';
import { buildMessages, renderChat } from '../../src/model/chat-template.js';
import { type ModelProfile, loadModelProfile } from '../../src/model/model-profile.js';
import { PromptCounter, applyTeacherEnding, countResponse } from '../../src/model/token-counts.js';
import {
  type BuiltCounts,
  type LengthShortcut,
  KNOWN_TEMPLATES,
  answerJoinsCleanly,
  conversationTextTokens,
  lengthShortcut,
  promptTextTokens,
  teacherAnswerTokens,
} from '../../src/recipes/derived-lengths.js';
import { RecipeCounter, stripImEnd } from '../../src/recipes/lengths.js';
import { goldenResponses } from '../helpers/format-golden.js';

const MODELS = ['qwen2.5-vl', 'qwen3-vl'] as const;
const profiles = new Map<string, ModelProfile>();

before(async () => {
  for (const m of MODELS) profiles.set(m, await loadModelProfile(m));
});

/** The tokenizer's count of a rendered conversation: its ids, each `<|image_pad|>` expanded to the image's tokens. */
function truth(
  profile: ModelProfile,
  messages: Array<{ role: string; content: unknown }>,
  gen: boolean,
  images: number[],
) {
  const ids = profile.tokenizer.encode(renderChat(profile, messages, { addGenerationPrompt: gen }), {
    add_special_tokens: false,
  }).ids;
  const pads = ids.filter((id: number) => id === profile.specialTokens.imagePad).length;
  assert.equal(pads, images.length);
  return ids.length - pads + images.reduce((a, b) => a + b, 0);
}

/** What the build records for the row: counted by the build's own PromptCounter (verl message list) and response count. */
function built(profile: ModelProfile, system: string | null, user: string, images: number[], stored: string) {
  const none = { name: 'none', file: null, source: null, sha256: '', render: (c: string) => c };
  const messages = [...(system === null ? [] : [{ role: 'system', content: system }]), { role: 'user', content: user }];
  const c = new PromptCounter(profile, none).countMessages(messages, messages.length - 1, images, null);
  const counts: BuiltCounts = {
    textTokens: c.textTokens,
    imageTokens: c.imageTokens,
    promptTokens: c.promptTokens,
    responseTokens: countResponse(profile, stored),
  };
  return counts;
}

const SYSTEMS = [
  null,
  'You are a helpful assistant.',
  'Solve the problem.\nThink step by step.\n\n  Answer in \\boxed{}.',
];
const USERS = [
  '<image>In right triangle ASC, the right angle is at S. AS = 15 and SC = 7. Find AC.',
  'Find x.\n<image>\nRound to the nearest tenth.  ',
  '<image>如图，在△ABC中，∠C=90°，求 AB 的长。',
  '<image> leading space, then <|im_end|> written in the question',
];
const ANSWERS = [
  '<think>\nThe angles of a triangle add up to 180 degrees.\n</think>\nThe answer is \\boxed{42}.',
  'Line one.\nLine two.\n\n\nLine five, with trailing spaces   \n',
  '由勾股定理，AC² = AS² + SC²。\n所以 AC = √274 ≈ 16.6。\n\\boxed{16.6}',
  "It's 3.14159... — see <|im_end|> in the middle, <tool_call> too.",
  'x\r\ny\r\n\tz',
  '<think>\n\n</think>\n\n16.6',
  '\u0301combining mark first',
  '😀 emoji first',
];
/** Answers the derivation refuses (the first piece joins the newline before it): the tokenizer decides. */
const REFUSED = ['\nstarts with a newline', '  two spaces', '\tx', '\u00a0nbsp'];

describe('derived lengths equal the tokenizer on the rendered conversation', { timeout: 600_000 }, () => {
  it('the chat templates the derivation covers are the bundled Qwen2.5-VL and Qwen3-VL ones', () => {
    for (const m of MODELS) assert.ok(KNOWN_TEMPLATES.has(profiles.get(m)!.chatTemplateSha256), m);
  });

  for (const model of MODELS) {
    it(`${model}: prompt, whole conversation and answer, system turns, answers ending with <|im_end|>`, async () => {
      const profile = profiles.get(model)!;
      const sc = lengthShortcut(profile);
      assert.ok(!('reason' in sc), `${model}: ${'reason' in sc ? sc.reason : ''}`);
      const shortcut = sc as LengthShortcut;
      const answers = [
        ...ANSWERS,
        ...goldenResponses()
          .filter((g) => g.model === model)
          .map((g) => g.text),
      ];
      let derived = 0;
      for (const system of SYSTEMS)
        for (const user of USERS)
          for (const [k, raw] of answers.entries()) {
            for (const stored of [raw, `${raw}<|im_end|>`, `${raw}<|im_end|><|im_end|>`]) {
              const images = [64 + k];
              const counts = built(profile, system, user, images, stored);
              const answer = stripImEnd(stored).text;
              const head = [...(system === null ? [] : [{ role: 'system', content: system }]), ...buildMessages(user)];
              const where = `${model} system ${JSON.stringify(system)} user ${JSON.stringify(user)} answer ${JSON.stringify(stored.slice(0, 60))}`;
              const text = promptTextTokens(shortcut, { user, system, images: 1, built: counts });
              assert.notEqual(text, null, `${where}: the prompt derivation applies`);
              assert.equal(text! + images[0]!, truth(profile, head, true, images), `${where}: prompt`);
              if (!answer.trim() || !answerJoinsCleanly(shortcut, answer)) continue;
              const r = teacherAnswerTokens(shortcut, { answer, stored, built: counts });
              assert.notEqual(r, null, `${where}: the answer derivation applies`);
              const full = [...head, { role: 'assistant', content: answer }];
              assert.equal(r, countResponse(profile, answer), `${where}: answer`);
              assert.equal(conversationTextTokens(text!, r!) + images[0]!, truth(profile, full, false, images), where);
              derived++;
            }
          }
      assert.ok(derived >= SYSTEMS.length * USERS.length * ANSWERS.length * 3, `${model}: ${derived} derived`);
      for (const a of REFUSED) assert.equal(answerJoinsCleanly(shortcut, a), false, JSON.stringify(a));
    });

    it(`${model}: RecipeCounter gives the same lengths with and without the build's counts`, () => {
      const profile = profiles.get(model)!;
      const manifest = { model: { family: model, minPixels: 65536, maxPixels: 1003520, patchSize: 14 } } as Manifest;
      const fast = new RecipeCounter(profile, manifest, 'ms-swift');
      const slow = new RecipeCounter(profile, manifest, 'ms-swift', false);
      assert.ok(fast.shortcut && !slow.shortcut);
      for (const system of SYSTEMS)
        for (const user of USERS)
          for (const raw of [...ANSWERS, ...REFUSED]) {
            const stored = applyTeacherEnding(`${raw}<|im_end|>`, 'keep');
            const counts = built(profile, system, user, [100], stored);
            const answer = stripImEnd(stored).text;
            const where = `${model} ${JSON.stringify(system)} ${JSON.stringify(user)} ${JSON.stringify(raw)}`;
            for (const limit of [undefined, 20, 100_000]) {
              const teacher = { counts, teacher: stored };
              assert.deepEqual(
                fast.conversation(user, [100], answer, limit, system, teacher),
                slow.conversation(user, [100], answer, limit, system),
                `${where} limit ${limit} (teacher)`,
              );
              assert.deepEqual(
                fast.conversation(user, [100], answer, limit, system, { counts }),
                slow.conversation(user, [100], answer, limit, system),
                `${where} limit ${limit} (student)`,
              );
            }
            if (system === null) assert.equal(fast.prompt(user, [100], counts), slow.prompt(user, [100]), where);
          }
    });
  }
});
