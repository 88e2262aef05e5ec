import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GadError } from '../../src/core/errors.js';
import { sha256 } from '../../src/core/hash.js';
import { packagePath } from '../../src/core/paths.js';
import { loadModelProfile } from '../../src/model/model-profile.js';
import { BUNDLED_MODELS } from '../../src/model/model-locate.js';
import { goldenMeta } from '../helpers/format-golden.js';

const Q25 = packagePath('fixtures', 'models', 'qwen2.5-vl');
const Q3 = packagePath('fixtures', 'models', 'qwen3-vl');
const V5 = packagePath('test', 'fixtures', 'models', 'Qwen2.5-VL-3B-saved-by-transformers-v5');

let root: string;
let n = 0;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'gad-profile-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

/** A model folder in the temp dir: tokenizer.json linked (it is large), other files copied or written. */
function modelDir(files: Record<string, string | { from: string }>): string {
  const d = join(root, `m${n++}`);
  mkdirSync(d, { recursive: true });
  for (const [name, v] of Object.entries(files)) {
    if (typeof v === 'string') writeFileSync(join(d, name), v);
    else if (name === 'tokenizer.json') symlinkSync(v.from, join(d, name));
    else copyFileSync(v.from, join(d, name));
  }
  return d;
}

const q25Files = () => ({
  'tokenizer.json': { from: join(Q25, 'tokenizer.json') },
  'tokenizer_config.json': { from: join(Q25, 'tokenizer_config.json') },
  'chat_template.json': { from: join(Q25, 'chat_template.json') },
  'preprocessor_config.json': { from: join(Q25, 'preprocessor_config.json') },
});

async function rejectsNaming(p: Promise<unknown>, file: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof GadError, `a GadError, got ${String(e)}`);
    assert.match(e.message, file);
    assert.equal(e.exitCode, 2);
    return true;
  });
}

describe('bundled profiles', () => {
  it('match the processors of the golden vectors', async () => {
    const meta = goldenMeta();
    assert.deepEqual([...BUNDLED_MODELS], ['qwen2.5-vl', 'qwen3-vl']);
    for (const name of BUNDLED_MODELS) {
      const p = await loadModelProfile(name);
      const m = meta.processors[name]!;
      assert.equal(p.name, name);
      assert.equal(p.family, name);
      assert.equal(p.bundled, true);
      assert.deepEqual(p.geometry, {
        patchSize: m.patch_size,
        mergeSize: m.merge_size,
        factor: m.patch_size * m.merge_size,
        minPixels: m.min_pixels,
        maxPixels: m.max_pixels,
      });
      assert.equal(p.chatTemplateSha256, m.chat_template_sha256);
      assert.equal(p.tokenizerSha256, m.model_dir_files_sha256['tokenizer.json']);
      assert.equal(p.eosToken, m.eos_token);
      assert.equal(p.imEndToken, '<|im_end|>');
      assert.equal(p.specialTokens.imagePad, m.image_token_id);
      assert.equal(p.specialTokens.imEnd, 151645);
      assert.equal(p.specialTokens.visionStart, 151652);
      assert.equal(p.specialTokens.visionEnd, 151653);
      assert.equal(p.chatTemplateSource, 'chat_template.json');
    }
  });

  it('pixel bounds and family can be overridden', async () => {
    const p = await loadModelProfile('qwen3-vl', { minPixels: 262144, maxPixels: 4194304 });
    assert.equal(p.geometry.minPixels, 262144);
    assert.equal(p.geometry.maxPixels, 4194304);
    assert.deepEqual(p.modelPixels, { minPixels: 65536, maxPixels: 16777216 });
    assert.equal(p.geometry.factor, 32);
    const f = await loadModelProfile('qwen2.5-vl', { family: 'qwen3-vl' });
    assert.equal(f.family, 'qwen3-vl');
    assert.equal(f.familySource, 'override');
    await assert.rejects(loadModelProfile('qwen3-vl', { minPixels: 5000, maxPixels: 4000 }), GadError);
    await assert.rejects(loadModelProfile('qwen3-vl', { minPixels: -1 }), GadError);
  });
});

