/**
 * Arrow types and HF `datasets` features of the written columns: the type builders, the leaf types a pass-through
 * column may have, a pass-through column's Arrow type and feature, and a decoded cell made to fit its type.
 *
 * The types are the ones pyarrow reports for the written files (`string`, `binary` — not `large_binary` —, `list`
 * with an `element` child — not `large_list` —, `struct`, the integer and float leaves); src/output/parquet-elements.ts
 * turns them into the parquet schema. Their names (`String(type)`) are apache-arrow's (`Utf8`, `List<...>`,
 * `Struct<{a:Int64}>`), as the dataset card has always shown them.
 */
import type { ColumnType, PassthroughColumn } from '../core/types.js';
import { GadError } from '../core/errors.js';
import { JsonNumber } from '../ingest/json-numbers.js';
import { must } from '../core/guards.js';

export type Feature = Record<string, unknown> | Feature[];

/** A leaf type, by pyarrow's name. */
export type LeafName =
  | 'string'
  | 'binary'
  | 'bool'
  | 'float'
  | 'double'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64';

/** apache-arrow's name of each leaf (the dataset card's) and its HF `Value` dtype. */
const LEAF_INFO: Record<LeafName, { arrow: string; dtype: string }> = {
  ...{ string: { arrow: 'Utf8', dtype: 'string' }, binary: { arrow: 'Binary', dtype: 'binary' } },
  ...{ bool: { arrow: 'Bool', dtype: 'bool' } },
  ...{ float: { arrow: 'Float32', dtype: 'float32' }, double: { arrow: 'Float64', dtype: 'float64' } },
  ...{ int8: { arrow: 'Int8', dtype: 'int8' }, int16: { arrow: 'Int16', dtype: 'int16' } },
  ...{ int32: { arrow: 'Int32', dtype: 'int32' }, int64: { arrow: 'Int64', dtype: 'int64' } },
  ...{ uint8: { arrow: 'Uint8', dtype: 'uint8' }, uint16: { arrow: 'Uint16', dtype: 'uint16' } },
  ...{ uint32: { arrow: 'Uint32', dtype: 'uint32' }, uint64: { arrow: 'Uint64', dtype: 'uint64' } },
};

export class Leaf {
  constructor(readonly name: LeafName) {}
  toString(): string {
    return LEAF_INFO[this.name].arrow;
  }
}

/** A list (its child named `element`, as pyarrow writes and reads it). */
export class List {
  constructor(readonly element: DataType) {}
  toString(): string {
    return `List<${String(this.element)}>`;
  }
}

export class Struct {
  constructor(readonly fields: Field[]) {}
  toString(): string {
    return `Struct<{${this.fields.map((x) => `${x.name}:${String(x.type)}`).join(', ')}}>`;
  }
}

export type DataType = Leaf | List | Struct;

/** A named, nullable field. */
export interface Field {
  name: string;
  type: DataType;
}

export const str = (): DataType => new Leaf('string');
export const int64 = (): DataType => new Leaf('int64');
export const f = (name: string, type: DataType): Field => ({ name, type });
export const list = (t: DataType): DataType => new List(t);
export const struct = (fields: Field[]): DataType => new Struct(fields);
export const imageStruct = (): DataType => struct([f('bytes', new Leaf('binary')), f('path', str())]);

const valueFeature = (dtype: string) => ({ dtype, _type: 'Value' });

/** True for the leaf types a pass-through column may have (`string`, `binary`, `bool`, `int8` ... `uint64`, `float`, `double`). */
const isLeaf = (type: string): type is LeafName => Object.hasOwn(LEAF_INFO, type);

/** The HF `Value` dtype of a leaf type (undefined for a type that is not a leaf). */
function leafDtype(type: string): unknown {
  return isLeaf(type) ? LEAF_INFO[type].dtype : undefined;
}

/** The element type of a list column (a list has exactly one child). */
function elementOf(c: ColumnType): ColumnType {
  return must(c.children[0], `list column ${c.name} without an element type`);
}

/** Why a column type cannot be passed through (null: it can). */
export function unsupportedType(c: ColumnType): string | null {
  if (c.kind === 'map') return `map type ${c.type}`;
  if (c.kind === 'list') return c.children.length === 1 ? unsupportedType(elementOf(c)) : `type ${c.type}`;
  if (c.kind === 'struct') {
    for (const x of c.children) {
      const r = unsupportedType(x);
      if (r) return r;
    }
    return c.children.length ? null : 'an empty struct';
  }
  return isLeaf(c.type) ? null : `type ${c.type}`;
}

