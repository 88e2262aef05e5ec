/**
 * Test helper: write small parquet files in the shapes real tools write (verl rows with
 * list<struct<bytes, path>> images, EasyR1 rows with a problem column), with apache-arrow + parquet-wasm.
 */
import { writeFile } from 'node:fs/promises';
import * as A from 'apache-arrow';
import * as pw from 'parquet-wasm';

export interface GenRow {
  problem?: string;
  prompt?: Array<{ role: string; content: string }>;
  answer?: string | null;
  images?: Array<{ bytes: Uint8Array | null; path: string | null }>;
  id?: string;
  data_source?: string;
  ability?: string;
}

const imageType = () =>
  new A.List(
    new A.Field(
      'element',
      new A.Struct([new A.Field('bytes', new A.Binary(), true), new A.Field('path', new A.Utf8(), true)]),
      true,
    ),
  );
const promptType = () =>
  new A.List(
    new A.Field(
      'element',
      new A.Struct([new A.Field('content', new A.Utf8(), true), new A.Field('role', new A.Utf8(), true)]),
      true,
    ),
  );

function column(type: A.DataType, values: unknown[]): A.Data {
  const b = A.makeBuilder({ type, nullValues: [null, undefined] });
  for (const v of values) b.append(v as never);
  return b.finish().flush();
}

/** Write rows to `path`: the columns present in the first row, `rowGroupRows` rows per row group. */
export async function writeRowsParquet(
  path: string,
  rows: GenRow[],
  opts: { rowGroupRows?: number } = {},
): Promise<void> {
  const first = rows[0] ?? {};
  const fields: A.Field[] = [];
  const children: A.Data[] = [];
  const add = (name: keyof GenRow, type: A.DataType) => {
    if (!(name in first)) return;
    fields.push(new A.Field(name, type, true));
    children.push(
      column(
        type,
        rows.map((r) => r[name] ?? null),
      ),
    );
  };
  add('id', new A.Utf8());
  add('data_source', new A.Utf8());
  add('problem', new A.Utf8());
  add('prompt', promptType());
  add('answer', new A.Utf8());
  add('images', imageType());
  add('ability', new A.Utf8());
  const schema = new A.Schema(fields);
  const batch = new A.RecordBatch(
    schema,
    A.makeData({ type: new A.Struct(fields), length: rows.length, nullCount: 0, children }),
  );
  const table = pw.Table.fromIPCStream(A.tableToIPC(new A.Table([batch]), 'stream'));
  const props = new pw.WriterPropertiesBuilder().setMaxRowGroupSize(opts.rowGroupRows ?? 64).build();
  await writeFile(path, pw.writeParquet(table, props));
}
