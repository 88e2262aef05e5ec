import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { packagePath } from '../../src/core/paths.js';
import { planTraining } from '../../src/train/plan.js';
import { preflight } from '../../src/train/preflight.js';
import { runTraining } from '../../src/train/run-training.js';
import { type TrainOptions } from '../../src/train/launch-plan.js';
import { Capture, fakeVerlEnv, makeFakeBuild, makeModelDir } from '../helpers/train.js';

// The launch takes its model from the build unless the user names another; a named model of another family, other
// vision settings or a text-only model fails pre-flight; a dry run whose pre-flight fails exits 2.

const EXAMPLE = packagePath('test', 'fixtures', 'easyr1', 'config.yaml');

function withManifest(outDir: string, patch: (m: Record<string, any>) => void): void {
  const p = join(outDir, 'manifest.json');
  const m = JSON.parse(readFileSync(p, 'utf8'));
  patch(m);
  writeFileSync(p, JSON.stringify(m));
}

async function modelCheck(opts: TrainOptions, role = 'policy model') {
  const plan = await planTraining(opts);
  const c = (await preflight(plan, opts)).find((x) => x.check === role);
  assert.ok(c, role);
  return { plan, check: c };
}

describe("the launch's model", () => {
  it("easyr1 --base-config examples/config.yaml launches the build's Qwen2.5-VL, not the example's text model", async () => {
    const b = makeFakeBuild({ target: 'easyr1', kind: 'grpo', splits: { train: 1, test: 1 } });
    try {
      const env = fakeVerlEnv(join(b.root, 'rec.json'));
      const { plan, check } = await modelCheck({ profile: 'easyr1', data: b.outDir, baseConfig: EXAMPLE, env });
      const cfg = YAML.parse(plan.configFile!.text);
      assert.equal(cfg.worker.actor.model.model_path, 'Qwen/Qwen2.5-VL-7B-Instruct');
      assert.equal(plan.models?.generator, 'Qwen/Qwen2.5-VL-7B-Instruct');
      assert.ok(
        plan.notes.some((n) => /model_path Qwen\/Qwen2\.5-7B-Instruct of the config is replaced/.test(n)),
        plan.notes.join('\n'),
      );
      assert.equal(check.ok, true, check.message);
      assert.ok(!check.warn, check.message);
    } finally {
      b.cleanup();
    }
  });

  it('a text model named with --model-path (or after --) is a pre-flight FAIL naming the fix', async () => {
    const b = makeFakeBuild({ target: 'easyr1', kind: 'grpo', splits: { train: 1, test: 1 } });
    try {
      const env = fakeVerlEnv(join(b.root, 'rec.json'));
      const base: TrainOptions = { profile: 'easyr1', data: b.outDir, baseConfig: EXAMPLE, env };
      for (const opts of [
        { ...base, modelPath: 'Qwen/Qwen2.5-7B-Instruct' },
        { ...base, overrides: ['worker.actor.model.model_path=Qwen/Qwen2.5-7B-Instruct'] },
      ]) {
        const { check } = await modelCheck(opts);
        assert.equal(check.ok, false, check.message);
        assert.match(check.message, /made for qwen2\.5-vl .* Qwen\/Qwen2\.5-7B-Instruct is a text-only model/);
        assert.match(check.message, /launch the build's model \(--model-path Qwen\/Qwen2\.5-VL-7B-Instruct/);
      }
      // a local folder: config.json of a text model (no vision_config), and a VL model with another merge size
      const text = join(b.root, 'text-model');
      mkdirSync(text);
      writeFileSync(join(text, 'config.json'), JSON.stringify({ model_type: 'qwen2' }));
      let r = await modelCheck({ ...base, modelPath: text });
      assert.match(r.check.message, /is a text-only model \(from config\.json model_type qwen2, no vision_config\)/);
      const merge4 = join(b.root, 'merge4');
      mkdirSync(merge4);
      writeFileSync(
        join(merge4, 'config.json'),
        JSON.stringify({ model_type: 'qwen2_5_vl', vision_config: { patch_size: 14, spatial_merge_size: 4 } }),
      );
      r = await modelCheck({ ...base, modelPath: merge4 });
      assert.equal(r.check.ok, false);
      assert.match(r.check.message, /vision spatial merge size 2 but .* has 4/);
      // a relative folder resolves from the folder the trainer runs in
      r = await modelCheck({ ...base, modelPath: 'merge4', cwd: b.root });
      assert.match(r.check.message, /spatial merge size 2 but the policy model merge4 has 4/);
    } finally {
      b.cleanup();
    }
  });

  it("a Hub id is checked against its snapshot in the Hugging Face cache; an unknown model is a WARN, not 'ok'", async () => {
    const b = makeFakeBuild({ target: 'verl', kind: 'grpo', splits: { train: 1, test: 1 } });
    try {
      const hub = join(b.root, 'hf', 'hub');
      const snap = join(hub, 'models--acme--geo-ckpt', 'snapshots', 'abc123');
      mkdirSync(join(hub, 'models--acme--geo-ckpt', 'refs'), { recursive: true });
      writeFileSync(join(hub, 'models--acme--geo-ckpt', 'refs', 'main'), 'abc123');
      makeModelDir(join(snap, '..'), 'abc123', 'qwen3_vl', 16);
      const env = fakeVerlEnv(join(b.root, 'rec.json'), { HF_HUB_CACHE: hub });
      let r = await modelCheck({ profile: 'verl-grpo', data: b.outDir, modelPath: 'acme/geo-ckpt', env });
      assert.equal(r.check.ok, false);
      assert.match(r.check.message, /is qwen3-vl \(from the Hugging Face cache: config\.json model_type qwen3_vl\)/);
      r = await modelCheck({ profile: 'verl-grpo', data: b.outDir, modelPath: 'acme/other', env });
      assert.equal(r.check.ok, true);
      assert.equal(r.check.warn, true, 'not checked is said as a WARN');
      assert.match(r.check.message, /family not checked/);
    } finally {
      b.cleanup();
    }
  });

  it('verl-gad and verl-grpo: the generator defaults to the build model; $MODEL_PATH and --model-path name another', async () => {
    const b = makeFakeBuild({ family: 'qwen3-vl' });
    try {
      const env = fakeVerlEnv(join(b.root, 'rec.json'));
      for (const profile of ['verl-gad', 'verl-grpo'] as const) {
        let plan = await planTraining({ profile, data: b.outDir, env, rewardModelPath: '/m/d' });
        assert.ok(plan.command.includes('actor_rollout_ref.model.path=Qwen/Qwen3-VL-8B-Instruct'), profile);
        plan = await planTraining({ profile, data: b.outDir, env: { ...env, MODEL_PATH: '/m/g' } });
        assert.ok(plan.command.includes('actor_rollout_ref.model.path=/m/g'), profile);
        plan = await planTraining({ profile, data: b.outDir, env, modelPath: '/m/h' });
        assert.ok(plan.command.includes('actor_rollout_ref.model.path=/m/h'), profile);
      }
    } finally {
      b.cleanup();
    }
  });

  it('a model the build found in the ModelScope cache is launched from that folder (verl and EasyR1 would look on the HF Hub)', async () => {
    const b = makeFakeBuild({ family: 'qwen3-vl' });
    try {
      const env = fakeVerlEnv(join(b.root, 'rec.json'));
      const dir = makeModelDir(join(b.root, 'modelscope', 'models', 'Qwen'), 'Qwen3-VL-8B-Instruct', 'qwen3_vl', 16);
      withManifest(b.outDir, (m) => {
        m.model.source = `ModelScope cache ${dir} (--model)`;
        m.model.localDir = dir;
      });
      const verl = await modelCheck({ profile: 'verl-grpo', data: b.outDir, env });
      assert.ok(verl.plan.command.includes(`actor_rollout_ref.model.path=${dir}`), verl.plan.command.join(' '));
      assert.equal(verl.check.ok, true, verl.check.message);
      const { plan } = await modelCheck({ profile: 'easyr1', data: b.outDir, baseConfig: EXAMPLE, env });
      assert.equal(YAML.parse(plan.configFile!.text).worker.actor.model.model_path, dir);
      // the folder gone (another machine): a FAIL naming the fix, not a launch of the bare id
      withManifest(b.outDir, (m) => (m.model.localDir = join(b.root, 'elsewhere')));
      const gone = await modelCheck({ profile: 'verl-grpo', data: b.outDir, env });
      assert.equal(gone.check.ok, false);
      assert.match(gone.check.message, /ModelScope cache folder .* not found here.*--model-path/);
    } finally {
      b.cleanup();
    }
  });

  it('a build counted with a bundled profile (no weights) or a local folder not found: FAIL says why and what to pass', async () => {
    const b = makeFakeBuild({ family: 'qwen3-vl', kind: 'grpo' });
    try {
      const env = fakeVerlEnv(join(b.root, 'rec.json'));
      withManifest(b.outDir, (m) => Object.assign(m.model, { name: 'qwen3-vl', source: 'bundled profile (model)' }));
      let r = await modelCheck({ profile: 'verl-grpo', data: b.outDir, env });
      assert.equal(r.check.ok, false);
      assert.match(r.check.message, /bundled qwen3-vl profile .* pass --model-path with the qwen3-vl model you train/);
      withManifest(b.outDir, (m) =>
        Object.assign(m.model, { name: 'ckpt/qwen3', source: 'local folder ckpt/qwen3 (--model)' }),
      );
      r = await modelCheck({ profile: 'verl-grpo', data: b.outDir, env, cwd: b.root });
      assert.match(r.check.message, /local folder ckpt\/qwen3, which is not found from/);
      makeModelDir(join(b.root, 'ckpt'), 'qwen3', 'qwen3_vl', 16);
      r = await modelCheck({ profile: 'verl-grpo', data: b.outDir, env, cwd: b.root });
      assert.equal(r.check.ok, true, r.check.message);
      assert.equal(r.plan.models?.generator, join(b.root, 'ckpt', 'qwen3'));
    } finally {
      b.cleanup();
    }
  });

  it('--dry-run exits 2 when pre-flight has a FAIL, 0 when every check passes', async () => {
    const b = makeFakeBuild({ target: 'easyr1', kind: 'grpo', splits: { train: 1, test: 1 }, rowsPerShard: 600 });
    try {
      // EasyR1's checkout: the example config's reward function, run from its root
      const root = join(b.root, 'EasyR1');
      mkdirSync(join(root, 'examples', 'reward_function'), { recursive: true });
      copyFileSync(EXAMPLE, join(root, 'examples', 'config.yaml'));
      writeFileSync(join(root, 'examples', 'reward_function', 'math.py'), 'def compute_score(x):\n    return []\n');
      const env = fakeVerlEnv(join(b.root, 'rec.json'), { PATH: `${join(b.root, 'no-bin')}:/usr/bin:/bin` });
      const base: TrainOptions = {
        profile: 'easyr1',
        data: b.outDir,
        baseConfig: join(root, 'examples', 'config.yaml'),
        dryRun: true,
        cwd: root,
        env,
      };
      let out = new Capture();
      let err = new Capture();
      const io = { stdout: out as unknown as NodeJS.WritableStream, stderr: err as unknown as NodeJS.WritableStream };
      assert.equal(await runTraining({ ...base, ...io }), 0, out.text);
      assert.doesNotMatch(out.text, /FAIL/);
      out = new Capture();
      err = new Capture();
      const code = await runTraining({
        ...base,
        modelPath: 'Qwen/Qwen2.5-7B-Instruct',
        stdout: out as unknown as NodeJS.WritableStream,
        stderr: err as unknown as NodeJS.WritableStream,
      });
      assert.equal(code, 2, out.text);
      assert.match(out.text, /FAIL policy model: .* text-only model/);
      assert.match(err.text, /pre-flight failed \(1 of \d+ checks/);
    } finally {
      b.cleanup();
    }
  });
});
