/**
 * Pass-through columns (verl target): which input columns are kept, with which Arrow type and HF feature, and
 * the JSON type inference for jsonl sources.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ColumnType, PassthroughColumn } from '../../src/core/types.js';
import { columnSpecs, planPassthrough } from '../../src/output/parquet-schema.js';
import { coerceCell, passthroughFeature } from '../../src/output/arrow-types.js';
import { JsonTypeInference, getPath } from '../../src/ingest/columns.js';

const leaf = (name: string, type: string): ColumnType => ({
  name,
  type,
  kind: 'primitive',
  nullable: true,
  children: [],
});
const list = (name: string, el: ColumnType): ColumnType => ({
  name,
  type: `list<${el.type}>`,
  kind: 'list',
  nullable: true,
  children: [el],
});
const struct = (name: string, children: ColumnType[]): ColumnType => ({
  name,
  type: `struct<${children.map((c) => `${c.name}: ${c.type}`).join(', ')}>`,
  kind: 'struct',
  nullable: true,
  children,
});
const pass = (column: ColumnType, feature: unknown = null): PassthroughColumn => ({
  name: column.name,
  column,
  feature,
});

test('planPassthrough keeps user columns, leaves out what verl writes itself and types it cannot write (with the reason)', () => {
  const cols = [
    pass(leaf('id', 'string')),
    pass(leaf('prompt', 'string')),
    pass(leaf('ability', 'string')),
    pass(struct('extra_info', [leaf('index', 'int64'), leaf('tools_kwargs', 'string')])),
    pass(leaf('created', 'timestamp')),
    pass(leaf('teacher_response', 'string')),
  ];
  const gad = planPassthrough(cols, { kind: 'gad', promptKey: 'prompt' });
  assert.deepEqual(
    gad.keep.map((c) => c.name),
    ['id', 'extra_info'],
  );
  assert.deepEqual(
    gad.left.map((l) => l.name),
    ['prompt', 'created', 'teacher_response'],
  );
  assert.match(gad.left[1]!.why, /timestamp/);
  // A GRPO build keeps a teacher_response column of the input (it writes none of its own).
  assert.ok(
    planPassthrough(cols, { kind: 'grpo', promptKey: 'prompt' }).keep.some((c) => c.name === 'teacher_response'),
  );
});

test('the input extra_info replaces the built one, its type and feature kept; a mismatching feature is replaced by a derived one', () => {
  const extra = struct('extra_info', [
    leaf('index', 'int64'),
    struct('interaction_kwargs', [leaf('name', 'string')]),
    leaf('w', 'double'),
  ]);
  const inputFeature = {
    index: { dtype: 'int64', _type: 'Value' },
    interaction_kwargs: { name: { dtype: 'string', _type: 'Value' } },
    w: { dtype: 'float64', _type: 'Value' },
  };
  const specs = columnSpecs({
    target: 'verl',
    kind: 'grpo',
    promptKey: 'prompt',
    answerKey: 'answer',
    imageKey: 'image',
    passthrough: [
      pass(extra, inputFeature),
      pass(list('choices', leaf('element', 'string')), {
        feature: { dtype: 'string', _type: 'Value' },
        _type: 'Sequence',
      }),
    ],
  });
  assert.deepEqual(
    specs.map((s) => s.name),
    ['data_source', 'prompt', 'images', 'ability', 'reward_model', 'extra_info', 'choices'],
  );
  const ei = specs.find((s) => s.name === 'extra_info')!;
  assert.deepEqual(ei.feature, inputFeature);
  assert.equal(String(ei.type), 'Struct<{index:Int64, interaction_kwargs:Struct<{name:Utf8}>, w:Float64}>');
  assert.deepEqual(specs.find((s) => s.name === 'choices')!.feature, {
    feature: { dtype: 'string', _type: 'Value' },
    _type: 'Sequence',
  });
  // `large_string` is not what we store: the feature is derived from the type (datasets only trusts an exact match).
  assert.deepEqual(passthroughFeature(pass(leaf('id', 'string'), { dtype: 'large_string', _type: 'Value' })), {
    dtype: 'string',
    _type: 'Value',
  });
  assert.deepEqual(passthroughFeature(pass(leaf('n', 'int32'), { _type: 'ClassLabel', names: ['a'] })), {
    dtype: 'int32',
    _type: 'Value',
  });
});

test('coerceCell fits decoded cells to their column type', () => {
  const t = struct('x', [
    leaf('i', 'int64'),
    leaf('j', 'int32'),
    leaf('s', 'string'),
    list('l', leaf('element', 'double')),
  ]);
  assert.deepEqual(coerceCell({ i: 3, j: 4n, s: new TextEncoder().encode('é'), l: [1, 2.5], extra: 1 }, t), {
    i: 3n,
    j: 4,
    s: 'é',
    l: [1, 2.5],
  });
  assert.deepEqual(coerceCell({ i: null }, t), { i: null, j: null, s: null, l: null });
  assert.equal(coerceCell(null, t), null);
});

test('JSON columns: types inferred over all rows as pyarrow does; a key of mixed types is reported, not guessed', () => {
  const inf = new JsonTypeInference();
  inf.add({ id: 1, score: 1, tags: ['a'], meta: { k: 'v' }, mixed: 'x', empty: null });
  inf.add({ id: 2, score: 2.5, tags: [], meta: { k: 'w', n: 3 }, mixed: 7 });
  const { columns, conflicts } = inf.columns();
  assert.deepEqual(
    columns.map((c) => [c.name, c.type]),
    [
      ['id', 'int64'],
      ['score', 'double'],
      ['tags', 'list<string>'],
      ['meta', 'struct<k: string, n: int64>'],
      ['empty', 'string'],
    ],
  );
  assert.deepEqual(conflicts, ['mixed']);
});

test('getPath reads dotted keys into nested cells', () => {
  const row = { extra_info: { index: 7n, deep: { id: 'a' } }, 'a.b': 1 };
  assert.equal(getPath(row, 'extra_info.index'), 7n);
  assert.equal(getPath(row, 'extra_info.deep.id'), 'a');
  assert.equal(getPath(row, 'a.b'), 1);
  assert.equal(getPath(row, 'extra_info.missing'), undefined);
});
