/**
 * Parquet reading for ingest (and validate): one row group at a time, so memory stays flat for any
 * file size; only the requested columns are decoded.
 */
import { stat } from 'node:fs/promises';
import { parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import type { AsyncBuffer, FileMetaData, SchemaTree } from 'hyparquet';
import { allCompressors, parquetCompressors } from './parquet-compressors.js';
import { type FileBuffer, openFileBuffer } from './file-buffer.js';
import { GadError, describeError } from '../core/errors.js';

/** One column of a parquet schema with its logical type, nested children included. */
export interface ParquetColumn {
  name: string;
  /** Readable logical type, e.g. `string`, `binary`, `int64`, `list<struct<bytes: binary, path: string>>`. */
  type: string;
  /** Kind of the top-level node. */
  kind: 'primitive' | 'list' | 'struct' | 'map';
  nullable: boolean;
  /** For a list: the element; for a struct: its fields; for a map: key and value. */
  children: ParquetColumn[];
}

export interface ParquetSchemaInfo {
  path: string;
  rows: number;
  rowGroups: number[];
  columns: ParquetColumn[];
  /** Footer key/value metadata (`huggingface`, `pandas`, ...); `ARROW:schema` left out. */
  keyValue: Record<string, string>;
  createdBy: string | null;
}

interface OpenedParquet {
  file: AsyncBuffer;
  metadata: FileMetaData;
  /** Release the file (its descriptor). */
  close(): void;
}

async function openParquet(path: string): Promise<OpenedParquet> {
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new GadError(`${path} is not a file`);
  } catch (e) {
    if (e instanceof GadError) throw e;
    throw new GadError(`parquet file not found: ${path}`, {
      hint: 'check the source path (data.train_files / --source)',
      cause: e,
    });
  }
  let opened: FileBuffer | undefined;
  try {
    opened = openFileBuffer(path);
    const metadata = await parquetMetadataAsync(opened.buffer);
    return { file: opened.buffer, metadata, close: opened.close };
  } catch (e) {
    opened?.close();
    throw new GadError(`cannot read ${path} as parquet: ${describeError(e)}`, {
      hint: 'the file may be truncated (an interrupted download) or not a parquet file',
      cause: e,
    });
  }
}

function leafType(el: SchemaTree['element']): string {
  const lt = el.logical_type;
  if (lt) {
    switch (lt.type) {
      case 'STRING':
      case 'ENUM':
      case 'JSON':
        return lt.type === 'STRING' ? 'string' : lt.type.toLowerCase();
      case 'INTEGER':
        return `${lt.isSigned ? 'int' : 'uint'}${lt.bitWidth}`;
      case 'DECIMAL':
        return `decimal(${lt.precision},${lt.scale})`;
      case 'TIMESTAMP':
        return 'timestamp';
      case 'DATE':
        return 'date';
      case 'FLOAT16':
        return 'float16';
      default:
        break;
    }
  }
  switch (el.converted_type) {
    case 'UTF8':
    case 'ENUM':
      return 'string';
    case 'JSON':
      return 'json';
    case 'INT_8':
      return 'int8';
    case 'INT_16':
      return 'int16';
    case 'INT_32':
      return 'int32';
    case 'INT_64':
      return 'int64';
    case 'UINT_8':
      return 'uint8';
    case 'UINT_16':
      return 'uint16';
    case 'UINT_32':
      return 'uint32';
    case 'UINT_64':
      return 'uint64';
    case 'DATE':
      return 'date';
    default:
      break;
  }
  switch (el.type) {
    case 'BOOLEAN':
      return 'bool';
    case 'INT32':
      return 'int32';
    case 'INT64':
      return 'int64';
    case 'INT96':
      return 'int96';
    case 'FLOAT':
      return 'float';
    case 'DOUBLE':
      return 'double';
    case 'BYTE_ARRAY':
      return 'binary';
    case 'FIXED_LEN_BYTE_ARRAY':
      return `fixed_size_binary[${el.type_length ?? '?'}]`;
    default:
      return 'unknown';
  }
}

/** A REPEATED field outside a LIST group: a non-null list of non-null elements. */
function repeatedList(
  name: string,
  type: string,
  kind: ParquetColumn['kind'],
  children: ParquetColumn[],
): ParquetColumn {
  return {
    name,
    type: `list<${type}>`,
    kind: 'list',
    nullable: false,
    children: [{ name: 'element', type, kind, nullable: false, children }],
  };
}

