/**
 * An export whose split ends up with no rows says so in its summary, with why: the build kept none of the split's
 * rows (its drops), or this export dropped them all (`--max-length`). The empty file is still written, but a split
 * never empties silently.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSolidImage } from '../helpers/solid-image.js';
import { runCli } from '../helpers/gad-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-empty-split-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const env = { ...process.env, NO_COLOR: '1' };
const T = { cwd: tmp, env, timeoutMs: 600_000 };

const row = (id: string, q: string, teacher: string, image = 'sq.png') => ({
  id,
  messages: [
    { role: 'user', content: `<image>${q}` },
    { role: 'assistant', content: teacher },
  ],
  images: [image],
});
const lines = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

const data = join(tmp, 'data');
mkdirSync(data);
await writeSolidImage({ file: join(data, 'sq.png'), width: 96, height: 64, background: '#dc1e0a' });
writeFileSync(
  join(data, 'train.jsonl'),
  lines([row('a', 'What colour?', 'Red.'), row('b', 'What shape?', 'A square.')]),
);
const build = (test: string, out: string) =>
  runCli(
    ['build', '--train', 'data/train.jsonl', '--val', test, '--teacher-column', 'messages', '--id-key', 'id'].concat([
      '--out',
      out,
    ]),
    T,
  );

test(
  'export sft: a split the build emptied is named in the summary, with its drops',
  { timeout: 900_000 },
  async () => {
    // the test split's one row names an image that is not there: the build drops it (and exits 1: not ready)
    writeFileSync(join(data, 'test-missing.jsonl'), lines([row('c', 'How many sides?', 'Four.', 'nowhere.png')]));
    const b = await build('data/test-missing.jsonl', 'out1');
    assert.equal(b.status, 1, b.stderr);
    const x = await runCli(['export', 'sft', '--from', 'out1'], T);
    assert.equal(x.status, 0, x.stderr);
    assert.match(x.stdout, /note: split 'test' is EMPTY: the build kept 0 of its 1 row\(s\) \(image_\w+ 1;/);
    assert.equal(readFileSync(join(tmp, 'out1', 'sft-ms-swift', 'test.jsonl'), 'utf8'), '');
    const manifest = JSON.parse(readFileSync(join(tmp, 'out1', 'sft-ms-swift', 'export.json'), 'utf8'));
    assert.ok(
      JSON.stringify(manifest).includes("split 'test' is EMPTY"),
      'the note is in export.json too (read by whoever did not see the terminal)',
    );
  },
);

test('export sft: a split this export dropped whole is named in the summary', { timeout: 900_000 }, async () => {
  const long = Array.from({ length: 150 }, (_, i) => `step ${i}`).join(', ');
  writeFileSync(join(data, 'test-long.jsonl'), lines([row('c', 'Explain.', long)]));
  const b = await build('data/test-long.jsonl', 'out2');
  assert.equal(b.status, 0, b.stderr);
  const x = await runCli(['export', 'sft', '--from', 'out2', '--max-length', '600'], T);
  assert.equal(x.status, 0, x.stderr);
  assert.match(x.stdout, /note: split 'test' is EMPTY: this export dropped all 1 row\(s\) of it/);
  assert.doesNotMatch(x.stdout, /split 'train' is EMPTY/);
});
