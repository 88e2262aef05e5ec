/**
 * Every column type the shard writer can write (the built verl columns and pass-through columns of each leaf type,
 * nested in lists and structs, with nulls and extreme values) reads back with the same type and value in pyarrow,
 * HF `datasets` and DuckDB: the types trainers see must not change with the writer (`binary`, not `large_binary`;
 * `list<element: ...>`, not `large_list`; `int8` stays `int8`, `uint64` stays `uint64`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ColumnType, PassthroughColumn, Sample } from '../../src/core/types.js';
import { ShardWriter } from '../../src/output/shards.js';
import { makeSamples } from '../helpers/export-samples.js';
import { ensurePythonVenv, runPython } from '../helpers/python.js';

const python = await ensurePythonVenv(['pyarrow', 'datasets', 'Pillow']);

const leaf = (name: string, type: string): ColumnType => ({
  name,
  type,
  kind: 'primitive',
  nullable: true,
  children: [],
});
const LEAVES = ['bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float', 'double'];
const COLUMNS: ColumnType[] = [
  ...LEAVES.map((t) => leaf(`c_${t}`, t)),
  leaf('c_string', 'string'),
  leaf('c_binary', 'binary'),
  { name: 'c_list', type: 'list<int8>', kind: 'list', nullable: true, children: [leaf('element', 'int8')] },
  {
    name: 'c_struct',
    type: 'struct',
    kind: 'struct',
    nullable: true,
    children: [
      leaf('u', 'uint64'),
      leaf('b', 'binary'),
      { name: 'l', type: 'list<string>', kind: 'list', nullable: true, children: [leaf('element', 'string')] },
    ],
  },
];

/** Row i's pass-through cells: minimum, maximum, nulls, in turn. */
function cells(i: number): Record<string, unknown> {
  const k = i % 3;
  if (k === 2) return {};
  const lo = k === 0;
  return {
    c_bool: lo,
    c_int8: lo ? -128 : 127,
    c_int16: lo ? -32768 : 32767,
    c_int32: lo ? -2147483648 : 2147483647,
    c_int64: lo ? -(2n ** 63n) : 2n ** 63n - 1n,
    c_uint8: lo ? 0 : 255,
    c_uint16: lo ? 0 : 65535,
    c_uint32: lo ? 0 : 4294967295,
    c_uint64: lo ? 0n : 2n ** 64n - 1n,
    c_float: lo ? -1.5 : 0.25,
    c_double: lo ? -1e300 : Math.PI,
    c_string: lo ? '' : `θ 三角形 ${i}`,
    c_binary: new Uint8Array(lo ? [] : [0, 255, i]),
    c_list: lo ? [] : [-1, null, 7],
    c_struct: { u: lo ? null : 2n ** 64n - 1n, b: new Uint8Array([i]), l: lo ? null : ['a', null] },
  };
}

/** The cells as JSON (integers past 2^53 as strings, bytes as hex), as the Python script prints them. */
function json(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v > 2n ** 53n || v < -(2n ** 53n) ? v.toString() : Number(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (Array.isArray(v)) return v.map(json);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, json(x)]));
  return v;
}

const SCRIPT = String.raw`
import sys, json
import pyarrow.parquet as pq
import datasets
path = sys.argv[1]
sch = pq.read_schema(path)
def js(v):
    if isinstance(v, bytes): return v.hex()
    if isinstance(v, int) and not isinstance(v, bool): return str(v) if abs(v) > 2**53 else v
    if isinstance(v, list): return [js(x) for x in v]
    if isinstance(v, dict): return {k: js(x) for k, x in v.items()}
    return v
t = pq.read_table(path)
ds = datasets.load_dataset("parquet", data_files=[path])["train"]
cols = [c for c in t.column_names if c.startswith("c_")]
print(json.dumps({
    "arrow": {f.name: str(f.type) for f in sch},
    "features": {c: str(ds.features[c]) for c in cols},
    "pq": [{c: js(r[c]) for c in cols} for r in t.to_pylist()],
    "ds": [{c: js(r[c]) for c in cols} for r in ds],
}))
`;