function describeNode(node: SchemaTree): ParquetColumn {
  const el = node.element;
  const nullable = el.repetition_type !== 'REQUIRED';
  const isList = el.converted_type === 'LIST' || el.logical_type?.type === 'LIST';
  const isMap = el.converted_type === 'MAP' || el.converted_type === 'MAP_KEY_VALUE' || el.logical_type?.type === 'MAP';
  if (isList && node.children.length === 1) {
    // 3-level list: <name> (LIST) / repeated group list / element; legacy 2-level: repeated leaf or group.
    const rep = node.children[0]!;
    let elemNode: SchemaTree = rep;
    if (rep.children.length === 1 && rep.element.type === undefined) elemNode = rep.children[0]!;
    const elem = describeNode(elemNode);
    return { name: el.name, type: `list<${elem.type}>`, kind: 'list', nullable, children: [elem] };
  }
  if (isMap && node.children.length === 1) {
    const kv = node.children[0]!;
    const children = kv.children.map(describeNode);
    return { name: el.name, type: `map<${children.map((c) => c.type).join(', ')}>`, kind: 'map', nullable, children };
  }
  if (node.children.length > 0) {
    const children = node.children.map(describeNode);
    const type = `struct<${children.map((c) => `${c.name}: ${c.type}`).join(', ')}>`;
    if (el.repetition_type === 'REPEATED') return repeatedList(el.name, type, 'struct', children);
    return { name: el.name, type, kind: 'struct', nullable, children };
  }
  const t = leafType(el);
  if (el.repetition_type === 'REPEATED') return repeatedList(el.name, t, 'primitive', []);
  return { name: el.name, type: t, kind: 'primitive', nullable, children: [] };
}

/** The schema of a parquet file: top-level columns with readable logical types (nested types included). */
export async function readParquetSchema(path: string): Promise<ParquetSchemaInfo> {
  const { metadata, close } = await openParquet(path);
  close();
  const tree = parquetSchema(metadata);
  const keyValue: Record<string, string> = {};
  for (const kv of metadata.key_value_metadata ?? []) {
    if (kv.key !== 'ARROW:schema') keyValue[kv.key] = kv.value ?? '';
  }
  return {
    path,
    rows: Number(metadata.num_rows),
    rowGroups: metadata.row_groups.map((rg) => Number(rg.num_rows)),
    columns: tree.children.map(describeNode),
    keyValue,
    createdBy: metadata.created_by ?? null,
  };
}

/**
 * Rows of a parquet file as plain objects, decoded one row group at a time (only that row group's
 * column chunks are read). Values are as hyparquet decodes them: strings for string columns,
 * `Uint8Array` for binary, `bigint` for int64, arrays and objects for lists and structs. `columns`: only these
 * top-level columns (one the file lacks is absent from the rows).
 */
export async function* readParquetRows(
  path: string,
  opts: { columns?: string[] } = {},
): AsyncGenerator<Record<string, unknown>> {
  const { file, metadata, close } = await openParquet(path);
  try {
    yield* parquetRows(path, file, metadata, opts.columns);
  } finally {
    close();
  }
}

async function* parquetRows(
  path: string,
  file: AsyncBuffer,
  metadata: FileMetaData,
  wanted: string[] | undefined,
): AsyncGenerator<Record<string, unknown>> {
  // imported here: a build whose sources are JSON lines does not load the decompressors' WebAssembly
  let { compressors, light } = await parquetCompressors(metadata);
  // A requested column the file does not have reads as undefined (hyparquet would refuse the whole read).
  const have = new Set(parquetSchema(metadata).children.map((c) => c.element.name));
  const columns = wanted?.filter((c) => have.has(c));
  let start = 0;
  for (const rg of metadata.row_groups) {
    const n = Number(rg.num_rows);
    if (n === 0) continue;
    let rows: Record<string, unknown>[] | null = null;
    const read = () =>
      parquetReadObjects({ file, metadata, columns, rowStart: start, rowEnd: start + n, compressors, utf8: false });
    while (!rows) {
      try {
        rows = await read();
      } catch (e) {
        if (light) {
          // (read again with the full set: its rows, or its error)
          compressors = await allCompressors();
          light = false;
          continue;
        }
        throw new GadError(`cannot decode rows ${start}..${start + n - 1} of ${path}: ${describeError(e)}`, {
          cause: e,
        });
      }
    }
    start += n;
    // Hand rows out one by one and drop references as we go, so a consumer that awaits per row does
    // not keep the whole row group alive longer than needed.
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      (rows as unknown[])[i] = undefined;
      yield row;
    }
  }
}