describe('model folder layouts', () => {
  it('a checkpoint folder like the official repo (config.json names the family)', async () => {
    const d = modelDir({ ...q25Files(), 'config.json': { from: join(Q25, 'config.json') } });
    const p = await loadModelProfile(d);
    assert.equal(p.family, 'qwen2.5-vl');
    assert.equal(p.familySource, 'config.json');
    assert.equal(p.dir, d);
    assert.equal(p.bundled, false);
    assert.equal(p.geometry.factor, 28);
    assert.equal(p.imageConfigSource, 'preprocessor_config.json');
  });

  it('size.shortest_edge / longest_edge (Qwen3-VL) and family from processor_class', async () => {
    const d = modelDir({
      'tokenizer.json': { from: join(Q3, 'tokenizer.json') },
      'tokenizer_config.json': { from: join(Q3, 'tokenizer_config.json') },
      'chat_template.json': { from: join(Q3, 'chat_template.json') },
      'preprocessor_config.json': { from: join(Q3, 'preprocessor_config.json') },
    });
    const p = await loadModelProfile(d);
    assert.equal(p.family, 'qwen3-vl');
    assert.equal(p.familySource, 'processor_class');
    assert.deepEqual([p.geometry.minPixels, p.geometry.maxPixels, p.geometry.factor], [65536, 16777216, 32]);
  });

  it('family from the patch size when nothing else names it', async () => {
    const pre = { patch_size: 16, merge_size: 2, size: { shortest_edge: 65536, longest_edge: 16777216 } };
    const d = modelDir({ ...q25Files(), 'preprocessor_config.json': JSON.stringify(pre) });
    const p = await loadModelProfile(d);
    assert.equal(p.family, 'qwen3-vl');
    assert.equal(p.familySource, 'patch_size');
    const d2 = modelDir({ ...q25Files(), 'preprocessor_config.json': JSON.stringify({ ...pre, patch_size: 15 }) });
    await rejectsNaming(loadModelProfile(d2), /family/);
  });

  it('top-level min_pixels / max_pixels win over size (Qwen2VLImageProcessor)', async () => {
    const pre = {
      patch_size: 14,
      merge_size: 2,
      min_pixels: 1000,
      max_pixels: 2000000,
      size: { shortest_edge: 3136, longest_edge: 12845056 },
    };
    const p = await loadModelProfile(modelDir({ ...q25Files(), 'preprocessor_config.json': JSON.stringify(pre) }));
    assert.deepEqual([p.geometry.minPixels, p.geometry.maxPixels], [1000, 2000000]);
  });

  it("the repo's first preprocessor_config (Qwen2_5_VLImageProcessor) loads", async () => {
    const d = modelDir({
      ...q25Files(),
      'preprocessor_config.json': {
        from: packagePath('test', 'fixtures', 'models', 'preprocessor_config.initial-a22b9b2.json'),
      },
    });
    const p = await loadModelProfile(d);
    assert.equal(p.family, 'qwen2.5-vl');
    assert.deepEqual([p.geometry.minPixels, p.geometry.maxPixels, p.geometry.factor], [3136, 12845056, 28]);
  });

  it('transformers v5 save: processor_config.json with a nested image_processor, template in tokenizer_config', async () => {
    const tc = JSON.parse(readFileSync(join(V5, 'tokenizer_config.json'), 'utf8'));
    const template = JSON.parse(readFileSync(join(Q25, 'chat_template.json'), 'utf8')).chat_template as string;
    const d = modelDir({
      'tokenizer.json': { from: join(Q25, 'tokenizer.json') },
      'tokenizer_config.json': JSON.stringify({ ...tc, chat_template: template }),
      'processor_config.json': { from: join(V5, 'processor_config.json') },
    });
    const p = await loadModelProfile(d);
    assert.equal(p.imageConfigSource, 'processor_config.json (image_processor)');
    assert.deepEqual(
      [p.geometry.minPixels, p.geometry.maxPixels, p.geometry.patchSize, p.geometry.mergeSize],
      [200704, 451584, 14, 2],
    );
    assert.equal(p.family, 'qwen2.5-vl');
    assert.equal(p.chatTemplateSource, 'tokenizer_config.json');
    assert.equal(p.chatTemplateSha256, sha256(template));
  });

  it('the v5 folder as shipped (no tokenizer.json) is an error naming tokenizer.json', async () => {
    await rejectsNaming(loadModelProfile(V5), /tokenizer\.json/);
  });

  it('chat template precedence: chat_template.jinja, then chat_template.json, then tokenizer_config.json', async () => {
    const tc = JSON.parse(readFileSync(join(Q25, 'tokenizer_config.json'), 'utf8'));
    const all = modelDir({
      ...q25Files(),
      'tokenizer_config.json': JSON.stringify({ ...tc, chat_template: 'from tokenizer_config' }),
      'chat_template.json': JSON.stringify({ chat_template: 'from chat_template.json' }),
      'chat_template.jinja': 'from chat_template.jinja',
    });
    let p = await loadModelProfile(all);
    assert.equal(p.chatTemplate, 'from chat_template.jinja');
    assert.equal(p.chatTemplateSource, 'chat_template.jinja');
    rmSync(join(all, 'chat_template.jinja'));
    p = await loadModelProfile(all);
    assert.equal(p.chatTemplate, 'from chat_template.json');
    rmSync(join(all, 'chat_template.json'));
    p = await loadModelProfile(all);
    assert.equal(p.chatTemplate, 'from tokenizer_config');
    // A named list of templates: `default` is taken.
    writeFileSync(
      join(all, 'tokenizer_config.json'),
      JSON.stringify({
        ...tc,
        chat_template: [
          { name: 'tool_use', template: 'T' },
          { name: 'default', template: 'D' },
        ],
      }),
    );
    p = await loadModelProfile(all);
    assert.equal(p.chatTemplate, 'D');
    writeFileSync(join(all, 'tokenizer_config.json'), JSON.stringify({ ...tc, chat_template: undefined }));
    await rejectsNaming(loadModelProfile(all), /chat_template\.jinja, chat_template\.json/);
  });

  it('a Hugging Face cache folder resolves to the snapshot refs/main names', async () => {
    const cache = join(root, 'models--Qwen--Qwen2.5-VL-7B-Instruct');
    const snap = join(cache, 'snapshots', 'cc594898137f460bfe9f0759e9844b3ce807cfb5');
    mkdirSync(snap, { recursive: true });
    mkdirSync(join(cache, 'snapshots', 'older'), { recursive: true });
    mkdirSync(join(cache, 'refs'), { recursive: true });
    writeFileSync(join(cache, 'refs', 'main'), 'cc594898137f460bfe9f0759e9844b3ce807cfb5\n');
    for (const [name, v] of Object.entries(q25Files())) {
      if (name === 'tokenizer.json') symlinkSync(v.from, join(snap, name));
      else copyFileSync(v.from, join(snap, name));
    }
    const p = await loadModelProfile(cache);
    assert.equal(p.dir, snap);
    assert.equal(p.family, 'qwen2.5-vl');
    rmSync(join(cache, 'refs'), { recursive: true });
    await rejectsNaming(loadModelProfile(cache), /snapshots/);
  });
});