/** The Arrow type of a pass-through column (nullable fields, lists with an `element` child, as pyarrow writes). */
export function arrowTypeOf(c: ColumnType): DataType {
  if (c.kind === 'list') return list(arrowTypeOf(elementOf(c)));
  if (c.kind === 'struct') return struct(c.children.map((x) => f(x.name, arrowTypeOf(x))));
  if (!isLeaf(c.type)) throw new GadError(`export: cannot write a column of type ${c.type}`, { exitCode: 1 });
  return new Leaf(c.type);
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** True when an HF feature describes exactly the stored type (so `datasets` trusts the footer and decodes it). */
function featureMatches(feature: unknown, c: ColumnType): boolean {
  if (Array.isArray(feature))
    return feature.length === 1 && c.kind === 'list' && featureMatches(feature[0], elementOf(c));
  if (!isObj(feature)) return false;
  const t = feature._type;
  if (t === 'Value') return c.kind === 'primitive' && leafDtype(c.type) === feature.dtype;
  if (t === 'ClassLabel') return c.kind === 'primitive' && c.type === 'int64';
  if (t === 'Image') {
    return (
      c.kind === 'struct' &&
      c.children.length === 2 &&
      c.children[0]?.name === 'bytes' &&
      c.children[0].type === 'binary' &&
      c.children[1]?.name === 'path' &&
      c.children[1].type === 'string'
    );
  }
  if (
    t === 'List' ||
    (t === 'Sequence' &&
      (feature.length === undefined || feature.length === -1) &&
      !(isObj(feature.feature) && feature.feature._type === undefined))
  ) {
    return c.kind === 'list' && featureMatches(feature.feature, elementOf(c));
  }
  if (t !== undefined) return false;
  const keys = Object.keys(feature);
  return (
    c.kind === 'struct' &&
    keys.length === c.children.length &&
    c.children.every((x, i) => x.name === keys[i] && featureMatches(feature[x.name], x))
  );
}

/** The HF feature of a pass-through column: the input's own when it matches the type, else one derived from the type. */
export function passthroughFeature(p: PassthroughColumn): Feature {
  if (p.feature !== null && p.feature !== undefined && featureMatches(p.feature, p.column)) return p.feature as Feature;
  return featureOf(arrowTypeOf(p.column));
}

/** A decoded cell made to fit its column type (hyparquet and JSON give numbers, bigints, bytes for text...). */
export function coerceCell(v: unknown, c: ColumnType): unknown {
  if (v === null || v === undefined) return null;
  // a JSON number kept as written (ingest/json-numbers.ts): its exact value, not a double's
  if (v instanceof JsonNumber) {
    if (c.type === 'int64' || c.type === 'uint64') return BigInt(v.source);
    if (c.type === 'string') return v.text;
    return Number(v.source);
  }
  if (c.kind === 'list') return Array.isArray(v) ? v.map((x) => coerceCell(x, elementOf(c))) : null;
  if (c.kind === 'struct') {
    if (!isObj(v) || v instanceof Uint8Array) return null;
    const o: Record<string, unknown> = {};
    for (const x of c.children) o[x.name] = coerceCell(v[x.name], x);
    return o;
  }
  switch (c.type) {
    case 'string':
      return v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : typeof v === 'string' ? v : String(v);
    case 'binary':
      return v instanceof Uint8Array ? v : typeof v === 'string' ? new Uint8Array(Buffer.from(v, 'utf8')) : null;
    case 'bool':
      return Boolean(v);
    case 'int64':
    case 'uint64':
      return typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
    default:
      return typeof v === 'bigint' ? Number(v) : Number(v);
  }
}

export function featureOf(type: DataType, imageList = false): Feature {
  if (imageList) return [{ _type: 'Image' }];
  if (type instanceof Leaf) return valueFeature(LEAF_INFO[type.name].dtype);
  if (type instanceof List) return [featureOf(type.element)];
  const o: Record<string, unknown> = {};
  for (const c of type.fields) o[c.name] = featureOf(c.type);
  return o;
}
