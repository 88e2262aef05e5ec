/**
 * A JSON / JSON-lines source's columns are the union of the keys of all its rows, as `datasets.load_dataset("json")`
 * reads the file (a key a row lacks is null there). Mixed data written the normal way — text-only rows without an
 * `images` key, image rows with one — must not lose the images of every row after a text-only first line (they
 * were all dropped as `image_count_mismatch`). Checked against `datasets` itself when the test venv is there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { build } from '../../src/index.js';
import { readJsonl } from '../helpers/files.js';
import { ensurePythonVenv, runPython } from '../helpers/python.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-json-union-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** Rows as mixed data is written: text-only rows have no `images` key at all; the first line is one of them. */
async function mixedRows(): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 8; i++) {
    if (i % 3 === 0) {
      rows.push({ uid: `t${i}`, problem: `What is ${i} + ${i}?`, answer: String(2 * i) });
      continue;
    }
    const name = `img${i}.png`;
    const png = await sharp({
      create: { width: 40 + 8 * i, height: 32, channels: 3, background: { r: 20 * i, g: 90, b: 200 } },
    })
      .png()
      .toBuffer();
    writeFileSync(join(tmp, name), png);
    rows.push({ uid: `v${i}`, problem: `<image>What colour is figure ${i}?`, answer: `c${i}`, images: [name] });
  }
  return rows;
}

const rows = await mixedRows();
const jsonl = join(tmp, 'mixed.jsonl');
writeFileSync(jsonl, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
const jsonArray = join(tmp, 'mixed.json');
writeFileSync(jsonArray, JSON.stringify(rows));
const withImages = rows.filter((r) => r.images).length;

for (const [name, file] of [
  ['jsonl', jsonl],
  ['json array', jsonArray],
] as const) {
  for (const target of ['easyr1', 'verl'] as const) {
    test(
      `${name}, first row text-only, target ${target}: every later row keeps its image`,
      { timeout: 600_000 },
      async () => {
        const out = join(tmp, `out-${name.replace(' ', '-')}-${target}`);
        const warnings: string[] = [];
        const r = await build(
          { data: { train_files: file }, id_key: 'uid', target, out },
          { onWarning: (m) => warnings.push(m) },
        );
        assert.deepEqual(r.splits.train!.dropped, {}, JSON.stringify(readJsonl(join(out, 'dropped.jsonl'))));
        assert.equal(r.splits.train!.rowsOut, rows.length);
        const lengths = readJsonl(join(out, 'lengths.jsonl')) as Array<{ id: string; image_tokens: number }>;
        assert.equal(lengths.filter((l) => l.image_tokens > 0).length, withImages);
        for (const l of lengths) assert.equal(l.image_tokens > 0, l.id.startsWith('v'), l.id);
        assert.ok(!warnings.some((w) => w.includes('no image column')), warnings.join('\n'));
      },
    );
  }
}

const python = await ensurePythonVenv(['pyarrow', 'datasets', 'Pillow']);
test(
  'the columns and image lists are the ones datasets.load_dataset("json") reads',
  { timeout: 600_000, skip: python ? false : 'python venv not available' },
  async () => {
    const out = join(tmp, 'out-datasets');
    await build({ data: { train_files: jsonl }, id_key: 'uid', target: 'easyr1', out });
    const got = JSON.parse(
      await runPython(
        python!,
        String.raw`
import json, sys, glob
import datasets, pyarrow.parquet as pq
ds = datasets.load_dataset("json", data_files=sys.argv[1], split="train")
ours = pq.read_table(sorted(glob.glob(sys.argv[2] + "/data/*.parquet"))[0]).to_pylist()
print(json.dumps({
    "columns": sorted(ds.column_names),
    "theirs": {r["uid"]: len(r["images"] or []) for r in ds},
    "ours": {r["problem"]: len(r["images"] or []) for r in ours},
    "problems": {r["problem"]: r["uid"] for r in ds},
}))
`,
        [jsonl, out],
      ),
    ) as {
      columns: string[];
      theirs: Record<string, number>;
      ours: Record<string, number>;
      problems: Record<string, string>;
    };
    assert.deepEqual(got.columns, ['answer', 'images', 'problem', 'uid']);
    const oursById = Object.fromEntries(Object.entries(got.ours).map(([p, n]) => [got.problems[p], n]));
    assert.deepEqual(oursById, got.theirs);
  },
);
