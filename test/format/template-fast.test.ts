import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadModelProfile, type ModelProfile } from '../../src/model/model-profile.js';
import {
  buildMessages,
  chatTemplateFast,
  formatPromptFast,
  formatPromptFromSource,
  loadFormatPrompt,
  renderChat,
  renderChatFull,
} from '../../src/model/chat-template.js';
import { compilePyTemplate, pyStrip } from '../../src/model/pyjinja.js';
import { libraryAsAnalysed } from '../../src/model/template-fast.js';
import { sentinel } from '../../src/model/template-split.js';
import { rng } from '../helpers/validate.js';

type Msg = { role: string; content: unknown };

/** Texts a template could treat specially, or that look like the sentinels. */
const NASTY = [
  '',
  ' ',
  '\n',
  '  leading and trailing  \n',
  '\n\nnewlines\n\n',
  '<tool_response>\nx\n</tool_response>',
  '</think>',
  '<think>\nreasoning\n</think>\n\nanswer',
  '<|im_start|>assistant\n',
  '<|vision_start|><|image_pad|><|vision_end|>',
  '{{ messages }}',
  '{% if true %}x{% endif %}',
  '{# comment #}',
  'unicode: 三角形 ABC 的面积 ∠ABC = 30° \u{1f600} e\u0301',
  '\ufeff\x85\x1c\u3000 python whitespace \u2028',
  '\ue000',
  '\ue001',
  sentinel(0),
  sentinel(1),
  `${sentinel(0)}${sentinel(1)}`,
  '\ue000gad-0123456789abcdef:0\ue001',
  'system',
  'text',
  'image',
  '\\boxed{5}',
  '"quotes" and \'apostrophes\' and \\ backslashes',
];

function text(r: () => number): string {
  const pick = (): string => NASTY[Math.floor(r() * NASTY.length)]!;
  const n = Math.floor(r() * 3);
  let s = pick();
  for (let i = 0; i < n; i++) s += (r() < 0.5 ? ' ' : '') + pick();
  return s;
}

function content(r: () => number): unknown {
  if (r() < 0.4) return text(r);
  const items: unknown[] = [];
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n; i++) items.push(r() < 0.4 ? { type: 'image' } : { type: 'text', text: text(r) });
  return items;
}

/** Message lists: a <image> prompt as the build makes it, or system / user / assistant / tool turns. */
function row(r: () => number): Msg[] {
  if (r() < 0.3) return buildMessages(text(r) + (r() < 0.7 ? '<image>' : '') + text(r));
  const msgs: Msg[] = [];
  if (r() < 0.5) msgs.push({ role: 'system', content: r() < 0.8 ? text(r) : content(r) });
  const turns = 1 + Math.floor(r() * 3);
  for (let i = 0; i < turns; i++) {
    msgs.push({ role: 'user', content: content(r) });
    if (r() < 0.2) msgs.push({ role: 'tool', content: content(r) });
    if (i < turns - 1 || r() < 0.3) msgs.push({ role: 'assistant', content: content(r) });
  }
  return msgs;
}

let profiles: Record<string, ModelProfile>;
before(async () => {
  profiles = {
    'qwen2.5-vl': await loadModelProfile('qwen2.5-vl'),
    'qwen3-vl': await loadModelProfile('qwen3-vl'),
  };
});

/** The profile with another chat template (a new object: its own compiled template and shape cache). */
function withTemplate(p: ModelProfile, chatTemplate: string): ModelProfile {
  return { ...p, chatTemplate };
}

