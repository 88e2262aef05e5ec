/**
 * `gad-data train --profile swift-sft|swift-rm`: launches of ms-swift planned from a real export of the
 * bundled sample build, run against a recording fake `swift` package on PYTHONPATH (test/fixtures/fake-swift).
 */
import assert from 'node:assert/strict';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packagePath } from '../../src/core/paths.js';
import { exportRm } from '../../src/recipes/rm.js';
import { exportSft } from '../../src/recipes/sft.js';
import { planSwift, runSwiftTraining } from '../../src/train/swift.js';
import { type SwiftOptions } from '../../src/train/swift-options.js';
import { swiftPreflight } from '../../src/train/swift-preflight.js';
import { runCli } from '../helpers/gad-cli.js';
import { Capture, makeModelDir } from '../helpers/train.js';

const FAKE_SWIFT_DIR = packagePath('test', 'fixtures', 'fake-swift');

let root: string;
let build: string;
let sft: string;
let rm: string;
let record: string;
let env: NodeJS.ProcessEnv;
let qwen3: string;

function fakeSmi(dir: string, n: number): string {
  mkdirSync(dir, { recursive: true });
  const lines = Array.from({ length: n }, (_, i) => `echo "GPU ${i}: NVIDIA H100 80GB HBM3 (UUID: GPU-${i})"`);
  writeFileSync(join(dir, 'nvidia-smi'), `#!/bin/sh\n${lines.join('\n')}\n`);
  chmodSync(join(dir, 'nvidia-smi'), 0o755);
  return dir;
}

const read = () =>
  JSON.parse(readFileSync(record, 'utf8')) as { argv: string[]; env: Record<string, string>; cwd: string };
const opts = (o: Partial<SwiftOptions> & Pick<SwiftOptions, 'profile' | 'data'>): SwiftOptions => ({
  env,
  modelPath: qwen3,
  stdout: new Capture() as unknown as NodeJS.WritableStream,
  stderr: new Capture() as unknown as NodeJS.WritableStream,
  ...o,
});

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'gad-swift-'));
  const r = await runCli(['build', '-q'], { cwd: root, timeoutMs: 600_000 });
  assert.equal(r.status, 0, r.stderr);
  build = join(root, 'gad-data-out');
  sft = (await exportSft({ from: build, format: 'ms-swift' })).out;
  rm = (await exportRm({ from: build, format: 'ms-swift' })).out;
  record = join(root, 'record.json');
  const bin = fakeSmi(join(root, 'bin'), 2);
  env = {
    ...process.env,
    PYTHONDONTWRITEBYTECODE: '1',
    FAKE_SWIFT_RECORD: record,
    PATH: `${bin}${delimiter}${process.env.PATH}`,
  };
  env.PYTHONPATH = [FAKE_SWIFT_DIR, process.env.PYTHONPATH].filter(Boolean).join(delimiter);
  for (const k of [
    'MODEL_PATH',
    'PYTHON',
    'NPROC_PER_NODE',
    'MAX_PIXELS',
    'MIN_PIXELS',
    'IMAGE_MAX_TOKEN_NUM',
    'IMAGE_MIN_TOKEN_NUM',
    'ROOT_IMAGE_DIR',
  ])
    delete env[k];
  qwen3 = makeModelDir(root, 'student', 'qwen3_vl', 16);
});

after(() => rmSync(root, { recursive: true, force: true }));

