/**
 * README's "Coming from verl", run verbatim (through a shell, `npx gad-data` being this checkout's CLI) on a train +
 * test parquet pair shaped as verl's examples/data_preprocess/geo3k.py writes them: `extra_info.index` counts from 0
 * in each split. The ids are unique per split; the teacher file names each response's split, so both splits build,
 * each row gets its own split's response, and `train --dry-run`'s pre-flight passes. One step beside it (a teacher
 * file without a split field, the shape that used to exit 0 with every test row dropped as duplicate_id) the build
 * exits 1, with the reason, the first dropped row and the fix on stderr and no launch proposed, and the pre-flight
 * fails on the empty split.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { packagePath } from '../../src/core/paths.js';
import { cliArgv } from '../helpers/gad-cli.js';
import { ensurePythonVenv, runPython } from '../helpers/python.js';
import { FAKE_VERL_DIR } from '../helpers/train.js';

const python = await ensurePythonVenv(['pyarrow', 'datasets', 'Pillow']);
const skip = python ? false : 'python venv not available';
const tmp = mkdtempSync(join(tmpdir(), 'gad-verl-journey-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const N_TRAIN = 40; // over verl-gad's data.train_batch_size (32): the pre-flight's batch check passes
const N_TEST = 8;

/** The README's first sh block under a heading. */
function readmeBlock(heading: string): string {
  const readme = readFileSync(packagePath('README.md'), 'utf8');
  const at = readme.indexOf(heading);
  assert.ok(at >= 0, heading);
  const m = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  return m![1]!;
}

/** A folder with an `npx` that runs `npx gad-data ARGS` as this checkout's CLI (the sources under test). */
function npxShim(): string {
  const bin = join(tmp, 'bin');
  mkdirSync(bin, { recursive: true });
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const argv = [process.execPath, ...cliArgv([])].map(q).join(' ');
  writeFileSync(join(bin, 'npx'), `#!/bin/sh\n[ "$1" = gad-data ] || exit 127\nshift\nexec ${argv} "$@"\n`);
  chmodSync(join(bin, 'npx'), 0o755);
  return bin;
}

/** Run a shell script (README lines) with HOME = `home`, in `cwd`; `set -e`: the first failing command ends it. */
function sh(script: string, p: { home: string; cwd: string; env?: Record<string, string> }) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((ok) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: p.home,
      PATH: [npxShim(), process.env.PATH].join(delimiter),
      PYTHONPATH: FAKE_VERL_DIR,
      PYTHONDONTWRITEBYTECODE: '1',
      ...p.env,
    };
    for (const k of ['PYTHON', 'VERL_PYTHON']) delete env[k];
    const child = spawn('bash', ['-c', `set -e\n${script}`], { cwd: p.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => ok({ status, stdout, stderr }));
  });
}

/** ~/data/geo3k/{train,test}.parquet as geo3k.py writes them, and a work folder. */
async function geo3k(name: string) {
  const home = join(tmp, name, 'home');
  const work = join(tmp, name, 'work');
  mkdirSync(work, { recursive: true });
  const script = readFileSync(packagePath('test', 'helpers', 'geo3k_parquet.py'), 'utf8');
  await runPython(python!, script, [join(home, 'data', 'geo3k'), String(N_TRAIN), String(N_TEST)]);
  return { home, work };
}

const teacherLines = (withSplit: boolean) =>
  [
    ...Array.from({ length: N_TRAIN }, (_, i) => ({ split: 'train', id: i })),
    ...(withSplit ? Array.from({ length: N_TEST }, (_, i) => ({ split: 'test', id: i })) : []),
  ]
    .map(({ split, id }) =>
      JSON.stringify({
        ...(withSplit ? { split } : {}),
        id,
        response: `<think>${split} ${id}</think> The answer is \\boxed{${id}}.`,
      }),
    )
    .join('\n') + '\n';

const models = { MODEL_PATH: packagePath('fixtures', 'models', 'qwen3-vl') };
const modelEnv = { ...models, REWARD_MODEL_PATH: models.MODEL_PATH };

test(
  "README's Coming-from-verl commands on geo3k.py's output: both splits build, each row with its split's response, pre-flight passes",
  { skip, timeout: 900_000 },
  async () => {
    const { home, work } = await geo3k('split-teacher');
    writeFileSync(join(work, 'teacher.jsonl'), teacherLines(true));
    const r = await sh(readmeBlock('### Coming from verl'), { home, cwd: work, env: modelEnv });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      new RegExp(
        `train: ${N_TRAIN} rows in → ${N_TRAIN} out \\(0 dropped\\) · test: ${N_TEST} rows in → ${N_TEST} out`,
      ),
    );
    assert.match(
      r.stdout,
      /ids: extra_info\.index is unique within each split, not across them .*joined on \(split, id\)/,
    );
    // The pre-flight of `train --dry-run`: every check passes, the new splits check among them.
    assert.match(r.stdout + r.stderr, /ok {3}splits: train 40 rows, test 8 rows/);
    assert.doesNotMatch(r.stdout + r.stderr, /FAIL/);
    const rows = JSON.parse(
      await runPython(
        python!,
        String.raw`
import glob, json, sys
import pyarrow.parquet as pq
out = []
for f in sorted(glob.glob(sys.argv[1] + "/data/*.parquet")):
    for r in pq.read_table(f, columns=["extra_info", "teacher_response"]).to_pylist():
        out.append([r["extra_info"]["split"], r["extra_info"]["index"], r["teacher_response"]])
print(json.dumps(out))
`,
        [join(work, 'geo3k-gad')],
      ),
    ) as Array<[string, number, string]>;
    assert.equal(rows.length, N_TRAIN + N_TEST);
    for (const [split, index, response] of rows) assert.ok(response.startsWith(`<think>${split} ${index}<`), response);
  },
);

test(
  'a teacher file without a split field on the same data: exit 1, the first dropped row and the fix on stderr, no launch; pre-flight fails on the empty split',
  { skip, timeout: 900_000 },
  async () => {
    const { home, work } = await geo3k('id-teacher');
    writeFileSync(join(work, 'teacher.jsonl'), teacherLines(false));
    const [build, train] = readmeBlock('### Coming from verl')
      .replace(/\\\n/g, '')
      .split('\n')
      .filter((l) => l.startsWith('npx'));
    const r = await sh(build!, { home, cwd: work });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /error: split 'test' is empty: all 8 rows were dropped \(duplicate_id 8\)/);
    assert.match(
      r.stderr,
      /first dropped row: test row 0 \(id 0\): id '0' \(id_key extra_info\.index\) is also the id of row 0 of split 'train'/,
    );
    assert.match(r.stderr, /fix: .*teacher file a split field \(teacher\.split_key\)/);
    assert.doesNotMatch(r.stdout, /Next:|gad-data train/);
    const t = await sh(train!, { home, cwd: work, env: modelEnv });
    assert.match(t.stdout + t.stderr, /FAIL splits: split 'test' is empty \(all 8 rows dropped: duplicate_id 8\)/);
  },
);
