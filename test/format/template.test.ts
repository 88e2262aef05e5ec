import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { GadError } from '../../src/core/errors.js';
import { sha256 } from '../../src/core/hash.js';
import { packagePath } from '../../src/core/paths.js';
import { loadModelProfile, type ModelProfile } from '../../src/model/model-profile.js';
import { pyLstrip, pyRstrip, pyStrip } from '../../src/model/pyjinja.js';
import {
  BUNDLED_PROMPTS,
  buildMessages,
  formatPromptFromSource,
  loadFormatPrompt,
  renderChat,
} from '../../src/model/chat-template.js';
import { goldenMeta } from '../helpers/format-golden.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'gad-template-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Cases where the library alone differs from Python jinja2; the expected strings are what
 * `jinja2.Template(src.strip()).render(content=c)` returns (jinja2 3.1.6, checked by the last test
 * below when python3 with jinja2 is available).
 */
const PY_CASES: Array<{ why: string; src: string; content: string; want: string; libAgrees?: true }> = [
  {
    why: 'Python strip keeps U+FEFF, removes U+0085 and U+001C',
    src: '{{ content | trim }}!',
    content: '\ufeff x \x85\x1c',
    want: '\ufeff x!',
  },
  {
    why: 'U+200B is not whitespace, U+3000 is',
    src: '{{ content | trim }}!',
    content: '\u200b a \u3000',
    want: '\u200b a!',
    libAgrees: true,
  },
  {
    why: 'plain jinja2.Template: no trim_blocks',
    src: '{% if content %}\nA {{ content }}\n{% endif %}\nB\n',
    content: 'x',
    want: '\nA x\n\nB',
  },
  {
    why: 'jinja2 turns \\r\\n in the source into \\n',
    src: '  {% if content %}A{% endif %}\r\nB\r\n',
    content: 'x',
    want: 'A\nB',
  },
  {
    why: 'strip()/lstrip(chars)/trim(chars) are Python str methods',
    src: "{{ content.strip() }}|{{ content.lstrip('x') }}|{{ content | trim('x') }}",
    content: 'xx a \x1fxx',
    want: 'xx a \x1fxx| a \x1fxx| a \x1f',
  },
];

describe('Python str.strip', () => {
  it('removes exactly the characters of str.isspace()', () => {
    assert.equal(
      pyStrip(
        '\u0085\u001c\u001d\u001e\u001f\t\n\x0b\x0c\r \u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000x\u3000',
      ),
      'x',
    );
    assert.equal(pyStrip('\ufeffx\ufeff'), '\ufeffx\ufeff');
    assert.equal(pyStrip('\u200bx\u200b'), '\u200bx\u200b');
    assert.equal(pyLstrip('  x  '), 'x  ');
    assert.equal(pyRstrip('  x  '), '  x');
    assert.equal(pyStrip('abcxcba', 'ab'), 'cxc');
    assert.equal(pyStrip('🙂x🙂', '🙂'), 'x', 'chars are code points');
    assert.equal(pyStrip('   '), '');
  });
});

