/**
 * No local paths in what gets published: a build from inputs in one temp folder, run from a second, into a
 * third, must not hold any of those absolute paths (nor the home folder or the checkout) in any output file —
 * the shards read back with DuckDB (image path fields, every string cell, the footer metadata), every other
 * file byte for byte. Image `path` fields keep the source's file name (or a stable id-based name for bytes-only
 * images), unique within a shard.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { packageRoot } from '../../src/core/paths.js';
import { runCli } from '../helpers/gad-cli.js';
import { filesBelow, readJsonl, tree } from '../helpers/files.js';
import { pngOf, writeCraftedParquet } from '../helpers/validate-parquet.js';

/** Every string DuckDB reads from a parquet file: all cells as JSON, and the footer key/value metadata. */
async function parquetText(file: string): Promise<{ text: string; imagePaths: string[] }> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    const q = file.replace(/'/g, "''");
    const rows = (
      await con.runAndReadAll(
        `SELECT * EXCLUDE (images), to_json(list_transform(images, x -> x.path)) AS image_paths FROM read_parquet('${q}')`,
      )
    ).getRowObjectsJS();
    const kv = (
      await con.runAndReadAll(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${q}')`)
    ).getRowObjectsJS();
    const imagePaths = rows.flatMap((r) => JSON.parse(String(r.image_paths)) as string[]);
    const text = JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v)) + JSON.stringify(kv);
    return { text, imagePaths };
  } finally {
    con.closeSync();
  }
}

test("a build folder holds no absolute path of the build machine; image names are the sources' own", async () => {
  const inDir = await mkdtemp(join(tmpdir(), 'gad-paths-in-'));
  const cwd = await mkdtemp(join(tmpdir(), 'gad-paths-cwd-'));
  const outBase = await mkdtemp(join(tmpdir(), 'gad-paths-out-'));
  try {
    // jsonl rows: images by relative path (two folders with the same file name), one by absolute path, one missing.
    await mkdir(join(inDir, 'images', 'a'), { recursive: true });
    await mkdir(join(inDir, 'images', 'b'), { recursive: true });
    await writeFile(join(inDir, 'images', 'g3k_0000.png'), await pngOf(320, 240));
    await writeFile(join(inDir, 'images', 'a', 'image.png'), await pngOf(200, 150));
    await writeFile(join(inDir, 'images', 'b', 'image.png'), await pngOf(240, 160));
    await writeFile(join(inDir, 'images', 'abs one.png'), await pngOf(256, 256));
    const rows = [
      { problem: '<image>Find AC.', answer: '1', images: ['images/g3k_0000.png'] },
      { problem: '<image>Find the area of circle A.', answer: '2', images: ['images/a/image.png'] },
      { problem: '<image>Find the diagonal.', answer: '3', images: ['images/b/image.png'] },
      { problem: '<image>Find the angle.', answer: '4', images: [join(inDir, 'images', 'abs one.png')] },
      { problem: '<image>A missing image.', answer: '5', images: [join(inDir, 'images', 'missing.png')] },
    ];
    await writeFile(join(inDir, 'train.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    // A verl parquet with bytes-only images and no id column.
    await writeCraftedParquet(
      join(inDir, 'test.parquet'),
      await Promise.all(
        [0, 1].map(async (i) => ({
          prompt: [{ role: 'user', content: `<image>Test problem ${i}.` }],
          images: [{ bytes: await pngOf(128 + 32 * i, 96), path: null }],
          answer: String(i),
        })),
      ),
      'verl',
    );
    const out = join(outBase, 'built');
    const args = [
      'build',
      '--train',
      join(inDir, 'train.jsonl'),
      '--val',
      join(inDir, 'test.parquet'),
      '--out',
      out,
      '--format-prompt',
      'math',
      '--max-drop-ratio',
      '1',
    ];
    const res = await runCli(args, { cwd, timeoutMs: 540_000 });
    assert.equal(res.status, 0, res.stderr + res.stdout);

    const needles = [inDir, cwd, outBase, packageRoot(), homedir(), process.cwd()].filter((n) => n && n !== '/');
    const hits: string[] = [];
    const imagePaths: Record<string, string[]> = {};
    for (const f of filesBelow(out)) {
      const rel = f.slice(out.length + 1);
      const texts = [readFileSync(f).toString('latin1')];
      if (f.endsWith('.parquet')) {
        const p = await parquetText(f);
        texts.push(p.text);
        imagePaths[rel] = p.imagePaths;
      }
      for (const t of texts) for (const n of needles) if (t.includes(n)) hits.push(`${rel} holds ${n}`);
    }
    assert.deepEqual(hits, [], 'absolute paths of this machine in the output');
    assert.ok(Object.keys(imagePaths).length === 2, 'two shards read back');

    // Image names: the file's own name; same names made unique in row order; bytes-only images by row id.
    assert.deepEqual(imagePaths['data/train-00000-of-00001.parquet'], [
      'g3k_0000.png',
      'image.png',
      'image-2.png',
      'abs one.png',
    ]);
    assert.deepEqual(imagePaths['data/test-00000-of-00001.parquet'], ['test.parquet_0-0.png', 'test.parquet_1-0.png']);

    // Sources are written relative (here: by their file name, since they are outside the working directory).
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    assert.deepEqual(
      manifest.sources.map((s: any) => [s.spec, s.files.map((f: any) => f.path)]),
      [
        ['train.jsonl', ['train.jsonl']],
        ['test.parquet', ['test.parquet']],
      ],
    );
    assert.match(readFileSync(join(out, 'README.md'), 'utf8'), /- train: `train\.jsonl`/);
    // The missing image is named relative to its source folder.
    const drop = readJsonl(join(out, 'dropped.jsonl')).find((d) => d.reason === 'image_undecodable')!;
    assert.match(`${drop.detail} ${drop.value}`, /images\/missing\.png/);
    assert.equal(drop.source, 'train.jsonl');

    // Rerun: byte-identical.
    const before = tree(out);
    const again = await runCli(args, { cwd, timeoutMs: 540_000 });
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(tree(out), before);
  } finally {
    for (const d of [inDir, cwd, outBase]) await rm(d, { recursive: true, force: true });
  }
});
