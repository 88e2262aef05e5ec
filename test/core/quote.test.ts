/**
 * The quoting module, consumer by consumer, with a corpus of hostile values: each quoted value is read back by the
 * real consumer (bash, the sbatch line parser, PyYAML + OmegaConf, the yaml library) and must be exactly the value;
 * a planted `touch` never runs; what a consumer cannot represent is refused with a clear error.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { GadError } from '../../src/core/errors.js';
import { commentText, shellWord } from '../../src/core/quote/shell.js';
import { heredoc } from '../../src/core/quote/heredoc.js';
import { k8sName } from '../../src/core/quote/k8s.js';
import { omegaCliValue, omegaLiteral, omegaRead } from '../../src/core/quote/omegaconf.js';
import { sbatchLine, sbatchValue, slurmLiteral } from '../../src/core/quote/sbatch.js';
import { yamlText } from '../../src/core/quote/yaml.js';
import { HOSTILE, fakeSbatch } from '../helpers/fake-sbatch.js';
import { omegaconfPython } from '../helpers/omegaconf.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-quote-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const MARK = join(tmp, 'planted');
const corpus = HOSTILE.map((v) => v.replaceAll('MARK', MARK));

function bash(script: string): string {
  const file = join(tmp, 'script.sh');
  writeFileSync(file, script);
  const n = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
  assert.equal(n.status, 0, `bash -n: ${n.stderr}\n${script}`);
  return execFileSync('bash', [file], { encoding: 'utf8', cwd: tmp });
}

describe('quoting for each consumer, with hostile values', () => {
  it('a shell word: bash reads back exactly the value; nothing runs', () => {
    for (const v of corpus) {
      const out = bash(`printf '%s' ${shellWord(v)}\n`);
      assert.equal(out, v);
    }
    assert.ok(!existsSync(MARK), 'a planted touch never ran');
  });

  it('a comment line: one line, whatever the value; the next line still runs, nothing planted does', () => {
    for (const v of corpus) {
      const text = commentText(v);
      assert.ok(!/[\n\r\u2028\u2029\u0085]/.test(text), JSON.stringify(text));
      assert.equal(bash(`# run it from ${text}\necho ok\n`), 'ok\n');
      assert.equal(JSON.parse(`"${text.replace(/"/g, '\\"')}"`), v, 'the comment reads the value exactly');
    }
    assert.ok(!existsSync(MARK));
  });

  it('a quoted here-document: the body arrives exactly, its terminator is no line of it', () => {
    for (const v of corpus) {
      const body = `first\n${v}\nGAD_DATA_PARTS\nlast`;
      const out = bash(`${heredoc('cat', body, 'GAD_DATA_PARTS').join('\n')}\n`);
      assert.equal(out, `${body}\n`);
    }
    assert.ok(!existsSync(MARK));
  });

  it('an #SBATCH value: sbatch reads one word, exactly the value; a line break is refused', () => {
    const s = fakeSbatch(tmp);
    const ok = corpus.filter((v) => !/[\n\r]/.test(v));
    const script = ['#!/bin/bash', ...ok.map((v) => sbatchLine('--comment', v, 'comment')), 'true', ''].join('\n');
    execFileSync(join(s.bin, 'sbatch'), ['--parsable'], {
      input: script,
      env: { ...process.env, FAKE_SBATCH_RECORD: s.record },
    });
    assert.deepEqual(
      s.calls()[0]!.options,
      ok.map((v) => `--comment=${v}`),
    );
    for (const v of corpus.filter((x) => /[\n\r]/.test(x))) {
      assert.throws(
        () => sbatchValue(v, 'out:'),
        (e: unknown) => e instanceof GadError && e.exitCode === 2 && /out: holds a line break/.test(e.message),
      );
    }
    assert.equal(slurmLiteral('50%j'), '50%%j');
  });

  it('a YAML + OmegaConf value: PyYAML + OmegaConf read back exactly the value (in a file and on the command line)', async (t) => {
    const py = await omegaconfPython();
    if (!py) return t.skip('no Python with omegaconf (apt-get install python3-omegaconf)');
    for (const v of corpus) assert.equal(omegaRead(omegaLiteral(v)), v);
    const doc = yamlText({ values: corpus.map(omegaLiteral) });
    assert.deepEqual(YAML.parse(doc).values, corpus.map(omegaLiteral), 'the yaml library reads it back too');
    writeFileSync(join(tmp, 'omega.yaml'), doc);
    const script = [
      'import json, sys',
      'from omegaconf import OmegaConf',
      'c = OmegaConf.load(sys.argv[1])',
      'cli = OmegaConf.from_dotlist(["config=" + v for v in json.loads(sys.argv[2])][:1])',
      'out = {"file": list(c["values"]), "cli": []}',
      'for v in json.loads(sys.argv[2]):',
      '    out["cli"].append(OmegaConf.from_dotlist(["config=" + v]).pop("config"))',
      'print(json.dumps(out))',
    ].join('\n');
    const got = JSON.parse(
      execFileSync(py, ['-c', script, join(tmp, 'omega.yaml'), JSON.stringify(corpus.map(omegaCliValue))], {
        encoding: 'utf8',
      }),
    ) as { file: string[]; cli: string[] };
    assert.deepEqual(got.file, corpus);
    assert.deepEqual(got.cli, corpus);
  });

  it('a Kubernetes name: valid names pass; upper case, line breaks, YAML syntax, too long are refused with a valid suggestion', () => {
    assert.equal(k8sName('gad-data-parts', 'n'), 'gad-data-parts');
    for (const bad of [
      'Geo3K',
      'geo\nx: y',
      'a b',
      '-x',
      'x-',
      'a'.repeat(64),
      ...corpus.filter((v) => v !== 'plain'),
    ]) {
      assert.throws(
        () => k8sName(bad, '--job-name'),
        (e: unknown) => {
          assert.ok(e instanceof GadError && e.exitCode === 2, String(e));
          const suggestion = /e\.g\. (\S+)/.exec(e.hint ?? '')?.[1] ?? '';
          assert.equal(k8sName(suggestion, 'suggestion'), suggestion);
          return true;
        },
      );
    }
  });
});
