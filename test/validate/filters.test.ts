import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { Drop, DropReason, Formatted, ProcessedImage, Sample } from '../../src/core/types.js';
import { assignSplit, splitUnit } from '../../src/rules/test-split.js';
import { emptyPrompt } from '../../src/rules/row-rules.js';
import {
  dedupeKey,
  dropRecord,
  FilterChain,
  lengthRecord,
  normalizePrompt,
  type FilterOptions,
} from '../../src/rules/filter-chain.js';

const OPTS: FilterOptions = {
  maxPromptLength: 1000,
  maxResponseLength: 500,
  singleImage: true,
  requireImage: true,
  requireTeacher: true,
  dedupe: true,
  leakCheck: true,
};

function img(sha: string, w = 448, h = 448, tokens = 256): ProcessedImage {
  return {
    bytes: new Uint8Array([1]),
    path: null,
    format: 'png',
    origWidth: w,
    origHeight: h,
    width: w,
    height: h,
    resized: [w, h],
    tokens,
    reencoded: false,
    sha256: sha,
  };
}

let n = 0;
function sample(over: Partial<Sample> & { f?: Partial<Formatted> } = {}): Sample {
  const i = n++;
  const images = over.images ?? [{ bytes: new Uint8Array([i & 255, 7]), path: null }];
  const { f, ...rest } = over;
  const s: Sample = {
    split: 'train',
    index: i,
    id: `src#${i}`,
    source: 'src',
    dataSource: 'hiyouga/geometry3k',
    problem: `<image>Find angle ${i}.`,
    answer: '42',
    images,
    teacherResponse: `<think>ok</think> \\boxed{${i}}`,
    extra: {},
    ...rest,
  };
  s.formatted = {
    formatted: s.problem,
    textTokens: 100,
    imageTokens: 256 * images.length,
    promptTokens: 100 - images.length + 256 * images.length,
    images: images.map((_, k) => img(`sha-${i}-${k}`)),
    responseTokens: 50,
    teacherResponse: s.teacherResponse ?? null,
    ...f,
  };
  return s;
}

function reasonOf(chain: FilterChain, s: Sample): DropReason | undefined {
  return chain.apply(s)?.reason;
}

test('each reason code on crafted rows', () => {
  const chain = FilterChain.standard(OPTS);
  assert.equal(reasonOf(chain, sample()), undefined);
  assert.equal(reasonOf(chain, sample({ problem: '<image>  \n\t' })), 'empty_prompt');
  assert.equal(reasonOf(chain, sample({ problem: 'no tag here' })), 'image_count_mismatch');
  assert.equal(reasonOf(chain, sample({ problem: '<image><image> two tags, one image' })), 'image_count_mismatch');
  const two = [
    { bytes: new Uint8Array([9, 1]), path: null },
    { bytes: new Uint8Array([9, 2]), path: null },
  ];
  assert.equal(reasonOf(chain, sample({ problem: '<image> and <image> compare', images: two })), 'multi_image');
  assert.equal(reasonOf(chain, sample({ problem: 'text only', images: [] })), 'no_image');
  assert.equal(reasonOf(chain, sample({ teacherResponse: null, f: { teacherResponse: null } })), 'no_teacher_response');
  assert.equal(
    reasonOf(chain, sample({ teacherResponse: ' <|im_end|>', f: { teacherResponse: ' <|im_end|>' } })),
    'no_teacher_response',
  );
  const long = sample({ f: { promptTokens: 1001, textTokens: 746, imageTokens: 256 } });
  const d = chain.apply(long)!;
  assert.equal(d.reason, 'prompt_too_long');
  assert.equal(d.value, 1001);
  assert.equal(d.limit, 1000);
  assert.equal(
    reasonOf(chain, sample({ f: { promptTokens: 1000 } })),
    undefined,
    'a prompt of exactly the limit is kept',
  );
  assert.equal(reasonOf(chain, sample({ f: { responseTokens: 501 } })), 'response_too_long');
  // Drops set by format (image problems) pass through, are counted, and skip the other steps.
  for (const reason of ['image_undecodable', 'image_too_large', 'aspect_ratio', 'image_too_small'] as const) {
    const s = sample({ problem: '' /* would be empty_prompt */ });
    s.drop = { reason, detail: 'from format', value: 1, limit: 0 } satisfies Drop;
    assert.equal(reasonOf(chain, s), reason);
  }
  // Duplicate: same normalized prompt (NFC, whitespace collapsed, trimmed) and same image hash.
  const a = sample({ problem: '<image>Caf\u00e9  angle\tABC ' });
  const b = sample({ problem: ' <image>Cafe\u0301 angle\nABC' });
  b.formatted!.images[0]!.sha256 = a.formatted!.images[0]!.sha256;
  assert.equal(reasonOf(chain, a), undefined);
  assert.equal(reasonOf(chain, b), 'duplicate');
  // Same text, different image: not a duplicate.
  const c = sample({ problem: a.problem });
  assert.equal(reasonOf(chain, c), undefined);
  // Leak: equal to a row kept in another split.
  const t = sample({ split: 'test', problem: a.problem });
  t.formatted!.images[0]!.sha256 = a.formatted!.images[0]!.sha256;
  assert.equal(reasonOf(chain, t), 'leak');

  const counts = chain.counts();
  const expect: Partial<Record<DropReason, number>> = {
    empty_prompt: 1,
    image_count_mismatch: 2,
    multi_image: 1,
    no_image: 1,
    no_teacher_response: 2,
    prompt_too_long: 1,
    response_too_long: 1,
    image_undecodable: 1,
    image_too_large: 1,
    aspect_ratio: 1,
    image_too_small: 1,
    duplicate: 1,
  };
  for (const [k, v] of Object.entries(counts.train!)) assert.equal(v, expect[k as DropReason] ?? 0, k);
  assert.equal(counts.test!.leak, 1);
  assert.deepEqual(chain.kept(), { train: 4, test: 0 });
});

