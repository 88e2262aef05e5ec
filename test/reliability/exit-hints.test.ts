/**
 * Exit codes and hints (issue 23, item 7): every environment or input condition is exit 2 with the path and a
 * `fix:` line, never exit 3 ("a bug").
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/gad-cli.js';

let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'gad-exit-hints-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('an empty folder as input: exit 2 naming it, with a fix line', { timeout: 120_000 }, async () => {
  mkdirSync(join(tmp, 'empty'));
  const r = await runCli(['build', '--train', 'empty', '--out', 'out', '-q'], { cwd: tmp });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /folder .*empty holds no \.parquet, \.jsonl or \.json files/);
  assert.match(r.stderr, /fix: put the data files in it, or point at them/);
});

test(
  'merge: a truncated rows.bin or a part shard path outside the part is exit 2 naming it, not "a bug"',
  { timeout: 900_000 },
  async () => {
    const dir = join(tmp, 'parts');
    mkdirSync(dir);
    for (const i of [0, 1]) {
      const r = await runCli(['build', '-q', '--out', 'out', '--partition', `${i}/2`], {
        cwd: dir,
        timeoutMs: 600_000,
      });
      assert.equal(r.status, 0, r.stderr);
    }
    cpSync(join(dir, 'out.parts'), join(tmp, 'parts-good'), { recursive: true });
    const restore = () => {
      rmSync(join(dir, 'out.parts'), { recursive: true, force: true });
      cpSync(join(tmp, 'parts-good'), join(dir, 'out.parts'), { recursive: true });
    };

    const rows = join(dir, 'out.parts', '0-of-2', 'gad-data-part', 'rows.bin');
    truncateSync(rows, Math.floor(statSync(rows).size / 2));
    let r = await runCli(['merge', '-q', '--out', 'out'], { cwd: dir, timeoutMs: 600_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /0-of-2\/gad-data-part\/rows\.bin is cut short or damaged/);
    assert.match(r.stderr, /fix: .*rebuild that part/);
    assert.doesNotMatch(r.stderr, /bug/);
    assert.ok(!existsSync(join(dir, 'out')));

    restore();
    const manifest = join(dir, 'out.parts', '0-of-2', 'manifest.json');
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as { shards: Array<{ file: string }> };
    m.shards[0]!.file = '../../outside.parquet';
    writeFileSync(manifest, JSON.stringify(m));
    r = await runCli(['merge', '-q', '--out', 'out'], { cwd: dir, timeoutMs: 600_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /lists a shard outside the part \("\.\.\/\.\.\/outside\.parquet"\)/);
    assert.match(r.stderr, /fix: /);
    assert.doesNotMatch(r.stderr, /bug/);

    restore();
    r = await runCli(['merge', '-q', '--out', 'out'], { cwd: dir, timeoutMs: 600_000 });
    assert.equal(r.status, 0, `the intact parts still merge: ${r.stderr}`);
  },
);
