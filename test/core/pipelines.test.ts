/** The PIPELINES table (core/defaults.ts) is the one list of resize pipelines: config, CLI, tokens and resize read it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  PIPELINES,
  PIPELINE_NAMES,
  defaultPipelineFor,
  isResizePipeline,
  trainerOfPipeline,
} from '../../src/core/defaults.js';
import { GadError } from '../../src/core/errors.js';
import { resolveConfig } from '../../src/config/config.js';
import { resolveBounds } from '../../src/images/resize.js';
import { TokensSession } from '../../src/tokens/tokens-command.js';
import { runCli } from '../helpers/gad-cli.js';

test('PIPELINES: every name once, each target one default pipeline', async () => {
  assert.deepEqual([...PIPELINE_NAMES].sort(), Object.keys(PIPELINES).sort());
  for (const [k, p] of Object.entries(PIPELINES)) assert.equal(p.name, k);
  await assert.rejects(
    TokensSession.open({ model: 'qwen3-vl', formatPrompt: 'none', pipeline: 'pillow' as never }),
    (e: unknown) => e instanceof GadError && e.hint === `use one of: ${PIPELINE_NAMES.join(', ')}`,
    'tokens takes the table',
  );
  assert.equal(defaultPipelineFor('verl'), 'qwen-vl-utils');
  assert.equal(defaultPipelineFor('easyr1'), 'easyr1');
  for (const t of ['verl', 'easyr1'] as const)
    assert.equal(PIPELINE_NAMES.filter((n) => PIPELINES[n].defaultFor.includes(t)).length, 1, t);
  assert.equal(isResizePipeline('easyr1'), true);
  assert.equal(isResizePipeline('toString'), false);
  assert.match(trainerOfPipeline('qwen-vl-utils'), /^verl /);
});

test('config accepts exactly the table names', () => {
  for (const name of PIPELINE_NAMES) assert.equal(resolveConfig({ flags: { pipeline: name } }).pipeline, name);
  assert.throws(
    () => resolveConfig({ flags: { pipeline: 'pillow' } }),
    (e: unknown) => e instanceof GadError,
  );
});

test('bounds defaults come from the table (EasyR1 config values; qwen-vl-utils 4 and 16384 tokens of (2·patch)² pixels)', () => {
  const b = resolveBounds({ patchSize: 16, mergeSize: 2, factor: 32, minPixels: 65536, maxPixels: 16777216 });
  assert.deepEqual(b, {
    easyr1MinPixels: 262144,
    easyr1MaxPixels: 4194304,
    qwenVlUtilsMinPixels: 4 * 32 * 32,
    qwenVlUtilsMaxPixels: 16384 * 32 * 32,
  });
  const set = resolveBounds(
    { patchSize: 14, mergeSize: 2, factor: 28, minPixels: 3136, maxPixels: 12845056 } as never,
    { qwenVlUtilsMaxPixels: 1000 },
  );
  assert.equal(set.qwenVlUtilsMaxPixels, 1000);
  assert.equal(set.qwenVlUtilsMinPixels, 4 * 28 * 28);
});

test('the CLI offers the table names for --pipeline', { timeout: 600_000 }, async () => {
  for (const cmd of ['build', 'tokens', 'report', 'validate']) {
    const r = await runCli([cmd, '--help'], { cwd: process.cwd() });
    assert.equal(r.status, 0, r.stderr);
    const text = r.stdout.replace(/\s+/g, ' ');
    assert.ok(text.includes(`choices: ${PIPELINE_NAMES.map((n) => `"${n}"`).join(', ')}`), `${cmd}: ${text}`);
  }
});
