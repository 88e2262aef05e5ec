/**
 * Numbers exactly as written (issue 13, item 3): a jsonl's numbers reach the output as Python's `json` + `str()`
 * renders them — what verl / EasyR1 see when they read the same file — not as JavaScript doubles. Big integers
 * keep every digit (three ids that differ only past 2^53 stay three ids, and the teacher join finds each),
 * `1.0` stays `1.0`, `1e5` becomes `100000.0`. The expected strings come from Python itself.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../../src/index.js';
import { readJsonlRows } from '../../src/ingest/jsonl.js';
import { pyFloatRepr } from '../../src/core/py-float.js';
import { runTokensCommand } from '../../src/tokens/tokens-command.js';
import { PassThrough, Readable } from 'node:stream';
import { flat } from '../helpers/bad-corpus.js';
import { duckRows, readJsonl } from '../helpers/files.js';
import { ensurePythonVenv, runPython } from '../helpers/python.js';

const python = await ensurePythonVenv(['pyarrow']);

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gad-rel-numbers-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Python's view of a jsonl: for each line, str() of the given keys' values after json.loads. */
async function pythonStr(file: string, keys: string[]): Promise<Array<Record<string, string>>> {
  const out = await runPython(
    python!,
    `import json, sys
keys = sys.argv[2].split(',')
for line in open(sys.argv[1], encoding='utf-8'):
    if line.strip():
        row = json.loads(line)
        print(json.dumps({k: str(row[k]) for k in keys if k in row}))`,
    [file, keys.join(',')],
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, string>);
}

// Number texts as a user's script might write them. The three ids differ only past 2^53 (one double holds all three).
const ANSWERS = [
  '9007199254740993',
  '1.0',
  '1e5',
  '1E-5',
  '0.1',
  '2.50',
  '1e16',
  '-0.0',
  '123456789012345678901234567890',
  '0.0001',
  '1e400',
  '-7',
  '5e-324',
  '3.14159265358979323846',
];
const IDS = ['9007199254740993', '9007199254740992', '9007199254740994'];

test(
  'jsonl numbers keep their text: answers and ids as Python str(), three big ids stay three, the teacher join finds each',
  { skip: python ? false : 'no Python venv', timeout: 600_000 },
  async () => {
    const dir = join(tmp, 'build');
    await mkdir(join(dir, 'img'), { recursive: true });
    const lines: string[] = [];
    const teacher: string[] = [];
    for (let i = 0; i < ANSWERS.length; i++) {
      await writeFile(
        join(dir, 'img', `${i}.png`),
        await flat(64 + 8 * i, 48, i)
          .png()
          .toBuffer(),
      );
      // ids: the three big ones first, then small ints and a float id
      const id = i < IDS.length ? IDS[i]! : i === IDS.length ? '1.0' : String(i);
      // written by hand so the number texts are exactly these
      lines.push(
        `{"id": ${id}, "problem": "<image>Question ${i}?", "answer": ${ANSWERS[i]}, "images": ["img/${i}.png"]}`,
      );
      teacher.push(`{"id": ${id}, "response": "response for row ${i}"}`);
    }
    await writeFile(join(dir, 'train.jsonl'), `${lines.join('\n')}\n`);
    await writeFile(join(dir, 'teacher.jsonl'), `${teacher.join('\n')}\n`);
    const expected = await pythonStr(join(dir, 'train.jsonl'), ['id', 'answer']);
    assert.equal(new Set(expected.map((e) => e.id)).size, ANSWERS.length, 'Python sees distinct ids');

    const out = join(dir, 'out');
    const r = await build({
      data: { train_files: join(dir, 'train.jsonl'), format_prompt: 'none', max_response_length: 4096 },
      id_key: 'id',
      teacher: { file: join(dir, 'teacher.jsonl'), id_key: 'id' },
      out,
    });
    assert.equal(r.splits.train!.rowsOut, ANSWERS.length, `every row kept: ${JSON.stringify(r.splits.train)}`);
    const rows = await duckRows(join(out, 'data', 'train-00000-of-00001.parquet'));
    const lengths = readJsonl(join(out, 'lengths.jsonl'));
    for (let i = 0; i < ANSWERS.length; i++) {
      const want = expected[i]!;
      assert.equal(
        rows[i]!.reward_model.ground_truth,
        want.answer,
        `answer ${ANSWERS[i]} → ground_truth as Python str()`,
      );
      assert.equal(rows[i]!.extra_info.answer, want.answer, `answer ${ANSWERS[i]} → extra_info.answer`);
      assert.equal(lengths[i]!.id, want.id, `row ${i}: id as Python str()`);
      assert.equal(
        rows[i]!.teacher_response,
        `response for row ${i}`,
        `row ${i} (id ${want.id}) joined to its own teacher response`,
      );
    }
  },
);

