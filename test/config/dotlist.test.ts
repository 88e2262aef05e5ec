/**
 * EasyR1's dotlist on `gad-data build` (issue: `build config=examples/config.yaml data.max_prompt_length=4096` was
 * refused, "too many arguments"). EasyR1's verl/trainer/main.py: OmegaConf.from_cli(), `config` popped and loaded,
 * the rest merged over it; each value a YAML scalar as OmegaConf reads CLI values. Run from a fake EasyR1 checkout
 * holding EasyR1's own examples/config.yaml (test/fixtures/easyr1), as its launch scripts run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDotlist } from '../../src/config/dotlist.js';
import { packagePath } from '../../src/core/paths.js';
import { writeSolidImage } from '../helpers/solid-image.js';
import { runCli } from '../helpers/gad-cli.js';

test('values are parsed as OmegaConf parses CLI values (YAML scalars), keys nest', () => {
  const d = parseDotlist([
    'config=examples/config.yaml',
    'data.max_prompt_length=4096',
    'algorithm.kl_coef=1.0e-2',
    'data.shuffle=false',
    'data.image_dir=null',
    'worker.actor.model.model_path=Qwen/Qwen2.5-VL-7B-Instruct',
    'trainer.experiment_name=2024-01-01',
    'data.format_prompt=./a=b.jinja',
  ]);
  assert.equal(d.config, 'examples/config.yaml');
  assert.deepEqual(d.overrides, {
    data: { max_prompt_length: 4096, shuffle: false, image_dir: null, format_prompt: './a=b.jinja' },
    algorithm: { kl_coef: 0.01 },
    worker: { actor: { model: { model_path: 'Qwen/Qwen2.5-VL-7B-Instruct' } } },
    trainer: { experiment_name: '2024-01-01' },
  });
  assert.throws(() => parseDotlist(['data.jsonl']), /unexpected argument 'data\.jsonl'/);
});

const tmp = mkdtempSync(join(tmpdir(), 'gad-dotlist-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const FIXTURE = packagePath('test', 'fixtures', 'easyr1');
const env: NodeJS.ProcessEnv = { ...process.env, HF_HOME: join(tmp, 'hf'), HF_ENDPOINT: 'http://127.0.0.1:9' };
delete env.HF_TOKEN;

mkdirSync(join(tmp, 'examples', 'format_prompt'), { recursive: true });
cpSync(join(FIXTURE, 'config.yaml'), join(tmp, 'examples', 'config.yaml'));
cpSync(join(FIXTURE, 'format_prompt', 'math.jinja'), join(tmp, 'examples', 'format_prompt', 'math.jinja'));
cpSync(packagePath('fixtures', 'models', 'qwen2.5-vl'), join(tmp, 'models', 'qwen25'), { recursive: true });
const rows: string[] = [];
for (let i = 0; i < 3; i++) {
  await writeSolidImage({
    file: join(tmp, `f${i}.png`),
    width: 320,
    height: 256,
    background: { r: 60 * i, g: 90, b: 20 },
  });
  rows.push(JSON.stringify({ problem: `<image>Area of figure ${i}?`, answer: String(i), images: [`f${i}.png`] }));
}
writeFileSync(join(tmp, 'train.jsonl'), rows.join('\n') + '\n');

test(
  'build config=examples/config.yaml data.max_prompt_length=4096 worker.actor.model.model_path=…: the file, then the overrides',
  { timeout: 600_000 },
  async () => {
    const args = [
      'build',
      'config=examples/config.yaml',
      'data.train_files=train.jsonl',
      'data.val_files=null',
      'data.max_prompt_length=4096',
      'worker.actor.model.model_path=./models/qwen25',
      '--target',
      'easyr1',
      '--out',
      'out',
    ];
    const r = await runCli(args, { cwd: tmp, env, timeoutMs: 540_000 });
    assert.equal(r.status, 0, r.stderr);
    const m = JSON.parse(readFileSync(join(tmp, 'out', 'manifest.json'), 'utf8'));
    assert.equal(m.model.family, 'qwen2.5-vl', 'worker.actor.model.model_path from the command line');
    assert.equal(m.limits.maxPromptLength, 4096, 'the file says 2048; the override wins');
    assert.deepEqual([m.resize.minPixels, m.resize.maxPixels], [262144, 4194304], 'the rest from the file');
    assert.equal(m.formatPrompt.name, 'math');
    assert.equal(m.splits.train.rowsIn, 3);

    const bad = await runCli(['build', 'config=examples/config.yaml', 'data.max_prompt_lenght=4096'], {
      cwd: tmp,
      env,
      timeoutMs: 120_000,
    });
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /max_prompt_lenght/);
  },
);
