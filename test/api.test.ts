// The package's public API (src/index.ts): exactly these runtime exports, so that adding or losing one is a
// decision; and the README's library call works through it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as api from '../src/index.js';

const EXPECTED = [
  'CONFIG_KEYS',
  'EXAMPLE_CONFIG',
  'GadError',
  'PIPELINES',
  'TokensSession',
  'VERSION',
  'build',
  'configSchema',
  'countTokens',
  'createProgress',
  'describeEnvironment',
  'exportPrompts',
  'exportRm',
  'exportSft',
  'formatDryRun',
  'generateAnswers',
  'importBatchResults',
  'mergeParts',
  'outputConfigOf',
  'parseConfig',
  'parsePartition',
  'planSwift',
  'planTraining',
  'preflight',
  'publicConfig',
  'readConfigFile',
  'renderEnvironment',
  'renderReportHtml',
  'renderReportTerminal',
  'reportFromFiles',
  'reportFromOutDir',
  'resolveConfig',
  'runSwiftTraining',
  'runTokensCommand',
  'runTraining',
  'silentProgress',
  'validate',
  'view',
  'writeBatchFile',
  'writeReportFiles',
];

test('the public API is exactly the deliberate list (no stage internals)', () => {
  assert.deepEqual(Object.keys(api).sort(), EXPECTED);
  for (const name of EXPECTED) assert.notEqual((api as Record<string, unknown>)[name], undefined, name);
});

test('library use as documented: build the bundled sample, then validate and count through the same API', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gad-api-'));
  try {
    const out = join(dir, 'out');
    const r = await api.build({ out });
    assert.ok(r.splits.train!.rowsOut > 0);
    const files = r.manifest.shards.map((s) => join(out, s.file));
    const v = await api.validate(files, { target: r.config.target, model: r.config.model });
    assert.equal(v.exitCode, 0, v.text);
    assert.equal(v.summary.rows, r.splits.train!.rowsOut + (r.splits.test?.rowsOut ?? 0));
    const line = await api.countTokens({
      model: r.config.model,
      formatPrompt: 'none',
      pipeline: 'processor',
      problem: '<image>What is x?',
      images: [[640, 480]],
    });
    assert.equal(line.error, undefined);
    assert.equal(line.prompt_tokens, line.text_tokens! + line.image_tokens!);
    assert.deepEqual(line.image_tokens_each, [line.image_tokens]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
