import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packagePath } from '../../src/core/paths.js';
import type { Manifest } from '../../src/core/types.js';
import { trainerImageSettings } from '../../src/recipes/lengths.js';
import { MODEL_FAMILIES, type ModelFamily, detectModelFamily } from '../../src/model/families/family-table.js';
import { loadModelProfile } from '../../src/model/model-profile.js';
import { detectFamily } from '../../src/train/model-check.js';

// The model-family table is the one place a family is described: the profile (counting), train's model checks and
// the recipes all read it. A family added to the table at run time is found and used by each of them.

const Q25 = packagePath('fixtures', 'models', 'qwen2.5-vl');
let root = '';
before(() => {
  root = mkdtempSync(join(tmpdir(), 'gad-families-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

function qwenFolder(name: string, config: Record<string, unknown>): string {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  symlinkSync(join(Q25, 'tokenizer.json'), join(d, 'tokenizer.json'));
  for (const f of ['tokenizer_config.json', 'chat_template.json', 'preprocessor_config.json'])
    copyFileSync(join(Q25, f), join(d, f));
  writeFileSync(join(d, 'config.json'), JSON.stringify(config));
  return d;
}

describe('model families: one table, one detection', () => {
  it('detects from model_type, processor_class, patch size and the id, in that order', () => {
    const d = (c: Parameters<typeof detectModelFamily>[0]) => {
      const r = detectModelFamily(c);
      return r && `${r.family.name}/${r.model}/${r.source}`;
    };
    assert.equal(d({ modelType: 'qwen3_vl_moe' }), 'qwen3-vl/qwen3-vl/config.json');
    assert.equal(d({ modelType: 'qwen2_5_vl' }), 'qwen2.5-vl/qwen2.5-vl/config.json');
    // Qwen2-VL counts as Qwen2.5-VL (same processor and tokens) but keeps its own name for train's mismatch check.
    assert.equal(d({ modelType: 'qwen2_vl' }), 'qwen2.5-vl/qwen2-vl/config.json');
    assert.equal(d({ modelType: 'llama', processorClass: 'Qwen3VLProcessor' }), 'qwen3-vl/qwen3-vl/processor_class');
    assert.equal(d({ processorClass: 'Qwen2_5_VLProcessor', patchSize: 16 }), 'qwen2.5-vl/qwen2.5-vl/processor_class');
    assert.equal(d({ patchSize: 16 }), 'qwen3-vl/qwen3-vl/patch_size');
    assert.equal(d({ patchSize: 14, id: 'Qwen/Qwen3-VL-8B-Instruct' }), 'qwen2.5-vl/qwen2.5-vl/patch_size');
    assert.equal(d({ id: 'Qwen/Qwen3-VL-8B-Instruct' }), 'qwen3-vl/qwen3-vl/name');
    assert.equal(d({ id: 'Qwen/Qwen2.5-VL-7B-Instruct' }), 'qwen2.5-vl/qwen2.5-vl/name');
    assert.equal(d({ id: 'Qwen/Qwen2-VL-7B-Instruct' }), 'qwen2.5-vl/qwen2-vl/name');
    assert.equal(d({ patchSize: 15, id: 'OpenGVLab/InternVL3-8B' }), null);
  });

  it('a family added to the table is what the profile, train and the recipes use (its tokens, not literals)', async () => {
    // A plausible family: another model_type and id, and another image placeholder (a token the Qwen tokenizer has).
    const fake: ModelFamily = {
      name: 'fake-vl',
      detect: { modelType: /^fake_vl/, processorClass: /^FakeVL/, id: /fake-?vl/i },
      patchSize: 15,
      tokens: {
        imagePad: '<|video_pad|>',
        visionStart: '<|vision_start|>',
        visionEnd: '<|vision_end|>',
        imEnd: '<|im_end|>',
      },
      resize: 'smart_resize',
      swiftImageBounds: 'tokens',
    };
    (MODEL_FAMILIES as ModelFamily[]).push(fake);
    try {
      const dir = qwenFolder('fake', { model_type: 'fake_vl', vision_config: { patch_size: 14 } });
      const p = await loadModelProfile(dir);
      assert.equal(p.family, 'fake-vl');
      assert.equal(p.familySource, 'config.json');
      assert.equal(p.specialTokens.imagePad, p.tokenizer.token_to_id('<|video_pad|>'));
      assert.notEqual(p.specialTokens.imagePad, p.tokenizer.token_to_id('<|image_pad|>'));

      assert.equal((await detectFamily(dir)).family, 'fake-vl');
      assert.equal((await detectFamily('SomeOrg/Fake-VL-7B', { env: { HF_HUB_CACHE: root } })).family, 'fake-vl');

      const m = { model: { family: 'fake-vl', patchSize: 14, minPixels: 4 * 784, maxPixels: 100 * 784 } } as Manifest;
      assert.deepEqual(trainerImageSettings(m).env, { IMAGE_MIN_TOKEN_NUM: '4', IMAGE_MAX_TOKEN_NUM: '100' });
    } finally {
      (MODEL_FAMILIES as ModelFamily[]).splice(MODEL_FAMILIES.indexOf(fake), 1);
    }
  });
});