describe('format prompts', () => {
  it('bundled math and r1v are the EasyR1 texts of the golden vectors', async () => {
    const meta = goldenMeta();
    assert.deepEqual([...BUNDLED_PROMPTS], ['math', 'r1v', 'none']);
    for (const name of ['math', 'r1v']) {
      const fp = await loadFormatPrompt(name);
      assert.equal(fp.name, name);
      assert.equal(fp.source, meta.format_prompts[name]);
      assert.equal(fp.sha256, sha256(meta.format_prompts[name]!));
      assert.equal(fp.file, `prompts/${name}.jinja`);
      assert.equal(readFileSync(packagePath('prompts', `${name}.jinja`), 'utf8').trim(), meta.format_prompts[name]);
    }
    const none = await loadFormatPrompt('none');
    assert.equal(none.source, null);
    assert.equal(none.file, null);
    assert.equal(none.render('  <image> x \n'), '  <image> x \n');
  });

  it('math trims the problem with Python whitespace rules', async () => {
    const fp = await loadFormatPrompt('math');
    const out = fp.render('\u3000\u00a0 Find x.\r\n\x0b\x0c');
    assert.ok(out.startsWith('Find x. You FIRST think'), JSON.stringify(out));
    assert.ok(fp.render('\u200bFind x.').startsWith('\u200bFind x. You'));
    assert.ok(fp.render('\ufeffFind x.').startsWith('\ufeffFind x. You'), 'U+FEFF is not Python whitespace');
  });

  for (const c of PY_CASES) {
    it(`matches jinja2: ${c.why}`, () => {
      assert.equal(formatPromptFromSource('t', c.src).render(c.content), c.want);
      let lib: string | Error;
      try {
        lib = new Template(c.src.trim()).render({ content: c.content });
      } catch (e) {
        lib = e as Error;
      }
      if (c.libAgrees) assert.equal(lib, c.want);
      else assert.notEqual(lib, c.want, 'the library alone differs here (so this case shows our fix)');
    });
  }

  it('loads a .jinja file by path; a missing file or bad template is a GadError', async () => {
    const f = join(dir, 'mine.jinja');
    writeFileSync(f, '\n{{ content | trim }} Answer in \\boxed{}.\n\n');
    const fp = await loadFormatPrompt(f);
    assert.equal(fp.name, 'mine');
    assert.equal(fp.file, f);
    assert.equal(fp.source, '{{ content | trim }} Answer in \\boxed{}.');
    assert.equal(fp.render(' 1+1? '), '1+1? Answer in \\boxed{}.');
    await assert.rejects(
      loadFormatPrompt(join(dir, 'nope.jinja')),
      (e: unknown) => e instanceof GadError && /nope\.jinja/.test(e.message),
    );
    const bad = join(dir, 'bad.jinja');
    writeFileSync(bad, '{% if content %}unclosed');
    await assert.rejects(loadFormatPrompt(bad), (e: unknown) => e instanceof GadError && /bad\.jinja/.test(e.message));
  });

  it('agrees with python3 jinja2 when it is installed', (t) => {
    const probe = spawnSync('python3', ['-c', 'import jinja2'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      t.skip('python3 with jinja2 not available');
      return;
    }
    const py =
      'import sys, json, jinja2\nfor c in json.load(sys.stdin):\n    print(json.dumps(jinja2.Template(c["src"].strip()).render(content=c["content"])))\n';
    const r = spawnSync('python3', ['-c', py], { input: JSON.stringify(PY_CASES), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const got = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as string);
    assert.deepEqual(
      got,
      PY_CASES.map((c) => c.want),
    );
  });
});

describe('messages and chat template', () => {
  let q25: ModelProfile;
  let q3: ModelProfile;
  before(async () => {
    q25 = await loadModelProfile('qwen2.5-vl');
    q3 = await loadModelProfile('qwen3-vl');
  });

  it('splits on <image> as EasyR1 and verl do (empty text pieces skipped)', () => {
    assert.deepEqual(buildMessages('<image>Find x.'), [
      { role: 'user', content: [{ type: 'image' }, { type: 'text', text: 'Find x.' }] },
    ]);
    assert.deepEqual(buildMessages('a<image><image>b'), [
      {
        role: 'user',
        content: [{ type: 'text', text: 'a' }, { type: 'image' }, { type: 'image' }, { type: 'text', text: 'b' }],
      },
    ]);
    assert.deepEqual(buildMessages(''), [{ role: 'user', content: [] }]);
    assert.deepEqual(buildMessages('no image'), [{ role: 'user', content: [{ type: 'text', text: 'no image' }] }]);
  });

  it('renders with add_generation_prompt; qwen2.5-vl adds its default system turn, qwen3-vl does not', () => {
    const msgs = buildMessages('<image>Find x.');
    assert.equal(
      renderChat(q25, msgs),
      '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Find x.<|im_end|>\n<|im_start|>assistant\n',
    );
    assert.equal(
      renderChat(q3, msgs),
      '<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Find x.<|im_end|>\n<|im_start|>assistant\n',
    );
  });
});
