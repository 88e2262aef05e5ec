import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { GadError } from '../../src/core/errors.js';
import { packagePath } from '../../src/core/paths.js';
import { planTraining } from '../../src/train/plan.js';
import { preflight } from '../../src/train/preflight.js';
import type { TrainOptions } from '../../src/train/launch-plan.js';
import { TRAINER_PROFILES, type TrainerProfile, trainerProfile } from '../../src/train/profiles/profile-table.js';
import { fakeVerlEnv, makeFakeBuild, makeModelDir } from '../helpers/train.js';

// The trainer-profile table is the one place a profile is described: planTraining runs its planner, preflight its
// checks and probe, and a name the table does not hold is a usage error, never a launch as verl.

function usageErrorListing(names: string[]) {
  return (e: unknown) => {
    assert.ok(e instanceof GadError, `a GadError, got ${String(e)}`);
    assert.equal(e.exitCode, 2);
    assert.match(e.message, /unknown training profile "verl-ppo"/);
    for (const n of names) assert.ok(e.hint?.includes(n), `${n} in ${e.hint}`);
    return true;
  };
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function anchors(file: string): Set<string> {
  const text = readFileSync(packagePath(file), 'utf8').replace(/```[\s\S]*?```/g, '');
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const h = /^#{1,6} (.*)$/.exec(line);
    if (h)
      out.add(
        h[1]!
          .toLowerCase()
          .replace(/[^\p{L}\p{N} _-]/gu, '')
          .replace(/ /g, '-'),
      );
  }
  return out;
}

describe('trainer profiles: one table', () => {
  const env = fakeVerlEnv(join(tmpdir(), 'unused-record.json'));

  it('an unknown profile is a usage error listing the profiles, in planTraining and in preflight', async () => {
    const b = makeFakeBuild({ kind: 'grpo', splits: { train: 1, test: 1 } });
    try {
      const opts: TrainOptions = {
        profile: 'verl-grpo',
        data: b.outDir,
        modelPath: makeModelDir(b.root, 'm', 'qwen2_5_vl', 14),
        env,
      };
      const names = ['verl-gad', 'verl-grpo', 'easyr1'];
      await assert.rejects(planTraining({ ...opts, profile: 'verl-ppo' }), usageErrorListing(names));
      const plan = await planTraining(opts);
      await assert.rejects(
        preflight({ ...plan, profile: 'verl-ppo' }, { ...opts, profile: 'verl-ppo' }),
        usageErrorListing(names),
      );
      assert.throws(() => trainerProfile('verl-ppo', 'export'), /unknown training profile/);
    } finally {
      b.cleanup();
    }
  });

  it("each profile's docs link names a section that exists", () => {
    for (const p of TRAINER_PROFILES) {
      const [file, anchor] = p.docs.split('#');
      assert.ok(anchors(file!).has(anchor!), `${p.name}: ${p.docs}`);
    }
  });

  it('a profile added to the table is planned and checked by its entry', async () => {
    const grpo = trainerProfile('verl-grpo', 'build');
    const fake: TrainerProfile = {
      ...grpo,
      name: 'verl-fake',
      docs: 'docs/train.md#pre-flight',
      buildProblem: () => 'verl-fake wants a fake build',
      checks: async () => [{ check: 'fake', ok: true, message: 'checked by the verl-fake entry' }],
    };
    (TRAINER_PROFILES as TrainerProfile[]).push(fake);
    const b = makeFakeBuild({ kind: 'grpo', splits: { train: 1, test: 1 } });
    try {
      const opts: TrainOptions = {
        profile: 'verl-fake',
        data: b.outDir,
        modelPath: makeModelDir(b.root, 'm', 'qwen2_5_vl', 14),
        env,
      };
      const plan = await planTraining(opts);
      assert.equal(plan.command[2], 'verl.trainer.main_ppo');
      const checks = await preflight(plan, opts);
      assert.deepEqual(
        checks.find((c) => c.check === 'fake'),
        { check: 'fake', ok: true, message: 'checked by the verl-fake entry' },
      );
      assert.match(checks.find((c) => c.check === 'build')!.message, /verl-fake wants a fake build/);
      assert.equal(
        checks.find((c) => c.check === 'reward'),
        undefined,
      );
    } finally {
      (TRAINER_PROFILES as TrainerProfile[]).splice(TRAINER_PROFILES.indexOf(fake), 1);
      b.cleanup();
    }
  });
});
