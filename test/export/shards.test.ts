import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { sha256File } from '../../src/core/hash.js';
import { hfFeatures, rowBytes, rowFor, type SchemaOptions } from '../../src/output/parquet-schema.js';
import { openOutput } from '../../src/output/out-dir.js';
import { renderDatasetCard, writeManifest } from '../../src/output/manifest.js';
import { ShardWriter } from '../../src/output/shards.js';
import type { Sample, ShardInfo } from '../../src/core/types.js';
import { EASYR1_GAD, EASYR1_GRPO, makeManifest, makeSamples, VERL_GAD, VERL_GRPO } from '../helpers/export-samples.js';
import YAML from 'yaml';

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'gad-export-'));
}

/** Build OUT with one ShardWriter per split through a real session; returns shards. */
async function build(
  out: string,
  opts: SchemaOptions,
  splits: Record<string, Sample[]>,
  shardSize: number,
  rowGroupRows?: number,
) {
  const s = await openOutput(out, { settingsHash: 'test' });
  const shards: ShardInfo[] = [];
  for (const [split, samples] of Object.entries(splits)) {
    const w = new ShardWriter({ ...opts, dir: join(s.workDir, 'data'), split, shardSize, rowGroupRows, session: s });
    for (const x of samples) await w.write(x);
    shards.push(...(await w.close()));
  }
  const m = makeManifest(
    opts,
    shards,
    Object.fromEntries(Object.entries(splits).map(([k, v]) => [k, v.length])),
    'cc-by-4.0',
  );
  await writeManifest(s.workDir, m);
  await import('node:fs/promises').then((fs) => fs.writeFile(join(s.workDir, 'README.md'), renderDatasetCard(m)));
  await s.commit();
  return { shards, manifest: m };
}