describe('train --profile swift-sft / swift-rm', { timeout: 900_000 }, () => {
  it('swift-sft: `swift sft` gets the export dataset, max_length and the Qwen3-VL image-token bounds', async () => {
    rmSync(record, { force: true });
    const x = JSON.parse(readFileSync(join(sft, 'export.json'), 'utf8'));
    const code = await runSwiftTraining(
      opts({ profile: 'swift-sft', data: sft, overrides: ['--learning_rate', '2e-5'] }),
    );
    assert.equal(code, 0);
    const rec = read();
    const plan = await planSwift(opts({ profile: 'swift-sft', data: sft, overrides: ['--learning_rate', '2e-5'] }));
    assert.deepEqual(rec.argv.slice(1), plan.command.slice(3));
    const argv = rec.argv.slice(1);
    const val = (k: string) => argv[argv.indexOf(k) + 1];
    assert.equal(argv[0], 'sft');
    assert.equal(val('--dataset'), join(sft, 'train.jsonl'));
    assert.equal(val('--val_dataset'), join(sft, 'test.jsonl'));
    assert.equal(val('--max_length'), String(x.maxLength));
    assert.equal(val('--model'), qwen3);
    assert.equal(val('--learning_rate'), '2e-5', 'a trailing override replaces the default');
    assert.equal(argv.filter((a) => a === '--learning_rate').length, 1);
    assert.equal(val('--output_dir'), 'output/generator_warmup');
    assert.equal(rec.env.IMAGE_MAX_TOKEN_NUM, '16384');
    assert.equal(rec.env.IMAGE_MIN_TOKEN_NUM, '64');
    assert.equal(rec.env.MAX_PIXELS, undefined);
    assert.equal(rec.env.ROOT_IMAGE_DIR, sft);
    assert.equal(rec.env.NPROC_PER_NODE, '2');
    assert.match(readFileSync(join(sft, 'train.log'), 'utf8'), /fake swift sft starting/);
  });

  it('swift-rm: `swift rlhf --rlhf_type rm` on the pairs export; the trainer exit code is returned', async () => {
    rmSync(record, { force: true });
    const code = await runSwiftTraining(opts({ profile: 'swift-rm', data: rm, env: { ...env, FAKE_SWIFT_EXIT: '3' } }));
    assert.equal(code, 3);
    const argv = read().argv.slice(1);
    assert.deepEqual(argv.slice(0, 3), ['rlhf', '--rlhf_type', 'rm']);
    assert.equal(argv[argv.indexOf('--dataset') + 1], join(rm, 'train.jsonl'));
    assert.equal(argv[argv.indexOf('--output_dir') + 1], 'output/discriminator_warmup');
  });

  it('an ms-swift 3.x found by the pre-flight gets --train_type (its name before 4.0) instead of --tuner_type', async () => {
    rmSync(record, { force: true });
    assert.equal(
      await runSwiftTraining(opts({ profile: 'swift-sft', data: sft, env: { ...env, FAKE_SWIFT_VERSION: '3.9.1' } })),
      0,
    );
    const argv = read().argv;
    assert.equal(argv[argv.indexOf('--train_type') + 1], 'full');
    assert.equal(argv.includes('--tuner_type'), false);
    rmSync(record, { force: true });
    assert.equal(await runSwiftTraining(opts({ profile: 'swift-sft', data: sft })), 0);
    assert.equal(read().argv.includes('--train_type'), false);
  });

  it('--data BUILD finds the export inside the build; an export of the other kind is refused', async () => {
    const p = await planSwift(opts({ profile: 'swift-rm', data: build }));
    assert.equal(p.exportDir, rm);
    await assert.rejects(planSwift(opts({ profile: 'swift-rm', data: sft })), /is a sft export but profile swift-rm/);
  });

  it('pre-flight: a model of the other family, a missing model, or a changed data file stop the launch (exit 2), nothing started', async () => {
    rmSync(record, { force: true });
    const q25 = makeModelDir(root, 'q25', 'qwen2_5_vl', 14);
    await assert.rejects(
      runSwiftTraining(opts({ profile: 'swift-sft', data: sft, modelPath: q25 })),
      (e: Error & { exitCode?: number }) => {
        assert.equal(e.exitCode, 2);
        assert.match(e.message, /made for qwen3-vl but the model .* is qwen2.5-vl/);
        return true;
      },
    );
    await assert.rejects(
      runSwiftTraining(opts({ profile: 'swift-sft', data: sft, modelPath: undefined })),
      /no model given/,
    );
    assert.equal(existsSync(record), false, 'the trainer was not started');
    const p = await planSwift(opts({ profile: 'swift-sft', data: sft }));
    const ok = await swiftPreflight(p, opts({ profile: 'swift-sft', data: sft }));
    assert.deepEqual(
      ok.filter((c) => !c.ok),
      [],
      JSON.stringify(ok),
    );
    appendFileSync(join(sft, 'test.jsonl'), '\n');
    try {
      const checks = await swiftPreflight(p, opts({ profile: 'swift-sft', data: sft }));
      const data = checks.find((c) => c.check === 'data')!;
      assert.equal(data.ok, false);
      assert.match(data.message, /test.jsonl changed since the export/);
      const skipped = await swiftPreflight(p, opts({ profile: 'swift-sft', data: sft, noVerify: true }));
      assert.equal(skipped.find((c) => c.check === 'data')!.ok, true);
    } finally {
      writeFileSync(join(sft, 'test.jsonl'), readFileSync(join(sft, 'test.jsonl'), 'utf8').replace(/\n\n$/, '\n'));
    }
  });

  it('pre-flight: more GPUs asked than nvidia-smi lists fails with the fix', async () => {
    const p = await planSwift(opts({ profile: 'swift-sft', data: sft, nGpus: 4 }));
    const gpus = (await swiftPreflight(p, opts({ profile: 'swift-sft', data: sft, nGpus: 4 }))).find(
      (c) => c.check === 'gpus',
    )!;
    assert.equal(gpus.ok, false);
    assert.match(gpus.message, /lists 2 GPU\(s\) but NPROC_PER_NODE=4: pass --n-gpus 2/);
  });

  it('CLI: --dry-run prints the command and the pre-flight, exit 0; an unknown trailing word is exit 2', async () => {
    const r = await runCli(['train', '--profile', 'swift-sft', '--dry-run', '--model-path', qwen3], { cwd: root, env });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /python3 -m swift\.cli\.main sft/);
    assert.match(r.stdout, /--max_length 3072/);
    assert.match(r.stdout, /ok {3}ms-swift: ms-swift 4\.6\.0-fake/);
    const bad = await runCli(['train', '--profile', 'swift-rm', '--model-path', qwen3, '--', 'oops'], {
      cwd: root,
      env,
    });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /"oops" is not an ms-swift option/);
  });
});
