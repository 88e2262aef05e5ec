/**
 * JSON documents gad-data reads back, damaged or edited: each is refused with a clear error naming the file (and
 * the line of a JSON-lines file), exit 2, never a stack trace from a field read off a value of another shape.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, journalHeader } from '../../src/generate/answer-journal.js';
import { isGadError } from '../../src/core/errors.js';
import { runCli } from '../helpers/gad-cli.js';

const settings = { role: 'teacher' as const, model: 'm', endpoint: 'h:1', sampling: { max_tokens: 8 }, build: 'b' };

function inTemp(fn: (dir: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gad-corrupt-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  'a generate journal line of another shape is refused naming the file and line (exit 2)',
  inTemp((dir) => {
    const file = join(dir, 'teacher.journal.jsonl');
    const good = { key: 'train/a', request_hash: 'h', model: 'm', usage: null, choices: [] };
    for (const [bad, field] of [
      ['null', ''],
      ['{"key":"train/b","request_hash":"h","model":null,"usage":null,"choices":[{"index":0}]}', 'choices.0.response'],
    ] as const) {
      writeFileSync(file, [journalHeader(settings), good].map((o) => JSON.stringify(o)).join('\n') + `\n${bad}\n`);
      assert.throws(
        () => Journal.open(file, settings),
        (e: unknown) =>
          isGadError(e) &&
          e.exitCode === 2 &&
          e.message.includes(`${file} line 3 is not a journal entry`) &&
          e.message.includes(field),
      );
    }
  }),
);

test(
  'a generate journal whose header lost its settings is not a journal (exit 2), not a crash',
  inTemp((dir) => {
    const file = join(dir, 'teacher.journal.jsonl');
    writeFileSync(file, '{"format":"gad-data-generate-journal","version":1,"settingsHash":"x"}\n');
    assert.throws(
      () => Journal.open(file, settings),
      (e: unknown) => isGadError(e) && e.exitCode === 2 && e.message === `${file} is not a generate journal`,
    );
  }),
);

test(
  'generate import: a damaged batch sidecar (.gad-data.json) is named, exit 2, no stack trace',
  { timeout: 600_000 },
  inTemp(async (dir) => {
    writeFileSync(join(dir, 'requests.jsonl'), '');
    writeFileSync(join(dir, 'results.jsonl'), '');
    for (const [text, says] of [
      ['{"format":"gad-data-generate-batch","version":1,"options":{"ro', 'is not valid JSON'],
      ['{"format":"gad-data-generate-batch","version":1,"files":[],"requests":0}', 'options'],
    ] as const) {
      writeFileSync(join(dir, 'requests.gad-data.json'), text);
      const r = await runCli(['generate', 'import', 'results.jsonl', '--batch', 'requests.jsonl'], {
        cwd: dir,
        timeoutMs: 540_000,
      });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /requests\.gad-data\.json/);
      assert.ok(r.stderr.includes(says), r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  }),
);