test(
  'the easyr1 schema keeps the answer text too; a .json array file reads numbers the same way',
  { skip: python ? false : 'no Python venv', timeout: 600_000 },
  async () => {
    const dir = join(tmp, 'easyr1');
    await mkdir(dir, { recursive: true });
    const items: string[] = [];
    for (let i = 0; i < 4; i++) {
      await writeFile(
        join(dir, `${i}.png`),
        await flat(40 + 8 * i, 40, 50 + i)
          .png()
          .toBuffer(),
      );
      items.push(
        `{"problem": "<image>Q${i}", "answer": ${['1.0', '18446744073709551617', '2e-7', '100.5'][i]}, "images": ["${i}.png"]}`,
      );
    }
    await writeFile(join(dir, 'train.json'), `[${items.join(',\n')}]`);
    await writeFile(join(dir, 'as-lines.jsonl'), `${items.join('\n')}\n`);
    const expected = await pythonStr(join(dir, 'as-lines.jsonl'), ['answer']);
    const out = join(dir, 'out');
    await build({ data: { train_files: join(dir, 'train.json'), format_prompt: 'none' }, target: 'easyr1', out });
    const rows = await duckRows(join(out, 'data', 'train-00000-of-00001.parquet'));
    assert.deepEqual(
      rows.map((r) => r.answer),
      expected.map((e) => e.answer),
    );
  },
);

test(
  'a parquet float column (written by pyarrow) keeps Python\'s str(): 1.0 stays "1.0"',
  { skip: python ? false : 'no Python venv', timeout: 600_000 },
  async () => {
    const dir = join(tmp, 'parquet');
    await mkdir(dir, { recursive: true });
    const pngs = [];
    for (let i = 0; i < 4; i++)
      pngs.push(
        (
          await flat(40 + 8 * i, 40, 80 + i)
            .png()
            .toBuffer()
        ).toString('hex'),
      );
    await writeFile(join(dir, 'pngs.json'), JSON.stringify(pngs));
    // a Python user's parquet: float answers (double), int64 ids; Python prints what the trainer's str() gives
    const expected = (
      await runPython(
        python!,
        `import json, sys, pyarrow as pa, pyarrow.parquet as pq
pngs = [bytes.fromhex(h) for h in json.load(open(sys.argv[1] + '/pngs.json'))]
answers = [1.0, 100000.0, 1e-05, 2.5]
ids = [9007199254740993, 2, 3, 4]
t = pa.table({'id': pa.array(ids, pa.int64()), 'problem': [f'<image>Q{i}' for i in range(4)], 'answer': pa.array(answers, pa.float64()),
              'images': [[{'bytes': b, 'path': None}] for b in pngs]})
pq.write_table(t, sys.argv[1] + '/train.parquet')
for r in pq.read_table(sys.argv[1] + '/train.parquet').to_pylist():
    print(json.dumps({'id': str(r['id']), 'answer': str(r['answer'])}))`,
        [dir],
      )
    )
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { id: string; answer: string });
    const out = join(dir, 'out');
    await build({ data: { train_files: join(dir, 'train.parquet'), format_prompt: 'none' }, id_key: 'id', out });
    const rows = await duckRows(join(out, 'data', 'train-00000-of-00001.parquet'));
    assert.deepEqual(
      rows.map((r) => r.reward_model.ground_truth),
      expected.map((e) => e.answer),
    );
    assert.deepEqual(
      readJsonl(join(out, 'lengths.jsonl')).map((r) => r.id),
      expected.map((e) => e.id),
    );
  },
);

