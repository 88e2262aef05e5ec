/**
 * The "Next:" command an export prints is a shell command: the export's folder in it is one shell word even when
 * the build's folder name holds a space and a quote, so the line pasted into a shell passes `--data` that folder;
 * likewise the build command `init` prints for the config file it wrote.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSolidImage } from '../helpers/solid-image.js';
import { runCli } from '../helpers/gad-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-next-line-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const T = { cwd: tmp, env: { ...process.env, NO_COLOR: '1' }, timeoutMs: 600_000 };

test(
  'export sft into a build folder named "it\'s out": the Next line\'s --data is that folder',
  { timeout: 900_000 },
  async () => {
    mkdirSync(join(tmp, 'data'));
    await writeSolidImage({ file: join(tmp, 'data', 'sq.png'), width: 96, height: 64, background: '#dc1e0a' });
    const row = (id: string, q: string, a: string) => ({
      id,
      messages: [
        { role: 'user', content: `<image>${q}` },
        { role: 'assistant', content: a },
      ],
      images: ['sq.png'],
    });
    const rows = [row('a', 'What colour?', 'Red.'), row('b', 'What shape?', 'A square.')];
    writeFileSync(join(tmp, 'data', 'train.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const out = "it's out";
    const b = await runCli(
      ['build', '--train', 'data/train.jsonl', '--teacher-column', 'messages', '--id-key', 'id', '--out', out],
      T,
    );
    assert.equal(b.status, 0, b.stderr);
    const x = await runCli(['export', 'sft', '--from', out], T);
    assert.equal(x.status, 0, x.stderr);
    const next = x.stdout.split('\n').find((l) => l.includes('gad-data train --profile swift-sft'));
    assert.ok(next, x.stdout);
    // the line as a shell reads it: each word printed on its own line
    const words = execFileSync('sh', ['-c', next.trim().replace(/^npx gad-data /, "printf '%s\\n' ")], {
      encoding: 'utf8',
    }).split('\n');
    assert.equal(words[words.indexOf('--data') + 1], `./${out}/sft-ms-swift`);
  },
);

test('init into "my config\'s.yaml": the build command it prints passes that file', { timeout: 300_000 }, async () => {
  const file = "my config's.yaml";
  const r = await runCli(['init', file], T);
  assert.equal(r.status, 0, r.stderr);
  const cmd = /run: (npx gad-data build .*)$/m.exec(r.stdout)?.[1];
  assert.ok(cmd, r.stdout);
  const words = execFileSync('sh', ['-c', cmd.replace(/^npx gad-data /, "printf '%s\\n' ")], {
    encoding: 'utf8',
  }).split('\n');
  assert.equal(words[words.indexOf('--config') + 1], file);
});
