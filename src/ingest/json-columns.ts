/**
 * The column mapping of a JSON / JSON-lines source, resolved from the union of the keys of all its rows, as
 * `datasets.load_dataset("json")` reads the file (a key missing from a row is null there). Resolving it from the
 * first row alone would miss a column that row lacks: a text-only first line without `images` would make every
 * later row's images ignored.
 */
import { resolveColumns, warnJsonPromptFallback, type ColumnMap, type ResolvedColumns } from './column-map.js';
import { getPath } from './columns.js';
import { readJsonRows, readJsonlRows } from './jsonl.js';
import type { PlannedSource } from './source-plan.js';

/** Every key of a JSON file's rows (in first-seen order), and a row that holds `idKey` when one does. */
async function keysOfJson(path: string, kind: 'jsonl' | 'json', idKey: string | undefined) {
  const keys = new Set<string>();
  let first: Record<string, unknown> | null = null;
  let withId: Record<string, unknown> | null = null;
  for await (const r of kind === 'jsonl' ? readJsonlRows(path) : readJsonRows(path)) {
    if (!r.ok) continue;
    first ??= r.row;
    if (idKey && !withId && getPath(r.row, idKey) !== undefined) withId = r.row;
    for (const k of Object.keys(r.row)) keys.add(k);
  }
  return { have: [...keys], row: withId ?? first ?? {} };
}

/** Resolve, into `colsByFile`, the mapping of every JSON file not resolved yet (one pass over its rows each). */
export async function resolveJsonColumns(p: {
  plans: Iterable<PlannedSource[]>;
  columns: ColumnMap;
  colsByFile: Map<string, ResolvedColumns>;
  requireImage?: boolean;
  warnOnce: (key: string, m: string) => void;
}): Promise<void> {
  for (const list of p.plans) {
    for (const src of list) {
      for (const f of src.files) {
        if (f.kind === 'parquet' || p.colsByFile.has(f.path)) continue;
        const { have, row } = await keysOfJson(f.path, f.kind, p.columns.id);
        if (!have.length) continue; // no readable row: nothing to resolve (its bad lines are dropped as bad_row)
        const cols = resolveColumns({
          have,
          types: null,
          columns: p.columns,
          where: f.path,
          warn: (m) => p.warnOnce(`cols:${f.path}`, m),
          requireImage: p.requireImage,
          firstRow: row,
        });
        p.colsByFile.set(f.path, cols);
        warnJsonPromptFallback({ cols, columns: p.columns, source: src.spec.spec, warnOnce: p.warnOnce });
      }
    }
  }
}