test("reading a jsonl: numbers Python reads as float or big int carry Python's text; duplicate keys: the last wins (as in Python)", async () => {
  const file = join(tmp, 'read.jsonl');
  await writeFile(file, '{"a": 1.0, "b": 9007199254740993, "c": 7, "d": 0.5, "e": "1.0", "a": 2.0}\n{"x": [1e5, 3]}\n');
  const got = [];
  for await (const r of readJsonlRows(file)) got.push(r);
  assert.ok(got[0]!.ok && got[1]!.ok);
  const row = (got[0] as { row: Record<string, unknown> }).row;
  assert.equal(String(row.a), '2.0');
  assert.equal(String(row.b), '9007199254740993');
  assert.equal(row.c, 7, 'a small integer stays a plain number');
  assert.equal(row.d, 0.5, 'a float whose JS and Python texts agree stays a plain number');
  assert.equal(row.e, '1.0');
  const x = (got[1] as { row: Record<string, unknown> }).row.x as unknown[];
  assert.equal(String(x[0]), '100000.0');
  assert.equal(x[1], 3);
});

test(
  'pyFloatRepr equals Python repr() on edge cases and 20,000 random doubles',
  { skip: python ? false : 'no Python venv', timeout: 600_000 },
  async () => {
    // 123456789012345678 is not a double on purpose: it is read as the double next to it, as Python does.
    const values: number[] = [
      0,
      -0,
      1,
      -1,
      0.1,
      1e16,
      1e15,
      1e-4,
      1e-5,
      // eslint-disable-next-line no-loss-of-precision
      123456789012345678,
      5e-324,
      1.7976931348623157e308,
      Infinity,
      -Infinity,
      0.30000000000000004,
      1e22,
      1e21,
      100,
      2 ** 53 + 2,
    ];
    // deterministic pseudo-random bit patterns (xorshift), finite only
    let s = 0x9e3779b9;
    const next = () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), s >>> 0);
    const buf = new Float64Array(1);
    const u = new Uint32Array(buf.buffer);
    while (values.length < 20_000) {
      u[0] = next();
      u[1] = next();
      if (Number.isFinite(buf[0]!)) values.push(buf[0]!);
    }
    const file = join(tmp, 'floats.json');
    // hex of each double, so Python gets the exact value
    await writeFile(file, JSON.stringify(values.map((v) => Buffer.from(new Float64Array([v]).buffer).toString('hex'))));
    const out = await runPython(
      python!,
      `import json, struct, sys
for h in json.load(open(sys.argv[1])):
    print(repr(struct.unpack('<d', bytes.fromhex(h))[0]))`,
      [file],
    );
    const want = out.split('\n').filter(Boolean);
    assert.equal(want.length, values.length);
    const bad = values.map((v, i) => [v, pyFloatRepr(v), want[i]] as const).filter(([, a, b]) => a !== b);
    assert.deepEqual(bad.slice(0, 5), []);
  },
);

test('gad-data tokens --jsonl echoes an id as written (a big integer or 1.0 is not rounded)', async () => {
  const input = Readable.from([
    '{"id": 9007199254740993, "problem": "<image>x", "image_sizes": [[64, 64]]}\n{"id": 1.0, "problem": "y"}\n{"id": 7, "problem": "z"}\n',
  ]);
  const output = new PassThrough();
  let text = '';
  output.on('data', (d) => (text += d));
  await runTokensCommand({ model: 'qwen3-vl', formatPrompt: 'none', pipeline: 'processor' }, input, output);
  const ids = text
    .split('\n')
    .filter(Boolean)
    .map((l) => /"id":([^,}]+)/.exec(l)?.[1]);
  assert.deepEqual(ids, ['9007199254740993', '1.0', '7']);
});