test(
  'pass-through columns of every leaf type, nested too, read back with the same types and values (pyarrow, datasets, DuckDB)',
  { skip: python ? false : 'python venv unavailable (see log)', timeout: 600_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gad-writer-types-'));
    try {
      const passthrough: PassthroughColumn[] = COLUMNS.map((column) => ({ name: column.name, column, feature: null }));
      const samples: Sample[] = (await makeSamples(6)).map((s, i) => ({ ...s, passthrough: cells(i) }));
      const w = new ShardWriter({
        target: 'verl',
        kind: 'grpo',
        promptKey: 'prompt',
        answerKey: 'answer',
        imageKey: 'images',
        passthrough,
        dir: join(dir, 'data'),
        split: 'train',
        shardSize: 1e9,
        rowGroupRows: 4,
      });
      for (const s of samples) await w.write(s);
      const [shard] = await w.close();
      const path = join(dir, shard!.file);
      const want = samples.map((s) => {
        const c = cells(s.index);
        return Object.fromEntries(COLUMNS.map((col) => [col.name, json(c[col.name] ?? null)]));
      });

      const res = JSON.parse(await runPython(python!, SCRIPT, [path], { HF_HOME: join(dir, 'hf') })) as {
        arrow: Record<string, string>;
        features: Record<string, string>;
        pq: unknown[];
        ds: unknown[];
      };
      assert.deepEqual(res.arrow, {
        data_source: 'string',
        prompt: 'list<element: struct<role: string, content: string>>',
        images: 'list<element: struct<bytes: binary, path: string>>',
        ability: 'string',
        reward_model: 'struct<style: string, ground_truth: string>',
        extra_info: 'struct<split: string, index: int64, answer: string, question: string>',
        ...Object.fromEntries(LEAVES.map((t) => [`c_${t}`, t])),
        c_string: 'string',
        c_binary: 'binary',
        c_list: 'list<element: int8>',
        c_struct: 'struct<u: uint64, b: binary, l: list<element: string>>',
      });
      const dtype = (t: string) => (t === 'float' ? 'float32' : t === 'double' ? 'float64' : t);
      assert.deepEqual(res.features, {
        ...Object.fromEntries(LEAVES.map((t) => [`c_${t}`, `Value('${dtype(t)}')`])),
        c_string: "Value('string')",
        c_binary: "Value('binary')",
        c_list: "List(Value('int8'))",
        c_struct: "{'u': Value('uint64'), 'b': Value('binary'), 'l': List(Value('string'))}",
      });
      // float32 values chosen exact in float32 (-1.5, 0.25), so every reader gives the written numbers
      const big = (rows: unknown[]) =>
        JSON.parse(
          JSON.stringify(rows, (_k, v: unknown) =>
            typeof v === 'number' && Number.isInteger(v) && Math.abs(v) > 2 ** 31 ? String(v) : v,
          ),
        );
      assert.deepEqual(big(res.pq), big(want), 'pyarrow values');
      assert.deepEqual(big(res.ds), big(want), 'datasets values');

      const db = await (await DuckDBInstance.create(':memory:')).connect();
      const reader = await db.runAndReadAll(
        `SELECT c_uint64::VARCHAR AS u, c_int8 AS i8, c_uint32 AS u32, c_struct.u::VARCHAR AS su, c_list AS l FROM read_parquet('${path.replaceAll("'", "''")}')`,
      );
      const got = reader.getRowObjectsJson();
      assert.deepEqual(
        got.map((r) => [r.u, r.i8, r.u32, r.su]),
        samples.map((s) => {
          const c = cells(s.index);
          const n = (v: unknown) => (v === undefined || v === null ? null : String(v));
          const su = (c.c_struct as { u: bigint | null } | undefined)?.u;
          return [n(c.c_uint64), c.c_int8 ?? null, c.c_uint32 ?? null, n(su)];
        }),
        'DuckDB values',
      );
      db.closeSync();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