describe('chat template rendered by shape', () => {
  it('the library is the version the analysis knows', () => {
    assert.equal(libraryAsAnalysed(), true);
  });

  for (const name of ['qwen2.5-vl', 'qwen3-vl']) {
    it(`${name}: the bundled template is proven eligible`, () => {
      assert.deepEqual(chatTemplateFast(profiles[name]!).verdict, { ok: true, strip: false });
    });

    it(`${name}: 3000 random rows with adversarial texts render exactly as the full template render`, () => {
      const p = profiles[name]!;
      const r = rng(name === 'qwen3-vl' ? 3 : 25);
      const before = { ...chatTemplateFast(p).stats };
      for (let i = 0; i < 3000; i++) {
        const msgs = row(r);
        const gen = r() < 0.8;
        const want = renderChatFull(p, msgs, { addGenerationPrompt: gen });
        const got = renderChat(p, msgs, { addGenerationPrompt: gen });
        assert.equal(got, want, `row ${i}: ${JSON.stringify(msgs)}`);
      }
      const { stats } = chatTemplateFast(p);
      // Most rows went through the pieces, not the full render (shapes repeat).
      assert.ok(stats.byShape - before.byShape > 2000, JSON.stringify(stats));
    });
  }

  it('rows of one shape reuse one render: the texts are joined into the pieces', () => {
    const p = withTemplate(profiles['qwen3-vl']!, profiles['qwen3-vl']!.chatTemplate);
    for (let i = 0; i < 50; i++) renderChat(p, buildMessages(`<image>problem ${i}`));
    assert.deepEqual(chatTemplateFast(p).stats, { byShape: 50, full: 0 });
    assert.equal(
      renderChat(p, buildMessages('<image> {{x}} </think>\n')),
      '<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|> {{x}} </think>\n<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('a message list not in the plain form (extra keys, non-string content) is rendered in full', () => {
    const p = withTemplate(profiles['qwen3-vl']!, profiles['qwen3-vl']!.chatTemplate);
    const odd: Msg[] = [
      { role: 'user', content: [{ text: 'keys in another order', type: 'text' }] },
      { role: 'assistant', content: 'a', ...{ reasoning_content: 'r' } },
    ];
    assert.equal(renderChat(p, odd), renderChatFull(p, odd));
    assert.deepEqual(chatTemplateFast(p).stats, { byShape: 0, full: 1 });
  });
});

/** Templates that look at a text other than by writing it: never rendered by pieces, still exact. */
const INELIGIBLE: Array<{ why: string; edit: (t: string) => string; reason: RegExp }> = [
  {
    why: 'content|trim',
    edit: (t) => t.replaceAll('{{- message.content }}', '{{- message.content | trim }}'),
    reason: /row text/,
  },
  {
    why: "'</think>' in content (as Qwen3 thinking templates do)",
    edit: (t) =>
      t.replace(
        "{%- elif message.role == \"assistant\" %}\n        {{- '<|im_start|>' + message.role + '\\n' }}",
        "{%- elif message.role == \"assistant\" %}\n        {{- '<|im_start|>' + message.role + '\\n' }}{%- if message.content is string and '</think>' in message.content %}{{- 'T' }}{%- endif %}",
      ),
    reason: /with in/,
  },
  {
    why: 'content.startswith',
    edit: (t) =>
      t.replace(
        '{%- for message in messages %}',
        "{%- for message in messages %}{%- if message.content is string and message.content.startswith('<tool_response>') %}X{%- endif %}",
      ),
    reason: /\.startswith/,
  },
  {
    why: 'content.split',
    edit: (t) => t.replaceAll('{{- message.content }}', "{{- message.content.split('</think>')[-1] }}"),
    reason: /\.split/,
  },
  {
    why: 'content|length',
    edit: (t) =>
      t.replace('{%- for message in messages %}', '{%- for message in messages %}{{- message.content | length }}'),
    reason: /\|length/,
  },
  {
    why: "content == ''",
    edit: (t) =>
      t.replace(
        '{%- for message in messages %}',
        "{%- for message in messages %}{%- if message.content == '' %}E{%- endif %}",
      ),
    reason: /compared/,
  },
  {
    why: 'content|tojson',
    edit: (t) => t.replaceAll('{{- message.content }}', '{{- message.content | tojson }}'),
    reason: /\|tojson/,
  },
  {
    why: 'content[0]',
    edit: (t) => t.replaceAll('{{- message.content }}', '{{- message.content[0] }}'),
    reason: /\[/,
  },
  {
    why: 'a text kept in a namespace',
    edit: (t) =>
      t.replace(
        '{%- set image_count = namespace(value=0) %}',
        '{%- set image_count = namespace(value=0) %}{%- set ns = namespace(c="") %}{%- for m in messages %}{%- set ns.c = m.content %}{%- endfor %}',
      ),
    reason: /namespace/,
  },
  {
    why: 'loop.previtem',
    edit: (t) =>
      t.replace(
        '{%- for message in messages %}',
        '{%- for message in messages %}{{- loop.previtem.role if loop.previtem }}',
      ),
    reason: /previtem/,
  },
  {
    why: 'a macro',
    edit: (t) => `{%- macro m(x) %}{{ x }}{%- endmacro %}${t}`,
    reason: /macro/,
  },
  {
    why: 'a content list written whole',
    edit: (t) => t.replace('{%- for message in messages %}', '{%- for message in messages %}{{- message.content }}'),
    reason: /output/,
  },
];

describe('templates that are not rendered by shape', () => {
  for (const c of INELIGIBLE) {
    it(`${c.why}: detected, rendered in full, output exact`, () => {
      const base = profiles['qwen3-vl']!;
      const src = c.edit(base.chatTemplate);
      assert.notEqual(src, base.chatTemplate, 'the edit applies');
      compilePyTemplate(src, { chat: true });
      const p = withTemplate(base, src);
      const { verdict } = chatTemplateFast(p);
      assert.equal(verdict.ok, false);
      assert.match(verdict.ok ? '' : verdict.reason, c.reason);
      const r = rng(7);
      for (let i = 0; i < 200; i++) {
        const msgs = row(r).filter((m) => m.role !== 'tool' || c.why !== 'content.split');
        let want: string;
        try {
          want = renderChatFull(p, msgs);
        } catch {
          continue;
        }
        assert.equal(renderChat(p, msgs), want);
      }
      assert.equal(chatTemplateFast(p).stats.byShape, 0);
    });
  }

  it('the trim case shows why: the text is changed, not inserted', () => {
    const base = profiles['qwen3-vl']!;
    const p = withTemplate(base, INELIGIBLE[0]!.edit(base.chatTemplate));
    const msgs: Msg[] = [{ role: 'user', content: '  padded  ' }];
    assert.equal(renderChat(p, msgs), '<|im_start|>user\npadded<|im_end|>\n<|im_start|>assistant\n');
  });

  it('a text written twice is eligible by the analysis but that shape falls back (sentinel twice)', () => {
    const base = profiles['qwen3-vl']!;
    const p = withTemplate(
      base,
      '{%- for m in messages %}{%- if m.content is string %}{{ m.content }}|{{ m.content }}{%- endif %}{%- endfor %}',
    );
    assert.deepEqual(chatTemplateFast(p).verdict, { ok: true, strip: false });
    const msgs: Msg[] = [{ role: 'user', content: 'a' }];
    assert.equal(renderChat(p, msgs), 'a|a');
    assert.deepEqual(chatTemplateFast(p).stats, { byShape: 0, full: 1 });
  });

  it('uses that hold for every non-empty string are eligible: set, +, ~, is string/defined, truth tests', () => {
    const base = profiles['qwen3-vl']!;
    const src =
      '{%- for m in messages %}{%- set c = m.content %}{%- if c is string %}' +
      "{%- if c and c is defined and c is not none %}{{ '[' + c ~ ']' }}{%- else %}(empty){%- endif %}" +
      '{%- else %}{%- for it in c %}{%- if it.text is defined %}{{ it.text }}{%- else %}<img>{%- endif %}{%- endfor %}' +
      '{%- endif %}{%- endfor %}';
    const p = withTemplate(base, src);
    assert.deepEqual(chatTemplateFast(p).verdict, { ok: true, strip: false });
    const r = rng(11);
    for (let i = 0; i < 500; i++) {
      const msgs = row(r);
      assert.equal(renderChat(p, msgs), renderChatFull(p, msgs));
    }
    assert.ok(chatTemplateFast(p).stats.byShape > 300);
  });
});

describe('what an `is string` test tells each branch', () => {
  const cases: Array<{ why: string; src: string; ok: boolean }> = [
    {
      why: '`not (x is string)` and its else-branch',
      src:
        '{%- for m in messages %}{%- if not (m.content is string) %}{%- for c in m.content %}' +
        '{{ c.text if c.text is defined else "<img>" }}{%- endfor %}{%- else %}{{ m.content }}{%- endif %}{%- endfor %}',
      ok: true,
    },
    {
      why: '`x is string and …`: nothing is known in the else-branch',
      src:
        "{%- for m in messages %}{%- if m.content is string and m.role == 'user' %}{{ m.content }}" +
        '{%- else %}{{ m.content }}{%- endif %}{%- endfor %}',
      ok: false,
    },
    {
      why: 'a branch that rebinds the name loses the fact',
      src:
        '{%- for m in messages %}{%- if m.content is string %}{%- set m = messages[0] %}{{ m.content }}' +
        '{%- endif %}{%- endfor %}',
      ok: false,
    },
    {
      why: 'an inner loop over the same name does not carry the fact',
      src:
        '{%- for m in messages %}{%- if m.content is string %}{%- for m in messages %}{{ m.content }}{%- endfor %}' +
        '{%- endif %}{%- endfor %}',
      ok: false,
    },
  ];
  for (const c of cases) {
    it(`${c.why}: ${c.ok ? 'eligible' : 'not eligible'}, exact on random rows`, () => {
      const p = withTemplate(profiles['qwen3-vl']!, c.src);
      assert.equal(chatTemplateFast(p).verdict.ok, c.ok, JSON.stringify(chatTemplateFast(p).verdict));
      const r = rng(5);
      for (let i = 0; i < 300; i++) {
        const msgs = row(r);
        assert.equal(renderChat(p, msgs), renderChatFull(p, msgs));
      }
    });
  }
});

describe('format prompts rendered by shape', () => {
  for (const name of ['math', 'r1v']) {
    it(`${name}: {{ content | trim }} with Python whitespace, exactly as the full render`, async () => {
      const fmt = await loadFormatPrompt(name);
      assert.deepEqual(formatPromptFast(fmt)?.verdict, { ok: true, strip: true });
      const full = compilePyTemplate(pyStrip(fmt.source!), { chat: false });
      const r = rng(name.length);
      for (let i = 0; i < 1000; i++) {
        const t = text(r);
        assert.equal(fmt.render(t), full.render({ content: t }), JSON.stringify(t));
      }
      assert.ok(formatPromptFast(fmt)!.stats.byShape >= 1000);
    });
  }

  it('a prompt that writes the problem both raw and stripped, or tests it, is rendered in full', () => {
    for (const src of ['{{ content }} / {{ content | trim }}', "{% if 'x' in content %}X{% endif %}{{ content }}"]) {
      const fmt = formatPromptFromSource('t', src);
      assert.equal(formatPromptFast(fmt)?.verdict.ok, false, src);
      const full = compilePyTemplate(src, { chat: false });
      for (const t of NASTY) assert.equal(fmt.render(t), full.render({ content: t }));
      assert.equal(formatPromptFast(fmt)!.stats.byShape, 0);
    }
  });
});