test(
  'pass-through columns of a jsonl keep their numbers: 0.0 stays a double, a big int an exact int64, as pyarrow reads the file',
  { skip: python ? false : 'no Python venv', timeout: 600_000 },
  async () => {
    const dir = join(tmp, 'passthrough-numbers');
    await mkdir(join(dir, 'img'), { recursive: true });
    const lines: string[] = [];
    const big = ['9007199254740993', '9007199254740995', '-9007199254740993'];
    for (let i = 0; i < 3; i++) {
      await flat(40 + i, 30, i)
        .png()
        .toFile(join(dir, 'img', `${i}.png`));
      lines.push(
        `{"id": "r${i}", "problem": "<image>Question ${i}?", "answer": "${i}", "images": ["img/${i}.png"], "weight": ${['0.0', '1.5', '2.0'][i]}, "big": ${big[i]}, "n": ${i}}`,
      );
    }
    await writeFile(join(dir, 'train.jsonl'), `${lines.join('\n')}\n`);
    const out = join(dir, 'out');
    await build({ data: { train_files: join(dir, 'train.jsonl'), image_dir: dir }, id_key: 'id', out });
    const manifest = JSON.parse((await import('node:fs')).readFileSync(join(out, 'manifest.json'), 'utf8'));
    const shard = join(out, manifest.shards[0].file);
    // pyarrow's reading of the source jsonl is the reference for the types and values
    const ref = JSON.parse(
      await runPython(
        python!,
        `import json, sys
import pyarrow.json as pj, pyarrow.parquet as pq
src = pj.read_json(sys.argv[1])
out = pq.read_table(sys.argv[2])
print(json.dumps({k: {"src_type": str(src.schema.field(k).type), "out_type": str(out.schema.field(k).type), "src": [repr(x) for x in src.column(k).to_pylist()], "out": [repr(x) for x in out.column(k).to_pylist()]} for k in ["weight", "big", "n"]}))`,
        [join(dir, 'train.jsonl'), shard],
      ),
    ) as Record<string, { src_type: string; out_type: string; src: string[]; out: string[] }>;
    for (const k of ['weight', 'big', 'n']) {
      assert.equal(ref[k]!.out_type, ref[k]!.src_type, `${k}: column type as pyarrow reads the jsonl`);
      assert.deepEqual(ref[k]!.out, ref[k]!.src, `${k}: values as pyarrow reads the jsonl`);
    }
    assert.deepEqual(ref.big!.out, big, 'big integers exact');
  },
);

test(
  'a parquet float pass-through column keeps inf, -inf, nan and -0.0 bit for bit, as pyarrow reads the input',
  { skip: python ? false : 'no Python venv', timeout: 600_000 },
  async () => {
    const dir = join(tmp, 'parquet-nonfinite');
    await mkdir(dir, { recursive: true });
    const pngs = [];
    for (let i = 0; i < 6; i++)
      pngs.push(
        (
          await flat(40 + 4 * i, 40, 60 + i)
            .png()
            .toBuffer()
        ).toString('hex'),
      );
    await writeFile(join(dir, 'pngs.json'), JSON.stringify(pngs));
    const BITS = `import struct
def bits(c): return [None if x is None else struct.pack('<d', x).hex() for x in c.to_pylist()]`;
    const src = await runPython(
      python!,
      `import json, sys, pyarrow as pa, pyarrow.parquet as pq
${BITS}
pngs = [bytes.fromhex(h) for h in json.load(open(sys.argv[1] + '/pngs.json'))]
w = [float('inf'), float('-inf'), float('nan'), -0.0, 1.5, 1.0]
t = pa.table({'id': [f'r{i}' for i in range(6)], 'problem': [f'<image>Q{i}' for i in range(6)], 'answer': [str(i) for i in range(6)],
              'images': [[{'bytes': b, 'path': None}] for b in pngs], 'w': pa.array(w, pa.float64())})
pq.write_table(t, sys.argv[1] + '/train.parquet')
print(json.dumps(bits(pq.read_table(sys.argv[1] + '/train.parquet').column('w'))))`,
      [dir],
    );
    const out = join(dir, 'out');
    await build({ data: { train_files: join(dir, 'train.parquet'), format_prompt: 'none' }, id_key: 'id', out });
    const got = await runPython(
      python!,
      `import json, sys, pyarrow.parquet as pq
${BITS}
t = pq.read_table(sys.argv[1])
print(str(t.schema.field('w').type))
print(json.dumps(bits(t.column('w'))))`,
      [join(out, 'data', 'train-00000-of-00001.parquet')],
    );
    const [type, bits] = got.trim().split('\n');
    assert.equal(type, 'double');
    assert.deepEqual(JSON.parse(bits!), JSON.parse(src.trim()), 'every value bit for bit as pyarrow reads the input');
  },
);