describe('bad model folders', () => {
  it('missing files are named', async () => {
    const files = q25Files();
    for (const missing of ['tokenizer.json', 'tokenizer_config.json', 'preprocessor_config.json'] as const) {
      const f: Record<string, string | { from: string }> = { ...files };
      delete f[missing];
      await rejectsNaming(loadModelProfile(modelDir(f)), new RegExp(missing.replace('.', '\\.')));
    }
  });

  it('bad JSON and bad values are named', async () => {
    await rejectsNaming(
      loadModelProfile(modelDir({ ...q25Files(), 'preprocessor_config.json': '{"patch_size": 14,' })),
      /preprocessor_config\.json is not valid JSON/,
    );
    await rejectsNaming(
      loadModelProfile(modelDir({ ...q25Files(), 'tokenizer_config.json': '[1, 2]' })),
      /tokenizer_config\.json is not a JSON object/,
    );
    await rejectsNaming(
      loadModelProfile(modelDir({ ...q25Files(), 'tokenizer.json': 'not json' })),
      /tokenizer\.json is not valid JSON/,
    );
    await rejectsNaming(
      loadModelProfile(modelDir({ ...q25Files(), 'preprocessor_config.json': '{"patch_size": "14"}' })),
      /patch_size/,
    );
    await rejectsNaming(
      loadModelProfile(modelDir({ ...q25Files(), 'chat_template.json': '{"template": "x"}' })),
      /chat_template\.json/,
    );
    const noPre: Record<string, string | { from: string }> = {
      ...q25Files(),
      'processor_config.json': '{"processor_class": "Qwen2_5_VLProcessor"}',
    };
    delete noPre['preprocessor_config.json'];
    await rejectsNaming(loadModelProfile(modelDir(noPre)), /processor_config\.json has no "image_processor"/);
  });

  it('a tokenizer without the vision tokens is not a Qwen-VL tokenizer', async () => {
    const tj = JSON.parse(readFileSync(join(Q25, 'tokenizer.json'), 'utf8'));
    tj.added_tokens = tj.added_tokens.filter((t: { content: string }) => t.content !== '<|image_pad|>');
    delete tj.model.vocab['<|image_pad|>'];
    await rejectsNaming(
      loadModelProfile(modelDir({ ...q25Files(), 'tokenizer.json': JSON.stringify(tj) })),
      /<\|image_pad\|>/,
    );
  });

  it('an unknown name or a file is an error that lists the bundled models', async () => {
    await rejectsNaming(loadModelProfile(join(root, 'qwen9-vl')), /model folder not found/);
    const f = join(root, 'file.txt');
    writeFileSync(f, 'x');
    await rejectsNaming(loadModelProfile(f), /folder/);
    await assert.rejects(
      loadModelProfile('no-such-model'),
      (e: unknown) => e instanceof GadError && /qwen2\.5-vl, qwen3-vl/.test(e.hint ?? ''),
    );
  });
});
