import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_REVISION as LIB_REVISION, HUB_URL as LIB_URL, getRepoFolderName } from '@huggingface/hub';
import { DEFAULT_REVISION, HUB_URL, hubRepoFolderName } from '../../src/core/hf-paths.js';

test("the Hub values written out in hf-paths.ts are @huggingface/hub's", () => {
  assert.equal(HUB_URL, LIB_URL);
  assert.equal(DEFAULT_REVISION, LIB_REVISION);
  for (const name of ['Qwen/Qwen3-VL-8B-Instruct', 'hiyouga/geometry3k', 'a/b.c-d_e', 'solo', 'x/y/z'])
    for (const type of ['model', 'dataset'] as const)
      assert.equal(hubRepoFolderName(name, type), getRepoFolderName({ name, type }), `${type} ${name}`);
});
