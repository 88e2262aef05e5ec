/**
 * The parquet schema of the written columns: each Arrow type (src/output/arrow-types.ts) as the parquet schema
 * elements pyarrow reads back as that same type. Every field is OPTIONAL (nullable); a list is the three-level
 * `<name> (LIST) / list (repeated) / element`, which pyarrow reads as `list<element: ...>` (not `large_list`); a
 * BYTE_ARRAY without annotation is `binary` (not `large_binary`), with the STRING annotation `string`; small and
 * unsigned integers carry their converted type (INT32 + INT_8 is `int8`, INT64 + UINT_64 is `uint64`).
 */
import type { SchemaElement } from 'hyparquet';
import { Leaf, List, type DataType, type Field, type LeafName } from './arrow-types.js';

/**
 * An integer by its converted type only (INT_8 ... UINT_64), which readers map to the INTEGER logical type:
 * hyparquet-writer 0.17.0 writes the INTEGER logical type's bit width as an i32 where the format has an i8, and
 * pyarrow then refuses the whole footer ("Couldn't deserialize thrift").
 */
const int = (type: 'INT32' | 'INT64', bitWidth: number, isSigned: boolean): Omit<SchemaElement, 'name'> => ({
  type,
  converted_type: `${isSigned ? 'INT' : 'UINT'}_${bitWidth}` as SchemaElement['converted_type'],
});

const LEAF_ELEMENT: Record<LeafName, Omit<SchemaElement, 'name'>> = {
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } },
  binary: { type: 'BYTE_ARRAY' },
  bool: { type: 'BOOLEAN' },
  float: { type: 'FLOAT' },
  double: { type: 'DOUBLE' },
  int8: int('INT32', 8, true),
  int16: int('INT32', 16, true),
  int32: int('INT32', 32, true),
  int64: int('INT64', 64, true),
  uint8: int('INT32', 8, false),
  uint16: int('INT32', 16, false),
  uint32: int('INT32', 32, false),
  uint64: int('INT64', 64, false),
};

function elements(name: string, type: DataType, out: SchemaElement[]): void {
  if (type instanceof Leaf) {
    out.push({ name, repetition_type: 'OPTIONAL', ...LEAF_ELEMENT[type.name] });
  } else if (type instanceof List) {
    out.push({
      name,
      repetition_type: 'OPTIONAL',
      converted_type: 'LIST',
      logical_type: { type: 'LIST' },
      num_children: 1,
    });
    out.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
    elements('element', type.element, out);
  } else {
    out.push({ name, repetition_type: 'OPTIONAL', num_children: type.fields.length });
    for (const x of type.fields) elements(x.name, x.type, out);
  }
}

/** The flattened parquet schema (root first) of a table with these fields. */
export function parquetSchema(fields: readonly Field[]): SchemaElement[] {
  const out: SchemaElement[] = [{ name: 'schema', num_children: fields.length }];
  for (const x of fields) elements(x.name, x.type, out);
  return out;
}
