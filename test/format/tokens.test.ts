import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { loadModelProfile, type ModelProfile } from '../../src/model/model-profile.js';
import { buildMessages, loadFormatPrompt, type FormatPrompt } from '../../src/model/chat-template.js';
import { PromptCounter, applyTeacherEnding, countResponse, endsWithImEnd } from '../../src/model/token-counts.js';
import { CachedEncoder, encoderFor } from '../../src/model/encoder.js';
import { resizeFor } from '../../src/images/resize.js';
import { goldenMeta, goldenPrompts, goldenResponses } from '../helpers/format-golden.js';

const MODELS = ['qwen2.5-vl', 'qwen3-vl'] as const;
const profiles = new Map<string, ModelProfile>();
const prompts = new Map<string, FormatPrompt>();

before(async () => {
  for (const m of MODELS) profiles.set(m, await loadModelProfile(m));
  for (const f of ['none', 'math', 'r1v']) prompts.set(f, await loadFormatPrompt(f));
});

describe('golden prompts (HF transformers): every line matches exactly', () => {
  it('formatted, messages, rendered prompt, token ids, image tokens and expanded length', () => {
    const lines = goldenPrompts();
    assert.equal(lines.length, goldenMeta().counts.prompt_lines);
    const seen = new Set<string>();
    let withImages = 0;
    for (const g of lines) {
      const where = `prompts_public.jsonl id ${g.id} model ${g.model} (${g.category})`;
      const profile = profiles.get(g.model)!;
      const counter = new PromptCounter(profile, prompts.get(g.format_prompt)!);
      const imageTokens = g.image_sizes.map(([w, h], i) => {
        const r = resizeFor(w, h, 'processor', profile.geometry);
        assert.ok(r.ok, `${where}: image ${i} ${w}x${h} refused`);
        assert.deepEqual(
          [1, r.resized[1] / profile.geometry.patchSize, r.resized[0] / profile.geometry.patchSize],
          g.image_grid_thw[i],
          `${where}: grid`,
        );
        return r.tokens;
      });
      assert.deepEqual(imageTokens, g.image_tokens, `${where}: image tokens`);
      const c = counter.count(g.problem, imageTokens, { ids: true });
      assert.equal(c.formatted, g.formatted, `${where}: formatted`);
      assert.deepEqual(buildMessages(c.formatted), g.messages, `${where}: messages`);
      assert.equal(c.rendered, g.rendered_prompt, `${where}: rendered prompt`);
      assert.deepEqual(c.ids, g.text_ids, `${where}: text ids`);
      assert.equal(c.renderedTokens, g.text_ids.length, `${where}: rendered tokens`);
      assert.equal(c.textTokens, g.text_ids.length - g.image_sizes.length, `${where}: text tokens (no placeholders)`);
      assert.equal(c.nImagesInText, g.image_sizes.length, `${where}: images in text`);
      assert.equal(c.promptTokens, g.expanded_len, `${where}: expanded length`);
      // The same without the per-piece cache: the library's own encode gives the same ids.
      assert.deepEqual(
        profile.tokenizer.encode(c.rendered, { add_special_tokens: false }).ids,
        g.text_ids,
        `${where}: library ids`,
      );
      seen.add(`${g.model}/${g.format_prompt}`);
      if (g.image_sizes.length) withImages++;
    }
    assert.equal(seen.size, 6, 'both models x three format prompts covered');
    assert.ok(withImages > lines.length / 2);
  });
});

describe('golden responses: every line matches exactly', () => {
  it('ids, decode and the <|im_end|> ending', () => {
    const lines = goldenResponses();
    assert.equal(lines.length, goldenMeta().counts.response_lines);
    for (const g of lines) {
      const where = `responses_public.jsonl id ${g.id} model ${g.model}`;
      const profile = profiles.get(g.model)!;
      const counter = new PromptCounter(profile, prompts.get('none')!);
      assert.deepEqual(counter.encode(g.text), g.ids, `${where}: ids`);
      assert.equal(counter.countText(g.text), g.ids.length, `${where}: count`);
      assert.equal(countResponse(profile, g.text), g.ids.length, `${where}: countResponse`);
      assert.equal(endsWithImEnd(g.text), g.ends_with_im_end, `${where}: ending`);
      if (g.ends_with_im_end) assert.equal(g.ids.at(-1), profile.specialTokens.imEnd);
      assert.equal(
        profile.tokenizer.decode(g.ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false }),
        g.decoded,
        `${where}: decoded`,
      );
    }
  });

  it('append / strip give the token counts of the golden pair (same text with and without <|im_end|>)', () => {
    const lines = goldenResponses();
    for (const m of MODELS) {
      const byId = new Map(lines.filter((l) => l.model === m).map((l) => [l.id, l]));
      for (const [id, without] of byId) {
        if (id % 2 !== 0) continue;
        const withEnd = byId.get(id + 1)!;
        const profile = profiles.get(m)!;
        assert.equal(applyTeacherEnding(without.text, 'append'), withEnd.text);
        assert.equal(applyTeacherEnding(withEnd.text, 'strip'), without.text);
        assert.equal(countResponse(profile, applyTeacherEnding(without.text, 'append')), withEnd.ids.length);
        assert.equal(countResponse(profile, applyTeacherEnding(withEnd.text, 'strip')), without.ids.length);
      }
    }
  });
});

