/** Reading what a build wrote, for tests: jsonl files, parquet rows through DuckDB, hashes of a folder tree. */
import { lstatSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { sha256 } from '../../src/core/hash.js';

export function readJsonl(path: string): Record<string, any>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, any>);
}

/** Every row of a parquet file, read by DuckDB (an independent reader). */
export async function duckRows(file: string): Promise<Record<string, any>[]> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    const r = await con.runAndReadAll(`SELECT * FROM read_parquet('${file.replace(/'/g, "''")}')`);
    return r.getRowObjectsJS() as Record<string, any>[];
  } finally {
    con.closeSync();
  }
}

/** sha256 of every file below a folder (relative path → hash). */
export function tree(dir: string, base = dir, out: Record<string, string> = {}): Record<string, string> {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) tree(p, base, out);
    else out[p.slice(base.length + 1)] = sha256(readFileSync(p));
  }
  return out;
}

/** Every regular file below `dir` (symlinks are not followed: a cache's snapshot links point at blobs, also listed). */
export function filesBelow(dir: string, out: string[] = []): string[] {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    const st = lstatSync(p);
    if (st.isDirectory()) filesBelow(p, out);
    else if (st.isFile()) out.push(p);
  }
  return out;
}