test('options switch steps off: multi-image, teacher, dedupe, leak', () => {
  const chain = FilterChain.standard({
    ...OPTS,
    singleImage: false,
    requireTeacher: false,
    dedupe: false,
    leakCheck: false,
  });
  const two = [
    { bytes: new Uint8Array([3]), path: null },
    { bytes: new Uint8Array([4]), path: null },
  ];
  assert.equal(reasonOf(chain, sample({ problem: '<image><image> x', images: two })), undefined);
  assert.equal(
    reasonOf(chain, sample({ teacherResponse: undefined, f: { teacherResponse: null, responseTokens: null } })),
    undefined,
  );
  const a = sample();
  const b = sample({ problem: a.problem, images: a.images });
  b.formatted!.images[0]!.sha256 = a.formatted!.images[0]!.sha256;
  assert.equal(reasonOf(chain, a), undefined);
  assert.equal(reasonOf(chain, b), undefined);
});

test('leak check is symmetric: whichever split comes first, no kept test row equals a kept train row', () => {
  for (const order of [
    ['train', 'test'],
    ['test', 'train'],
  ]) {
    const chain = FilterChain.standard({ ...OPTS, dedupe: false });
    const kept: Sample[] = [];
    for (const split of order) {
      for (let k = 0; k < 5; k++) {
        const s = sample({ split, problem: `<image>problem ${k}` });
        s.formatted!.images[0]!.sha256 = `img-${k}`;
        s.images = [{ bytes: null, path: `p${k}` }];
        if (!chain.apply(s)) kept.push(s);
      }
    }
    const keys = (sp: string) => new Set(kept.filter((s) => s.split === sp).map(dedupeKey));
    const tr = keys('train');
    for (const k of keys('test')) assert.ok(!tr.has(k));
    assert.equal(chain.counts()[order[1]!]!.leak, 5);
    assert.equal(kept.length, 5);
  }
});

test('normalizePrompt: NFC, whitespace runs collapsed (incl. U+00A0, U+3000), trimmed, case kept', () => {
  assert.equal(normalizePrompt('  A\u00a0\u3000b\r\n\tCafe\u0301 '), 'A b Caf\u00e9');
  assert.notEqual(normalizePrompt('ABC'), normalizePrompt('abc'));
});

test('normalizePrompt: its shortcuts (ASCII text, text with single inner spaces) give the full definition', () => {
  const full = (t: string) => t.normalize('NFC').replace(/\s+/gu, ' ').trim();
  // Every JS whitespace character, alone, doubled, at either end and between words; ASCII and non-ASCII text.
  const spaces = [
    ' ',
    '\t',
    '\n',
    '\v',
    '\f',
    '\r',
    '\u00a0',
    '\u1680',
    '\u2000',
    '\u200a',
    '\u2028',
    '\u2029',
    '\u202f',
    '\u205f',
    '\u3000',
    '\ufeff',
  ];
  const words = ['a', 'Find x.', 'Cafe\u0301', 'Caf\u00e9', '\u4e09\u89d2\u5f62', '<image>', ''];
  const texts: string[] = [];
  for (const w of words)
    for (const sp of spaces)
      for (const t of [w, sp + w, w + sp, `${w}${sp}${w}`, `${w}${sp}${sp}${w}`, `${w} ${sp}${w}`, `${w}${sp} ${w}`])
        texts.push(t);
  for (const t of texts) assert.equal(normalizePrompt(t), full(t), JSON.stringify(t));
});

test('empty_prompt: nothing but whitespace once every <image> tag is removed (once, left to right)', () => {
  const texts = [
    '',
    ' ',
    '\n\t',
    '\u3000',
    '<image>',
    ' <image>\u00a0',
    '<image><image>',
    '<image>a',
    'a',
    '<ima<image>ge>',
    '<<image>image>>',
    '\ufeff<image>',
    '<image>\u200b',
  ];
  for (const problem of texts) {
    const text = problem.split('<image>').join('');
    const d = emptyPrompt.check({ problem, images: 0 });
    if (text.trim() === '')
      assert.deepEqual(d && [d.reason, d.value], ['empty_prompt', text.length], JSON.stringify(problem));
    else assert.equal(d, undefined, JSON.stringify(problem));
  }
});

