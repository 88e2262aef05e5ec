/**
 * What `merge` refuses (issue 23, items 4 and 6), on the bundled sample built as 3 parts:
 * - an --out that is a part, or inside a parts folder (`--out out.parts/0-of-3`, a typo for `--out out`): exit 2,
 *   the part untouched;
 * - a part whose shard was changed after the part was built (an image's bytes are not those the part wrote):
 *   exit 2 naming the part and the row, nothing written; the unchanged parts merge as before.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tree } from '../helpers/files.js';
import { runCli } from '../helpers/gad-cli.js';
import { ensurePythonVenv, runPython } from '../helpers/python.js';

const T = 600_000;
const python = await ensurePythonVenv(['pyarrow']);

let dir: string;
let parts: string[];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gad-merge-checks-'));
  for (let i = 0; i < 3; i++) {
    const r = await runCli(['build', '-q', '--out', 'out', '--partition', `${i}/3`], { cwd: dir, timeoutMs: T });
    assert.equal(r.status, 0, r.stderr);
  }
  parts = readdirSync(join(dir, 'out.parts'))
    .sort()
    .map((p) => join('out.parts', p));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test(
  'merge refuses an --out that is a part or inside a parts folder; the part is untouched',
  { timeout: T * 2 },
  async () => {
    const part0 = tree(join(dir, 'out.parts', '0-of-3'));
    const typo = await runCli(['merge', '-q', ...parts, '--out', 'out.parts/0-of-3'], { cwd: dir, timeoutMs: T });
    assert.equal(typo.status, 2, typo.stderr);
    assert.match(
      typo.stderr,
      /merge: --out out\.parts\/0-of-3: it is \(inside\) the part .*the merge would replace a part/,
    );
    assert.match(typo.stderr, /--out X/);
    assert.deepEqual(tree(join(dir, 'out.parts', '0-of-3')), part0, 'part 0 is untouched');

    const inside = await runCli(['merge', '-q', ...parts, '--out', 'out.parts/merged'], { cwd: dir, timeoutMs: T });
    assert.equal(inside.status, 2, inside.stderr);
    assert.match(inside.stderr, /inside the parts folder .*out\.parts/);
    assert.ok(!existsSync(join(dir, 'out.parts', 'merged')));
  },
);

test(
  'merge refuses a part shard whose images changed after the part was built',
  { skip: !python && 'no Python venv', timeout: T * 2 },
  async () => {
    // Part 1's first train shard with the images of its first two rows swapped (valid parquet, valid images).
    cpSync(join(dir, 'out.parts'), join(dir, 'kept.parts'), { recursive: true });
    const shard = readdirSync(join(dir, 'out.parts', '1-of-3', 'data')).find((f) => f.startsWith('train-'))!;
    await runPython(
      python!,
      `
import sys, pyarrow as pa, pyarrow.parquet as pq
path = sys.argv[1]
t = pq.read_table(path)
images = t.column("images").to_pylist()
images[0], images[1] = images[1], images[0]
t = t.set_column(t.schema.get_field_index("images"), t.schema.field("images"), pa.array(images, type=t.schema.field("images").type))
pq.write_table(t, path)
`,
      [join(dir, 'out.parts', '1-of-3', 'data', shard)],
    );
    const changed = await runCli(['merge', '-q', '--out', 'out'], { cwd: dir, timeoutMs: T });
    assert.equal(changed.status, 2, changed.stderr);
    assert.match(
      changed.stderr,
      /merge: row .*: image 0 in the shards of part 1 .* is not the image the part wrote \(sha256 differs\)/,
    );
    assert.match(changed.stderr, /rebuild that part/);
    assert.ok(!existsSync(join(dir, 'out')), 'nothing written');

    rmSync(join(dir, 'out.parts'), { recursive: true });
    cpSync(join(dir, 'kept.parts'), join(dir, 'out.parts'), { recursive: true });
    const ok = await runCli(['merge', '-q', '--out', 'out'], { cwd: dir, timeoutMs: T });
    assert.equal(ok.status, 0, ok.stderr);
  },
);
