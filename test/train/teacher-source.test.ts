import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { planTraining } from '../../src/train/plan.js';
import { preflight } from '../../src/train/preflight.js';
import { fakeVerlEnv, makeFakeBuild } from '../helpers/train.js';

// verl-gad pre-flight names the teacher answers the build holds: the file, and the model and endpoint when
// `gad-data generate teacher` wrote it.
test('verl-gad pre-flight says which teacher file the build used, and who answered when generate wrote it', async () => {
  const b = makeFakeBuild({ family: 'qwen3-vl' });
  try {
    const p = join(b.outDir, 'manifest.json');
    const m = JSON.parse(readFileSync(p, 'utf8'));
    m.config = { ...(m.config ?? {}), teacher: { file: join(b.root, 'teacher.jsonl'), column: null } };
    writeFileSync(p, JSON.stringify(m));
    const env = fakeVerlEnv(join(b.root, 'rec.json'));
    const opts = { profile: 'verl-gad' as const, data: b.outDir, env, rewardModelPath: '/m/d' };
    const line = async () => (await preflight(await planTraining(opts), opts)).find((c) => c.check === 'teacher');
    let c = await line();
    assert.ok(c?.ok);
    assert.match(c!.message, /teacher responses from the file .*teacher\.jsonl/);
    assert.doesNotMatch(c!.message, /generate/);
    writeFileSync(
      join(b.root, 'teacher.generate.json'),
      JSON.stringify({
        settings: { model: 'gpt-5-chat', endpoint: 'api.example:443' },
        kept: 9,
        dropped: { truncated: 1 },
      }),
    );
    c = await line();
    assert.match(
      c!.message,
      /gad-data generate teacher: model gpt-5-chat at api\.example:443 \(9 answers kept, 1 left out\)/,
    );
  } finally {
    b.cleanup();
  }
});
