/**
 * Column types for pass-through (the input columns a verl build writes unchanged), and dotted key paths
 * (`extra_info.index`) into nested cells.
 *
 * Parquet columns keep the type their footer declares. JSON rows have no schema: the type of each key is
 * inferred over all rows as pyarrow's JSON reader does (`datasets` uses it): integers int64, any fraction
 * makes float64 (`double`), booleans bool, text string, arrays list<element type>, objects struct<keys in
 * first-seen order>, a key missing or null in a row is a null cell. A key whose values disagree
 * (text in one row, a number in another) has no type: it is reported, not guessed.
 */
import type { ColumnType } from '../core/types.js';
import { JsonNumber } from './json-numbers.js';
import { isRecord } from '../core/guards.js';

/** The value at a dotted path (`extra_info.index`) of a row; undefined when a step is missing. */
export function getPath(row: Record<string, unknown>, path: string): unknown {
  if (path in row) return row[path];
  let v: unknown = row;
  for (const k of path.split('.')) {
    if (!isRecord(v) || v instanceof Uint8Array) return undefined;
    v = v[k];
  }
  return v;
}

/** True when a dotted path names a (nested) field of a schema. */
export function schemaHasPath(columns: readonly ColumnType[], path: string): boolean {
  if (columns.some((c) => c.name === path)) return true;
  let level: readonly ColumnType[] = columns;
  for (const k of path.split('.')) {
    const c = level.find((x) => x.name === k);
    if (!c) return false;
    level = c.kind === 'struct' ? c.children : [];
  }
  return true;
}

type Inferred =
  | { t: 'null' }
  | { t: 'bool' }
  | { t: 'int64' }
  | { t: 'double' }
  | { t: 'string' }
  | { t: 'list'; el: Inferred }
  | { t: 'struct'; fields: Map<string, Inferred> }
  | { t: 'conflict' };

function infer(v: unknown): Inferred {
  if (v === null || v === undefined) return { t: 'null' };
  if (typeof v === 'boolean') return { t: 'bool' };
  if (typeof v === 'number') return Number.isInteger(v) ? { t: 'int64' } : { t: 'double' };
  if (typeof v === 'bigint') return { t: 'int64' };
  // a number kept exactly as written (numbers.ts): an int64 as pyarrow reads it, or a double
  if (v instanceof JsonNumber)
    return v.isInt ? (fitsInt64(v.source) ? { t: 'int64' } : { t: 'conflict' }) : { t: 'double' };
  if (typeof v === 'string') return { t: 'string' };
  if (Array.isArray(v)) {
    let el: Inferred = { t: 'null' };
    for (const x of v) el = merge(el, infer(x));
    return { t: 'list', el };
  }
  if (typeof v === 'object' && !(v instanceof Uint8Array)) {
    const fields = new Map<string, Inferred>();
    for (const [k, x] of Object.entries(v)) fields.set(k, infer(x));
    return { t: 'struct', fields };
  }
  return { t: 'conflict' };
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** Integers beyond int64 have no arrow column a trainer's reader would give them: a conflict (an error naming the column). */
function fitsInt64(source: string): boolean {
  const n = BigInt(source);
  return n >= INT64_MIN && n <= INT64_MAX;
}

function merge(a: Inferred, b: Inferred): Inferred {
  if (a.t === 'null') return b;
  if (b.t === 'null') return a;
  if (a.t === 'conflict' || b.t === 'conflict') return { t: 'conflict' };
  if ((a.t === 'int64' && b.t === 'double') || (a.t === 'double' && b.t === 'int64')) return { t: 'double' };
  if (a.t !== b.t) return { t: 'conflict' };
  if (a.t === 'list' && b.t === 'list') return { t: 'list', el: merge(a.el, b.el) };
  if (a.t === 'struct' && b.t === 'struct') {
    const fields = new Map(a.fields);
    for (const [k, x] of b.fields) fields.set(k, fields.has(k) ? merge(fields.get(k)!, x) : x);
    return { t: 'struct', fields };
  }
  return a;
}

function hasConflict(x: Inferred): boolean {
  if (x.t === 'conflict') return true;
  if (x.t === 'list') return hasConflict(x.el);
  if (x.t === 'struct') return [...x.fields.values()].some(hasConflict);
  return false;
}

function toColumn(name: string, x: Inferred): ColumnType {
  switch (x.t) {
    case 'list': {
      const el = toColumn('element', x.el);
      return { name, type: `list<${el.type}>`, kind: 'list', nullable: true, children: [el] };
    }
    case 'struct': {
      const children = [...x.fields].map(([k, v]) => toColumn(k, v));
      return {
        name,
        type: `struct<${children.map((c) => `${c.name}: ${c.type}`).join(', ')}>`,
        kind: 'struct',
        nullable: true,
        children,
      };
    }
    case 'null':
      // Only nulls: pyarrow says `null`; written as a string column of nulls.
      return { name, type: 'string', kind: 'primitive', nullable: true, children: [] };
    default:
      return { name, type: x.t === 'conflict' ? 'unknown' : x.t, kind: 'primitive', nullable: true, children: [] };
  }
}

/** Infers column types over JSON rows (call `add` per row, then `columns`). */
export class JsonTypeInference {
  private readonly cols = new Map<string, Inferred>();

  add(row: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(row)) this.cols.set(k, merge(this.cols.get(k) ?? { t: 'null' }, infer(v)));
  }

  /** Columns in first-seen order; `conflicts` names the keys whose values disagree in type. */
  columns(): { columns: ColumnType[]; conflicts: string[] } {
    const columns: ColumnType[] = [];
    const conflicts: string[] = [];
    for (const [k, x] of this.cols) {
      if (hasConflict(x)) conflicts.push(k);
      else columns.push(toColumn(k, x));
    }
    return { columns, conflicts };
  }
}
