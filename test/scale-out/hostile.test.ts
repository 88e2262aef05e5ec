/**
 * `scale-out` with hostile folder names and `out:` values: the Slurm script passes `bash -n`, is run with a
 * recording `sbatch` that reads `#SBATCH` lines as sbatch does, each batch script is then run as its task would run
 * (in the --chdir folder); the tasks get exactly the config's folder and `out:`, and a planted `touch` never runs.
 * A line break in `out:` (which no #SBATCH line can carry) is refused; Kubernetes names are checked.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { packagePath } from '../../src/core/paths.js';
import { shellWord } from '../../src/core/quote/shell.js';
import { runCli } from '../helpers/gad-cli.js';
import { fakeSbatch, sbatchOption } from '../helpers/fake-sbatch.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-hostile-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const MARK = join(tmp, 'planted');

/** A recording stand-in for `npx gad-data` (what the tasks run): its argv and folder as JSON lines. */
function fakeGad(): { command: string; calls: () => Array<{ argv: string[]; cwd: string }> } {
  const file = join(tmp, 'fake-gad.js');
  const record = join(tmp, 'gad-calls.jsonl');
  writeFileSync(
    file,
    `#!/usr/bin/env node\nrequire('fs').appendFileSync(${JSON.stringify(record)}, JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd() }) + '\\n');\n`,
  );
  chmodSync(file, 0o755);
  writeFileSync(record, '');
  return {
    command: shellWord(file),
    calls: () =>
      readFileSync(record, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}

function project(dirName: string, out: string, configName = 'gad-data.yaml'): { dir: string; config: string } {
  const dir = join(tmp, dirName);
  mkdirSync(dir, { recursive: true });
  const config = join(dir, configName);
  const train = packagePath('fixtures', 'sample', 'train.jsonl');
  writeFileSync(config, JSON.stringify({ data: { train_files: train }, out }));
  return { dir, config };
}

const RATE = ['--rate', '40', '--rows', '1000', '--hours', '0.001'];

const CASES: Array<{ name: string; dir: string; out: string; config?: string }> = [
  { name: 'spaces, quotes, # and $() in the folder', dir: `my data #1 it's $(touch ${MARK})`, out: 'geo out' },
  {
    name: 'a hostile out:',
    dir: 'plain',
    out: `geo'; touch ${MARK}; echo '#x 50%j $(touch ${MARK}) \`touch ${MARK}\``,
  },
  { name: 'unicode and ${…}', dir: '数据 ${HOME}', out: '输出 ${oc.env:HOME}' },
  {
    name: "a config file name holding the here-document's terminator on a line of its own",
    dir: 'cfg',
    out: 'geo',
    config: `c\nGAD_DATA_PARTS\ntouch ${MARK.replace(/\//g, '_')}\n.yaml`,
  },
];

for (const c of CASES) {
  test(`scale-out --slurm, ${c.name}: sbatch and the tasks get the exact values; nothing planted runs`, async () => {
    const { dir, config } = project(c.dir, c.out, c.config);
    const gad = fakeGad();
    const sb = fakeSbatch(join(tmp, `sb-${CASES.indexOf(c)}`));
    const r = await runCli(
      ['scale-out', '--slurm', '-c', config, ...RATE, '--command', gad.command, '--out', join(dir, 'submit.sh')],
      { cwd: dir, timeoutMs: 120_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const submit = join(dir, 'submit.sh');
    const n = spawnSync('bash', ['-n', submit], { encoding: 'utf8' });
    assert.equal(n.status, 0, n.stderr);
    execFileSync('bash', [submit], {
      cwd: tmp,
      env: { ...process.env, PATH: `${sb.bin}:${process.env.PATH}`, FAKE_SBATCH_RECORD: sb.record },
    });
    const calls = sb.calls();
    assert.equal(calls.length, 2, 'the array and the merge were submitted');
    for (const [i, call] of calls.entries()) {
      assert.equal(sbatchOption(call.options, '--chdir'), dir);
      assert.equal(sbatchOption(call.options, '--job-name'), i === 0 ? 'gad-data-parts' : 'gad-data-merge');
      const log = i === 0 ? 'slurm-%A_%a.log' : 'slurm-merge-%j.log';
      assert.equal(sbatchOption(call.options, '--output'), `${c.out.replace(/%/g, '%%')}.parts/${log}`);
      assert.equal(spawnSync('bash', ['-n'], { input: call.script }).status, 0);
      // the task: the batch script run in the --chdir folder
      execFileSync('bash', ['-s'], { input: call.script, cwd: sbatchOption(call.options, '--chdir') });
    }
    const [part, merge] = gad.calls();
    assert.equal(part!.cwd, dir);
    const cfgArg = part!.argv[part!.argv.indexOf('--config') + 1];
    assert.equal(join(dir, cfgArg!), config);
    assert.equal(part!.argv[part!.argv.indexOf('--out') + 1], c.out);
    assert.deepEqual(merge!.argv, ['merge', '--out', c.out, '--quiet']);
    assert.ok(existsSync(join(dir, `${c.out}.parts`)), 'the submit script made the parts folder');
    assert.ok(!existsSync(MARK), 'a planted touch never ran');
  });
}

test('scale-out --slurm: a line break in out: is refused (exit 2), nothing written, nothing run', async () => {
  for (const out of ['geo\nGAD_DATA_PARTS\ntouch MARK', 'geo\ntouch MARK\n#']) {
    const { dir, config } = project('newline', out.replaceAll('MARK', MARK));
    const r = await runCli(['scale-out', '--slurm', '-c', config, ...RATE, '--out', join(dir, 'submit.sh')], {
      cwd: dir,
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /out: holds a line break .* #SBATCH line cannot carry it/);
    assert.ok(!existsSync(join(dir, 'submit.sh')));
  }
  assert.ok(!existsSync(MARK));
});

test('scale-out --k8s: values are YAML data, the job name a valid Kubernetes name (else exit 2 with one)', async () => {
  const out = `geo\nkind: Secret\n#x 数据 \${x}`;
  const { dir, config } = project('k8s it\'s "q"', out);
  const r = await runCli(['scale-out', '--k8s', '-c', config, ...RATE, '--job-name', 'geo3k'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as any);
  assert.equal(docs.length, 2);
  assert.deepEqual(
    docs.map((d) => [d.kind, d.metadata.name]),
    [
      ['Job', 'geo3k-parts'],
      ['Job', 'geo3k-merge'],
    ],
  );
  const ctr = docs[0].spec.template.spec.containers[0];
  assert.equal(ctr.workingDir, dir);
  assert.equal(ctr.command[ctr.command.indexOf('--out') + 1], out);
  for (const bad of ['Geo3K', 'geo\nkind: Secret', 'geo3k name']) {
    const b = await runCli(['scale-out', '--k8s', '-c', config, ...RATE, '--job-name', bad], { cwd: dir });
    assert.equal(b.status, 2, b.stderr);
    assert.match(b.stderr, /is not a valid Kubernetes name/);
  }
});
