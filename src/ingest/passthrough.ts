/**
 * Pass-through (`passthrough`): every input column a build does not consume, with its type (parquet: the
 * footer's; JSON: inferred over all rows, in a first pass), unioned over the files in input order.
 */
import type { ColumnType, PassthroughColumn } from '../core/types.js';
import { GadError } from '../core/errors.js';
import {
  consumedColumns,
  resolveColumns,
  warnJsonPromptFallback,
  type ColumnMap,
  type ResolvedColumns,
} from './column-map.js';
import { JsonTypeInference } from './columns.js';
import { readJsonRows, readJsonlRows } from './jsonl.js';
import type { PlannedSource } from './source-plan.js';

/**
 * The pass-through columns, and for each file the names of its own. A JSON file's column mapping is resolved
 * here (from all its keys) and added to `colsByFile`.
 */
export async function passthroughColumns(p: {
  plans: Iterable<PlannedSource[]>;
  columns: ColumnMap;
  /** Further columns the input format reads (formats/*.ts `consumed`): not passed through. */
  formatConsumed?: readonly string[];
  /** Resolved mappings by file path: the parquet ones in, the JSON ones added. */
  colsByFile: Map<string, ResolvedColumns>;
  requireImage?: boolean;
  warnOnce: (key: string, m: string) => void;
}): Promise<{ passthrough: PassthroughColumn[]; passNames: Map<string, string[]> }> {
  const { columns, colsByFile, warnOnce } = p;
  const passthrough: PassthroughColumn[] = [];
  const passNames = new Map<string, string[]>();
  const byName = new Map<string, PassthroughColumn>();
  const files = [...p.plans]
    .flatMap((l) => l.map((src) => ({ src, files: src.files })))
    .flatMap(({ src, files }) => files.map((f) => ({ src, f })));
  const seenIn = new Map<string, number>();
  for (const { src, f } of files) {
    let types: ColumnType[];
    let cols: ResolvedColumns;
    if (f.schema) {
      types = f.schema;
      cols = colsByFile.get(f.path)!;
    } else {
      const inf = new JsonTypeInference();
      let first: Record<string, unknown> | null = null;
      for await (const r of f.kind === 'jsonl' ? readJsonlRows(f.path) : readJsonRows(f.path)) {
        if (!r.ok) continue;
        first ??= r.row;
        inf.add(r.row);
      }
      const got = inf.columns();
      types = got.columns;
      const have = [...types.map((c) => c.name), ...got.conflicts];
      cols = resolveColumns({
        have,
        types: null,
        columns,
        where: f.path,
        warn: (m) => warnOnce(`cols:${f.path}`, m),
        requireImage: p.requireImage,
        firstRow: first ?? {},
      });
      colsByFile.set(f.path, cols);
      warnJsonPromptFallback({ cols, columns, source: src.spec.spec, warnOnce });
      const consumed = new Set([...consumedColumns(cols), ...(p.formatConsumed ?? [])]);
      for (const k of got.conflicts) {
        if (!consumed.has(k))
          warnOnce(
            `conflict:${k}`,
            `${src.spec.spec}: key '${k}' holds values of different types in different rows (e.g. text and numbers); it is NOT passed through (make its values one type)`,
          );
      }
    }
    const consumed = new Set([...consumedColumns(cols), ...(p.formatConsumed ?? [])]);
    const names: string[] = [];
    for (const c of types) {
      if (consumed.has(c.name)) continue;
      names.push(c.name);
      seenIn.set(c.name, (seenIn.get(c.name) ?? 0) + 1);
      const prev = byName.get(c.name);
      if (!prev) {
        const feature = f.features?.[c.name] ?? null;
        const entry = { name: c.name, column: c, feature };
        byName.set(c.name, entry);
        passthrough.push(entry);
      } else if (prev.column.type !== c.type) {
        throw new GadError(
          `column '${c.name}' has type ${prev.column.type} in one input file and ${c.type} in ${f.path}; it cannot be passed through as one column`,
          {
            hint: 'make the files agree on its type, or build with --no-passthrough (passthrough: false) to leave the other columns out',
          },
        );
      }
    }
    passNames.set(f.path, names);
  }
  // A column missing from some files is null in their rows.
  for (const p of passthrough) if ((seenIn.get(p.name) ?? 0) < files.length) p.column = { ...p.column, nullable: true };
  return { passthrough, passNames };
}
