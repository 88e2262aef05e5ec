/**
 * Arrow types and HF `datasets` features of the written columns: the type builders, the leaf types a pass-through
 * column may have, a pass-through column's Arrow type and feature, and a decoded cell made to fit its type.
 */
import * as A from 'apache-arrow';
import type { ColumnType, PassthroughColumn } from '../core/types.js';
import { GadError } from '../core/errors.js';
import { JsonNumber } from '../ingest/json-numbers.js';
import { must } from '../core/guards.js';

export type Feature = Record<string, unknown> | Feature[];

export const str = (): A.DataType => new A.Utf8();
export const f = (name: string, type: A.DataType): A.Field => new A.Field(name, type, true);
export const list = (t: A.DataType): A.DataType => new A.List(new A.Field('element', t, true));
export const struct = (fields: A.Field[]): A.DataType => new A.Struct(fields);
export const imageStruct = (): A.DataType => struct([f('bytes', new A.Binary()), f('path', str())]);

const valueFeature = (dtype: string) => ({ dtype, _type: 'Value' });

/**
 * Leaf types of a pass-through column, by pyarrow's name: the Arrow type (its HF `Value` dtype is featureOf's:
 * `string`, `binary`, `bool`, `int8` ... `uint64`, `float32`, `float64`).
 */
const LEAVES: Record<string, new () => A.DataType> = {
  ...{ string: A.Utf8, binary: A.Binary, bool: A.Bool, float: A.Float32, double: A.Float64 },
  ...{ int8: A.Int8, int16: A.Int16, int32: A.Int32, int64: A.Int64 },
  ...{ uint8: A.Uint8, uint16: A.Uint16, uint32: A.Uint32, uint64: A.Uint64 },
};

/** The HF `Value` dtype of a leaf type (undefined for a type that is not a leaf). */
function leafDtype(type: string): unknown {
  return Object.hasOwn(LEAVES, type) ? (featureOf(new LEAVES[type]!()) as { dtype: string }).dtype : undefined;
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
  return LEAVES[c.type] ? null : `type ${c.type}`;
}

/** The Arrow type of a pass-through column (nullable fields, lists with an `element` child, as pyarrow writes). */
export function arrowTypeOf(c: ColumnType): A.DataType {
  if (c.kind === 'list') return list(arrowTypeOf(elementOf(c)));
  if (c.kind === 'struct') return struct(c.children.map((x) => f(x.name, arrowTypeOf(x))));
  const leaf = LEAVES[c.type];
  if (!leaf) throw new GadError(`export: cannot write a column of type ${c.type}`, { exitCode: 1 });
  return new leaf();
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

export function featureOf(type: A.DataType, imageList = false): Feature {
  if (imageList) return [{ _type: 'Image' }];
  if (type instanceof A.Utf8) return valueFeature('string');
  if (type instanceof A.Binary) return valueFeature('binary');
  if (type instanceof A.Bool) return valueFeature('bool');
  if (type instanceof A.Int) return valueFeature(`${type.isSigned ? 'int' : 'uint'}${type.bitWidth}`);
  if (type instanceof A.Float32) return valueFeature('float32');
  if (type instanceof A.Float64) return valueFeature('float64');
  if (type instanceof A.List) return [featureOf(must(type.children[0], 'an Arrow list without a child').type)];
  if (type instanceof A.Struct) {
    const o: Record<string, unknown> = {};
    for (const c of type.children) o[c.name] = featureOf(c.type);
    return o;
  }
  throw new Error(`no HF feature for arrow type ${String(type)}`);
}
