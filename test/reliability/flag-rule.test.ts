/**
 * One rule for a setting, whether it comes from a flag or from gad-data.yaml (issue 13, item 8):
 * `--max-prompt-length 0` used to pass the flag parser and fail the config check (and `-1` got a third message).
 * Now the flag is checked by the config schema itself: -1, 0 and 1.5 are refused with the same message both ways.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/gad-cli.js';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gad-rel-flagrule-'));
  await writeFile(join(tmp, 'train.jsonl'), '{"problem": "x", "images": []}\n');
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const env = { ...process.env, NO_COLOR: '1' };
const RULE = (v: string) => `takes a whole number of 1 or more, got ${v}`;

for (const [flag, key] of [
  ['--max-prompt-length', 'max_prompt_length'],
  ['--max-response-length', 'max_response_length'],
] as const) {
  test(
    `${flag} and data.${key}: -1, 0 and 1.5 refused by the same rule with the same message`,
    { timeout: 600_000 },
    async () => {
      for (const v of ['-1', '0', '1.5']) {
        const viaFlag = await runCli(['build', '--train', 'train.jsonl', flag, v, '--out', 'out-flag'], {
          cwd: tmp,
          env,
        });
        await writeFile(join(tmp, 'cfg.yaml'), `data:\n  train_files: train.jsonl\n  ${key}: ${v}\n`);
        const viaYaml = await runCli(['build', '--config', 'cfg.yaml', '--out', 'out-yaml'], { cwd: tmp, env });
        assert.equal(viaFlag.status, 2, `${flag} ${v}: ${viaFlag.stderr}`);
        assert.equal(viaYaml.status, 2, `${key}: ${v}: ${viaYaml.stderr}`);
        assert.ok(viaFlag.stderr.includes(`${flag} ${RULE(v)}`), `${flag} ${v}: ${viaFlag.stderr}`);
        assert.ok(viaYaml.stderr.includes(`data.${key}: ${RULE(v)}`), `${key}: ${v}: ${viaYaml.stderr}`);
        assert.ok(!existsSync(join(tmp, 'out-flag')) && !existsSync(join(tmp, 'out-yaml')));
      }
    },
  );
}

test('validate --max-prompt-length 0 follows the same rule', { timeout: 600_000 }, async () => {
  const r = await runCli(['validate', 'nothing.parquet', '--max-prompt-length', '0'], { cwd: tmp, env });
  assert.equal(r.status, 2);
  assert.ok(r.stderr.includes(`--max-prompt-length ${RULE('0')}`), r.stderr);
});