test('dedupeKey: the first 16 bytes (hex) of the sha256 of the normalized prompt and the image hashes', () => {
  const s = sample({ problem: '<image>Find  x.' });
  const sha = s.formatted!.images.map((im) => im.sha256).join(',');
  const want = createHash('sha256').update(`<image>Find x.\u0000${sha}`).digest('hex').slice(0, 32);
  assert.equal(dedupeKey(s), want);
});

test('dropRecord and lengthRecord lines', () => {
  const chain = FilterChain.standard(OPTS);
  const s = sample({ f: { promptTokens: 1500, textTokens: 1245, imageTokens: 256 } });
  chain.apply(s);
  const d = dropRecord(s);
  assert.equal(d.reason, 'prompt_too_long');
  assert.equal(d.value, 1500);
  assert.equal(d.limit, 1000);
  assert.equal(d.split, 'train');
  assert.equal(d.source, 'src');
  assert.equal(d.id, s.id);
  assert.equal(d.prompt_tokens, 1500);
  assert.equal((d.text_tokens ?? 0) + (d.image_tokens ?? 0), 1500);
  assert.match(d.detail, /max_prompt_length 1000/);
  const k = sample();
  assert.equal(chain.apply(k), undefined);
  const l = lengthRecord(k);
  assert.deepEqual(l, {
    split: 'train',
    index: k.index,
    id: k.id,
    text_tokens: k.formatted!.promptTokens - 256,
    image_tokens: 256,
    prompt_tokens: k.formatted!.promptTokens,
    response_tokens: 50,
    resized: [[448, 448]],
    written: [[448, 448]],
  });
  assert.throws(() => dropRecord(k));
});

test('assignSplit: seeded hash of the id, independent of order, near the ratio, monotone in the ratio', () => {
  const ids = Array.from({ length: 4000 }, (_, i) => `geometry3k#${i}`);
  const a = ids.map((id) => assignSplit(id, 1, 0.1));
  const b = [...ids]
    .reverse()
    .map((id) => assignSplit(id, 1, 0.1))
    .reverse();
  assert.deepEqual(a, b);
  const tests = a.filter((x) => x === 'test').length;
  assert.ok(tests > 4000 * 0.08 && tests < 4000 * 0.12, `test rows ${tests}`);
  // Another seed gives another (but equally sized) carve.
  const c = ids.map((id) => assignSplit(id, 2, 0.1));
  assert.notDeepEqual(a, c);
  // Raising the ratio only moves rows from train to test.
  for (const id of ids.slice(0, 500))
    if (assignSplit(id, 1, 0.1) === 'test') assert.equal(assignSplit(id, 1, 0.3), 'test');
  assert.equal(
    ids.every((id) => assignSplit(id, 1, 0) === 'train'),
    true,
  );
  assert.equal(
    ids.every((id) => assignSplit(id, 1, 1) === 'test'),
    true,
  );
  const u = splitUnit('x', 1);
  assert.ok(u >= 0 && u < 1);
  assert.throws(() => assignSplit('x', 1, 1.5), RangeError);
});

test('dedupe key of a message-list prompt covers its other turns (a system prompt is part of the prompt)', () => {
  const user = { role: 'user', content: '<image>Find x.' };
  const same = { images: [{ bytes: new Uint8Array([9, 9]), path: null }], f: { images: [img('same-image')] } };
  const withSystem = (content: string) =>
    sample({ ...same, problem: user.content, messages: [{ role: 'system', content }, user], promptMessage: 1 });
  assert.equal(
    dedupeKey(withSystem('Be brief.')),
    dedupeKey(withSystem('Be  brief. ')),
    'the same turns (whitespace normalized): one key',
  );
  assert.notEqual(
    dedupeKey(withSystem('Be brief.')),
    dedupeKey(withSystem('Think step by step.')),
    'another system prompt: another row',
  );
  assert.equal(
    dedupeKey(sample({ ...same, problem: user.content, messages: [user], promptMessage: 0 })),
    dedupeKey(sample({ ...same, problem: user.content })),
    'one user turn: the key of the text prompt',
  );
});

test('image count of a message-list prompt covers every turn', () => {
  const chain = FilterChain.standard({
    maxPromptLength: 1e9,
    maxResponseLength: 1e9,
    singleImage: true,
    requireImage: true,
    requireTeacher: false,
    dedupe: false,
    leakCheck: false,
  });
  // The image tag sits in a later turn than the first user message (a multi-turn prompt): one tag, one image.
  const messages = [
    { role: 'user', content: 'Look at the next figure.' },
    { role: 'assistant', content: 'OK.' },
    { role: 'user', content: '<image>Find x.' },
  ];
  assert.equal(chain.apply(sample({ problem: messages[0]!.content, messages, promptMessage: 0 })), undefined);
  assert.equal(
    chain.apply(sample({ problem: messages[0]!.content, messages: [messages[0]!], promptMessage: 0 }))?.reason,
    'image_count_mismatch',
  );
});
