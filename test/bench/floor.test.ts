/**
 * The pyarrow floor of the benchmarks (bench/floor.ts) measures reading the image bytes and writing the parquet,
 * not importing pandas: pyarrow imports pandas on its first `Table.from_pylist` when the venv has it (the tests
 * install `datasets`, which brings it), which made the floor 0.2–0.6 s slower after a test run than on a fresh venv.
 * Here the venv has pandas; the floor script runs on three rows and must leave pandas unimported and write all rows.
 * Also the PNG check alone (bench/check-alone.ts) counts the images it checked and refuses a broken one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { PYARROW_FLOOR } from '../../bench/floor.js';
import { checkAloneArgs } from '../../bench/check-alone.js';
import { ensurePythonVenv } from '../helpers/python.js';
import { writeSquareRows } from '../helpers/square-rows.js';

const run = promisify(execFile);

/** Three rows over flat-colour PNGs (img/0.png …), in a new folder. */
async function threeRows(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'gad-floor-'));
  await writeSquareRows({ dir, prompt: (i) => `Find x (${i}).`, count: 3 });
  return dir;
}

// The floor's own script, then what it left in sys.modules and the rows it wrote.
const PROBE = String.raw`
import json, os, sys
sys.argv = ["floor"] + sys.argv[1:]
exec(compile(os.environ["FLOOR"], "floor", "exec"))
import pyarrow.parquet as pq
loaded = sorted(m for m in sys.modules if m.split(".")[0] == "pandas" and sys.modules[m] is not None)
print(json.dumps({"pandas": loaded, "rows": pq.read_table(sys.argv[3]).num_rows}))
`;

test(
  'the pyarrow floor writes every row without importing pandas, in a venv that has it',
  { timeout: 900_000 },
  async (t) => {
    const python = await ensurePythonVenv(['pyarrow', 'datasets']);
    if (!python) return t.skip('no Python virtualenv');
    const dir = await threeRows();
    try {
      // the venv has pandas (datasets needs it): the floor would import it if nothing kept it out
      await run(python, ['-c', 'import pandas']);
      const { stdout } = await run(python, ['-c', PROBE, join(dir, 'train.jsonl'), dir, join(dir, 'floor.parquet')], {
        env: { ...process.env, FLOOR: PYARROW_FLOOR },
      });
      assert.deepEqual(JSON.parse(stdout.trim().split('\n').pop()!), { pandas: [], rows: 3 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'the PNG check alone prints how many images it checked, and fails on a broken one',
  { timeout: 120_000 },
  async () => {
    const dir = await threeRows();
    try {
      const args = checkAloneArgs(join(dir, 'train.jsonl'), dir);
      const { stdout } = await run(process.execPath, args);
      assert.equal(stdout.trim(), '3');
      // a PNG cut short: its data no longer inflates to the whole image
      const whole = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#123456' } })
        .png({ compressionLevel: 0 })
        .toBuffer();
      writeFileSync(
        join(dir, 'img', '1.png'),
        Buffer.concat([whole.subarray(0, whole.length - 200), whole.subarray(-12)]),
      );
      await assert.rejects(run(process.execPath, args), /1\.png \(row 2\) did not pass the PNG check/);
      // a missing image: the reason in one line on stderr, no stack
      rmSync(join(dir, 'img', '0.png'));
      await assert.rejects(run(process.execPath, args), (e: { stderr: string }) => {
        assert.match(e.stderr, /^check-alone: .*no such file.*0\.png'\n$/);
        return true;
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