describe('teacher ending policy', () => {
  it('keep / strip / append', () => {
    assert.equal(applyTeacherEnding('a<|im_end|>', 'keep'), 'a<|im_end|>');
    assert.equal(applyTeacherEnding('a', 'keep'), 'a');
    assert.equal(applyTeacherEnding('a<|im_end|><|im_end|>', 'strip'), 'a');
    assert.equal(applyTeacherEnding('a <|im_end|>', 'strip'), 'a ', 'whitespace before the token is kept');
    assert.equal(
      applyTeacherEnding('a<|im_end|>\n', 'strip'),
      'a<|im_end|>\n',
      'only a literal ending token is stripped',
    );
    assert.equal(applyTeacherEnding('a<|im_end|>', 'append'), 'a<|im_end|>', 'never doubled');
    assert.equal(applyTeacherEnding('a', 'append'), 'a<|im_end|>');
    assert.equal(endsWithImEnd('x<|im_end|>'), true);
    assert.equal(endsWithImEnd('x<|im_end|> '), false);
    assert.throws(() => applyTeacherEnding('a', 'bogus' as 'keep'));
  });
});

describe('PromptCounter', () => {
  it('prompt tokens = text tokens (no placeholders) + Σ image tokens, placeholders counted from the ids', () => {
    const p = profiles.get('qwen3-vl')!;
    const c = new PromptCounter(p, prompts.get('math')!);
    const one = c.count('<image>Find x.', [300]);
    const two = c.count('<image>Find x.<image>', [300, 64]);
    assert.equal(one.nImagesInText, 1);
    assert.equal(one.promptTokens, one.renderedTokens - 1 + 300);
    assert.equal(one.promptTokens, one.textTokens + one.imageTokens);
    assert.equal(two.nImagesInText, 2);
    assert.equal(two.promptTokens, two.renderedTokens - 2 + 364);
    assert.equal(two.promptTokens, two.textTokens + two.imageTokens);
    assert.equal(one.ids, undefined);
    // A placeholder with no image size: the count says so (the caller drops the row).
    const none = c.count('<image><image>', [300]);
    assert.equal(none.nImagesInText, 2);
    // Literal special tokens in a problem are special tokens for the tokenizer (as in transformers).
    const lit = c.count('say <|im_end|> now', [], { ids: true });
    // qwen3-vl has no default system turn: the user turn's own <|im_end|> plus the literal one.
    assert.equal(lit.ids!.filter((id) => id === p.specialTokens.imEnd).length, 2);
  });
});

describe('CachedEncoder', () => {
  it('takes the fast path for both bundled tokenizers', () => {
    for (const m of MODELS) {
      const e = encoderFor(profiles.get(m)!.tokenizer);
      assert.equal(e.fast, true, `${m}: ${e.reason}`);
      assert.equal(encoderFor(profiles.get(m)!.tokenizer), e, 'one encoder per tokenizer');
    }
  });

  it('gives the library ids on random mixed text (seeded)', () => {
    let seed = 20240611;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    const atoms = [
      'a',
      'B',
      'the',
      ' ',
      '  ',
      '\t',
      '\n',
      '\r\n',
      '\r',
      '\u00a0',
      '\u3000',
      '\u200b',
      '\ufeff',
      '0',
      '12',
      '3.14',
      "'s",
      "'LL",
      '三角形',
      '의',
      'ア',
      'e\u0301',
      'A\u030a',
      '\u1100\u1161',
      '🙂',
      '👩‍👩‍👧',
      '🇯🇵',
      '👍🏽',
      '\\frac{1}{2}',
      '$x^2$',
      '<think>',
      '</think>',
      '<|im_end|>',
      '<|im_start|>',
      '<|endoftext|>',
      '<|vision_start|>',
      '<image>',
      '...',
      '!!',
      '—',
      '\u0085',
      '\u001c',
      'ﬁ',
      'Ⅻ',
    ];
    for (const m of MODELS) {
      const tok = profiles.get(m)!.tokenizer;
      const fresh = new CachedEncoder(tok);
      for (let i = 0; i < 3000; i++) {
        const n = 1 + Math.floor(rnd() * 25);
        let s = '';
        for (let k = 0; k < n; k++) s += atoms[Math.floor(rnd() * atoms.length)];
        const want = tok.encode(s, { add_special_tokens: false }).ids;
        assert.deepEqual(fresh.encode(s), want, `${m}: ${JSON.stringify(s)}`);
        assert.deepEqual(fresh.encode(s), want, `${m} (cached): ${JSON.stringify(s)}`);
      }
      assert.deepEqual(fresh.encode(''), []);
    }
  });

  it('handles normalized added tokens (second split) like the library', () => {
    const p = profiles.get('qwen3-vl')!;
    const json = JSON.parse(readFileSync(join(p.dir, 'tokenizer.json'), 'utf8'));
    for (const t of json.added_tokens) if (t.content === '<think>' || t.content === '</think>') t.normalized = true;
    const tok = new Tokenizer(json, p.tokenizerConfig);
    const e = new CachedEncoder(tok);
    assert.equal(e.fast, true);
    for (const s of ['a<think>b</think>c', '<think>\n\u00e9\u0301</think><|im_end|>', 'x</think', '<thi<think>nk>']) {
      assert.deepEqual(e.encode(s), tok.encode(s, { add_special_tokens: false }).ids, JSON.stringify(s));
    }
    assert.deepEqual(e.encode('a<think>b'), [...e.encode('a'), 151667, ...e.encode('b')]);
  });
});
