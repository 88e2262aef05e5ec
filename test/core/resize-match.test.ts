/**
 * A build whose resize does not match what the target's trainer does to the stored images is refused with the fix
 * (src/core/resize-match.ts): an EasyR1 config built for verl, a processor-pipeline verl build of Qwen3-VL,
 * min_pixels / max_pixels that verl's qwen-vl-utils step never sees.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../../src/core/paths.js';
import { resizeMismatch, type ResizeSettings } from '../../src/core/resize-match.js';
import { runCli } from '../helpers/gad-cli.js';

const QWEN3: Omit<ResizeSettings, 'target' | 'pipeline'> = {
  resize: 'auto',
  minPixels: null,
  maxPixels: null,
  patchSize: 16,
  processorMinPixels: 65536,
  processorMaxPixels: 16777216,
};
const QWEN25 = { ...QWEN3, patchSize: 14, processorMinPixels: 3136, processorMaxPixels: 12845056 };

test('resize settings that match the target trainer pass; the others are refused with a fix', () => {
  const ok: ResizeSettings[] = [
    { ...QWEN3, target: 'verl', pipeline: 'qwen-vl-utils' },
    { ...QWEN3, target: 'verl', pipeline: 'qwen-vl-utils', maxPixels: 250_000 },
    { ...QWEN3, target: 'verl', pipeline: 'qwen-vl-utils', minPixels: 4096 },
    { ...QWEN3, target: 'verl', pipeline: 'qwen-vl-utils', minPixels: 65536, resize: 'always' },
    { ...QWEN3, target: 'verl', pipeline: 'processor', resize: 'always' },
    { ...QWEN25, target: 'verl', pipeline: 'processor' },
    { ...QWEN3, target: 'easyr1', pipeline: 'easyr1', minPixels: 262144, maxPixels: 4194304 },
  ];
  for (const s of ok) assert.equal(resizeMismatch(s), null, JSON.stringify(s));
  const refused: Array<[ResizeSettings, RegExp, RegExp]> = [
    [
      { ...QWEN3, target: 'verl', pipeline: 'qwen-vl-utils', minPixels: 262144, maxPixels: 4194304 },
      /data\.min_pixels 262,144 on a verl build: verl's qwen-vl-utils fetch_image uses its own min_pixels 4,096/,
      /add --target easyr1; for verl drop min_pixels/,
    ],
    [
      { ...QWEN3, target: 'verl', pipeline: 'qwen-vl-utils', minPixels: 1024 },
      /more tokens than the build/,
      /drop min_pixels \(or set it to 4096\)$/,
    ],
    [
      { ...QWEN3, target: 'verl', pipeline: 'qwen-vl-utils', maxPixels: 20_000_000 },
      /caps images at its own max_pixels 16,777,216/,
      /at most 16777216/,
    ],
    [
      { ...QWEN3, target: 'verl', pipeline: 'qwen-vl-utils', maxPixels: 250_000, resize: 'never' },
      /--resize never/,
      /--resize auto/,
    ],
    [
      { ...QWEN3, target: 'verl', pipeline: 'processor' },
      /--pipeline processor with --target verl: verl \(0\.4 and later\) runs qwen-vl-utils' fetch_image \(min_pixels 4,096\)/,
      /or add --resize always/,
    ],
    [{ ...QWEN3, target: 'verl', pipeline: 'easyr1' }, /never with EasyR1's process_image/, /add --target easyr1/],
    [{ ...QWEN3, target: 'easyr1', pipeline: 'qwen-vl-utils' }, /--target easyr1/, /drop --pipeline/],
    [{ ...QWEN3, target: 'easyr1', pipeline: 'processor', resize: 'always' }, /--target easyr1/, /drop --pipeline/],
  ];
  for (const [s, message, hint] of refused) {
    const m = resizeMismatch(s);
    assert.ok(m, JSON.stringify(s));
    assert.match(m.message, message);
    assert.match(m.hint, hint);
  }
});

test(
  'build: an EasyR1 config without --target easyr1 is refused (exit 2) with the fix; with it, it builds',
  { timeout: 300_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gad-resize-match-'));
    try {
      const sample = packagePath('fixtures', 'sample');
      // The data: section of EasyR1's examples/config.yaml (its pixel bounds), on the bundled sample.
      writeFileSync(
        join(dir, 'config.yaml'),
        `data:\n  train_files: ${sample}/train.jsonl\n  val_files: ${sample}/test.jsonl\n  prompt_key: problem\n  answer_key: answer\n  image_key: images\n  min_pixels: 262144\n  max_pixels: 4194304\nmodel: qwen3-vl\n`,
      );
      const r = await runCli(['build', '--config', 'config.yaml', '--out', 'out'], { cwd: dir, timeoutMs: 300_000 });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /data\.min_pixels 262,144 on a verl build/);
      assert.match(r.stderr, /add --target easyr1; for verl drop min_pixels/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(existsSync(join(dir, 'out', 'manifest.json')), false, 'nothing written');
      const p = await runCli(['build', '--pipeline', 'processor', '--out', 'out2'], { cwd: dir, timeoutMs: 300_000 });
      assert.equal(p.status, 2, p.stderr);
      assert.match(p.stderr, /--pipeline processor with --target verl/);
      const e = await runCli(['build', '--config', 'config.yaml', '--target', 'easyr1', '--out', 'out3'], {
        cwd: dir,
        timeoutMs: 300_000,
      });
      assert.equal(e.status, 0, e.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