async function duck<T>(fn: (q: (sql: string) => Promise<Record<string, unknown>[]>) => Promise<T>): Promise<T> {
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  try {
    return await fn(async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[]);
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}

const lit = (p: string) => `'${p.replaceAll("'", "''")}'`;

for (const [name, opts] of [
  ['verl gad', VERL_GAD],
  ['verl grpo', VERL_GRPO],
  ['easyr1 gad', EASYR1_GAD],
  ['easyr1 grpo', EASYR1_GRPO],
] as const) {
  test(`${name}: every shard read back by DuckDB equals what was written (types, nested fields, image bytes, row counts, HF metadata)`, async () => {
    const dir = await tmp();
    try {
      const samples = await makeSamples(23, { teacher: opts.kind === 'gad', nullAnswer: true });
      const shardSize = samples.slice(0, 8).reduce((a, x) => a + rowBytes(rowFor(x, opts)), 0);
      const out = join(dir, 'out');
      const { shards } = await build(out, opts, { train: samples }, shardSize, 3);
      assert.ok(shards.length >= 3, `expected several shards, got ${shards.length}`);
      assert.deepEqual(await readdir(join(out, 'data')), shards.map((s) => s.file.slice('data/'.length)).sort());
      assert.equal(
        shards.reduce((a, s) => a + s.rows, 0),
        samples.length,
      );
      let offset = 0;
      await duck(async (q) => {
        for (const sh of shards) {
          const path = join(out, sh.file);
          assert.equal(sh.sha256, await sha256File(path));
          const desc = await q(`DESCRIBE SELECT * FROM read_parquet(${lit(path)})`);
          const types = Object.fromEntries(desc.map((r) => [r.column_name, r.column_type]));
          const img = 'STRUCT("bytes" BLOB, path VARCHAR)[]';
          const expected: Record<string, string> =
            opts.target === 'verl'
              ? {
                  data_source: 'VARCHAR',
                  prompt: 'STRUCT("role" VARCHAR, "content" VARCHAR)[]',
                  images: img,
                  ability: 'VARCHAR',
                  reward_model: 'STRUCT("style" VARCHAR, ground_truth VARCHAR)',
                  extra_info: 'STRUCT(split VARCHAR, "index" BIGINT, answer VARCHAR, question VARCHAR)',
                }
              : { problem: 'VARCHAR', answer: 'VARCHAR', images: img };
          if (opts.kind === 'gad') expected.teacher_response = 'VARCHAR';
          assert.deepEqual(Object.keys(types), Object.keys(expected), 'column order');
          for (const [k, t] of Object.entries(expected))
            assert.equal(String(types[k]).replaceAll('"', ''), t.replaceAll('"', ''), k);

          const rows = await q(`SELECT * FROM read_parquet(${lit(path)})`);
          assert.equal(rows.length, sh.rows);
          for (const r of rows) {
            const s = samples[offset++]!;
            const want = rowFor(s, opts);
            const imgs = r.images as Array<{ bytes: Uint8Array; path: string | null }>;
            assert.equal(imgs.length, 1);
            assert.deepEqual(
              Buffer.from(imgs[0]!.bytes),
              Buffer.from(s.formatted!.images[0]!.bytes),
              `image bytes of ${s.id}`,
            );
            assert.equal(imgs[0]!.path, s.formatted!.images[0]!.path);
            for (const k of Object.keys(want)) {
              if (k === 'images') continue;
              const got = r[k];
              if (k === 'extra_info') {
                const e = got as Record<string, unknown>;
                assert.equal(BigInt(e.index as number), BigInt(s.index));
                assert.deepEqual({ ...e, index: 0 }, { ...(want[k] as object), index: 0 });
              } else assert.deepEqual(got, want[k], `${k} of ${s.id}`);
            }
          }
          const kv = await q(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${lit(path)})`);
          const hf = kv.find((x) => x.k === 'huggingface');
          assert.ok(hf, 'huggingface key-value metadata');
          const meta = JSON.parse(String(hf.v)) as { info: { features: Record<string, unknown> } };
          assert.deepEqual(meta, hfFeatures(opts));
          assert.deepEqual(meta.info.features.images, [{ _type: 'Image' }]);
          assert.deepEqual(Object.keys(meta.info.features), Object.keys(expected));
          const rg = await q(
            `SELECT DISTINCT row_group_id, row_group_num_rows, compression FROM parquet_metadata(${lit(path)})`,
          );
          for (const g of rg) {
            assert.ok(Number(g.row_group_num_rows) <= 3, 'row groups hold at most rowGroupRows rows');
            assert.equal(g.compression, 'ZSTD');
          }
        }
      });
      assert.equal(offset, samples.length);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

test('a rerun gives byte-identical shards, manifest and card', async () => {
  const dir = await tmp();
  try {
    const samples = await makeSamples(12, { teacher: true });
    const digests = async (out: string) => {
      const files = [...(await readdir(join(out, 'data'))).map((f) => `data/${f}`), 'manifest.json', 'README.md'];
      return Promise.all(files.map(async (f) => [f, await sha256File(join(out, f))]));
    };
    await build(join(dir, 'a'), VERL_GAD, { train: samples.slice(0, 9), test: samples.slice(9) }, 30000, 4);
    await build(join(dir, 'b'), VERL_GAD, { train: samples.slice(0, 9), test: samples.slice(9) }, 30000, 4);
    const a = await digests(join(dir, 'a'));
    assert.ok(a.length > 4);
    assert.deepEqual(a, await digests(join(dir, 'b')));
    // and rebuilding into the same folder replaces it with the same bytes
    await build(join(dir, 'a'), VERL_GAD, { train: samples.slice(0, 9), test: samples.slice(9) }, 30000, 4);
    assert.deepEqual(await digests(join(dir, 'a')), a);
    const manifest = await readFile(join(dir, 'a', 'manifest.json'), 'utf8');
    assert.doesNotMatch(manifest, /20\d\d-\d\d-\d\dT/, 'no timestamps');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('shards are cut by size at row boundaries and named <split>-0000i-of-0000n; an empty split still gets a readable shard', async () => {
  const dir = await tmp();
  try {
    const samples = await makeSamples(10);
    const sizes = samples.map((x) => rowBytes(rowFor(x, VERL_GRPO)));
    const limit = sizes[0]! + sizes[1]! + sizes[2]!;
    const out = join(dir, 'out');
    const { shards } = await build(out, VERL_GRPO, { train: samples, validation: [] }, limit);
    // expected cut points, computed independently
    const expect: number[] = [];
    let cur = 0;
    let n = 0;
    for (const s of sizes) {
      if (n > 0 && cur + s > limit) {
        expect.push(n);
        cur = 0;
        n = 0;
      }
      cur += s;
      n++;
    }
    expect.push(n);
    const train = shards.filter((s) => s.split === 'train');
    assert.deepEqual(
      train.map((s) => s.rows),
      expect,
    );
    assert.deepEqual(
      train.map((s) => s.file),
      expect.map((_, i) => `data/train-0000${i}-of-0000${expect.length}.parquet`),
    );
    const val = shards.filter((s) => s.split === 'validation');
    assert.deepEqual(
      val.map((s) => [s.file, s.rows]),
      [['data/validation-00000-of-00001.parquet', 0]],
    );
    await duck(async (q) => {
      const r = await q(`SELECT count(*)::INTEGER AS n FROM read_parquet(${lit(join(out, val[0]!.file))})`);
      assert.equal(r[0]!.n, 0);
    });
    assert.deepEqual((await readdir(out)).sort(), ['README.md', 'data', 'manifest.json']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('dataset card: HF front matter with license, configs/data_files and dataset_info features/splits from the manifest', async () => {
  const shards: ShardInfo[] = [
    { split: 'train', file: 'data/train-00000-of-00002.parquet', rows: 5, bytes: 100, sha256: 'a'.repeat(64) },
    { split: 'train', file: 'data/train-00001-of-00002.parquet', rows: 4, bytes: 50, sha256: 'b'.repeat(64) },
    { split: 'test', file: 'data/test-00000-of-00001.parquet', rows: 3, bytes: 30, sha256: 'c'.repeat(64) },
  ];
  const m = makeManifest(EASYR1_GAD, shards, { train: 9, test: 3 }, 'mit');
  const card = renderDatasetCard(m);
  const front = card.match(/^---\n([\s\S]*?)\n---\n/);
  assert.ok(front, 'front matter');
  const y = YAML.parse(front[1]!) as Record<string, any>;
  assert.equal(y.license, 'mit');
  assert.deepEqual(y.configs, [
    {
      config_name: 'default',
      data_files: [
        { split: 'test', path: 'data/test-*' },
        { split: 'train', path: 'data/train-*' },
      ],
    },
  ]);
  assert.deepEqual(y.dataset_info.splits, [
    { name: 'test', num_bytes: 30, num_examples: 3 },
    { name: 'train', num_bytes: 150, num_examples: 9 },
  ]);
  assert.deepEqual(y.dataset_info.features, [
    { name: 'problem', dtype: 'string' },
    { name: 'answer', dtype: 'string' },
    { name: 'images', list: 'image' },
    { name: 'teacher_response', dtype: 'string' },
  ]);
  for (const s of shards) assert.ok(card.includes(s.sha256));
  const noLicense = renderDatasetCard({ ...m, config: {} });
  assert.doesNotMatch(noLicense.split('\n---\n')[0]!, /license:/);
});

test('rowFor refuses rows that cannot be written, naming the row', async () => {
  const [s] = await makeSamples(1);
  assert.throws(() => rowFor({ ...s!, formatted: undefined }, VERL_GRPO), /row-0 .*not formatted/);
  assert.throws(() => rowFor(s!, VERL_GAD), /row-0.*no teacher response/);
  assert.throws(() => rowFor({ ...s!, drop: { reason: 'leak', detail: 'x' } }, VERL_GRPO), /dropped \(leak\)/);
  assert.throws(() => rowFor(s!, { ...EASYR1_GRPO, answerKey: 'problem' }), /collide/);
});
