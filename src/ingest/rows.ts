/** The rows of one split: every file of every source, in order, each row read into a `Sample` (`index` 0..). */
import type { Sample } from '../core/types.js';
import { GadError } from '../core/errors.js';
import { resolveColumns, warnJsonPromptFallback, type ColumnMap, type ResolvedColumns } from './column-map.js';
import { readJsonRows, readJsonlRows } from './jsonl.js';
import { floatNumber } from './json-numbers.js';
import { readParquetRows } from './parquet.js';
import { defaultDataSource, type PlannedSource } from './source-plan.js';
import { toSample, type RowContext } from './sample.js';
import type { TeacherTable } from './teacher.js';
import { createRealPath } from './real-path.js';

/** What every row of a build is read with (set up once by `openIngest`). */
export interface RowSettings {
  plans: Map<string, PlannedSource[]>;
  columns: ColumnMap;
  /** Resolved column mappings by file path (a JSON file without one is resolved from its first row). */
  colsByFile: Map<string, ResolvedColumns>;
  imageDir: string | null;
  allowOutsidePaths: boolean;
  placement: RowContext['placement'];
  aliases: string[];
  teacher: TeacherTable | null;
  requireImage?: boolean;
  /** Each file's pass-through column names; null when pass-through is off. */
  passNames: Map<string, string[]> | null;
  warnOnce: (key: string, m: string) => void;
  /** id_key value → the first row that carried it (split, index), across every split of the build. */
  ids: RowContext['ids'];
  idsAgain: RowContext['idsAgain'];
  format: RowContext['format'];
  counts: RowContext['counts'];
}

/** Rows of one split in a deterministic order; an unconfigured split is an error (on the first read). */
export async function* splitRows(split: string, s: RowSettings): AsyncGenerator<Sample> {
  const list = s.plans.get(split);
  if (!list)
    throw new GadError(`split '${split}' is not configured; configured splits: ${[...s.plans.keys()].join(', ')}`);
  let index = 0;
  const realPath = createRealPath();
  for (const src of list) {
    const dataSourceDefault = defaultDataSource(src);
    for (const file of src.files) {
      const base = {
        split,
        source: src,
        file,
        dataSourceDefault,
        imageDir: s.imageDir,
        allowOutsidePaths: s.allowOutsidePaths,
        placement: s.placement,
        aliases: s.aliases,
        teacher: s.teacher,
        warnOnce: s.warnOnce,
        ids: s.ids,
        idsAgain: s.idsAgain,
        format: s.format,
        counts: s.counts,
        passthrough: s.passNames ? (s.passNames.get(file.path) ?? []) : null,
        realPath,
      };
      if (file.kind === 'parquet') {
        const cols = s.colsByFile.get(file.path)!;
        // A float column reads as a JS number; Python (pyarrow) gives a float, whose str() is "1.0", not "1".
        const floatCols = (file.schema ?? [])
          .filter((c) => c.kind === 'primitive' && /^(float|double|float16)$/.test(c.type))
          .map((c) => c.name);
        // One context for every row of the file (toSample only reads it).
        const ctx: RowContext = { ...base, cols };
        for await (const row of readParquetRows(file.path)) {
          for (const c of floatCols) {
            const v = row[c];
            if (typeof v === 'number') row[c] = floatNumber(v);
          }
          yield toSample(row, index, ctx);
          index++;
        }
      } else {
        let cols: ResolvedColumns | null = s.colsByFile.get(file.path) ?? null;
        let ctx: RowContext | null = cols ? { ...base, cols } : null;
        const it = file.kind === 'jsonl' ? readJsonlRows(file.path) : readJsonRows(file.path);
        for await (const r of it) {
          if (!r.ok) {
            yield {
              split,
              index,
              id: `${src.spec.spec}#${index}`,
              source: src.spec.spec,
              dataSource: dataSourceDefault,
              problem: '',
              answer: null,
              images: [],
              extra: {},
              ...(s.teacher || s.columns.teacher ? { teacherResponse: null } : {}),
              drop: { reason: 'bad_row', detail: `${file.path}: ${r.error}`, value: r.line },
            };
            index++;
            continue;
          }
          if (!cols) {
            const where = `${file.path} (line ${r.line})`;
            cols = resolveColumns({
              have: Object.keys(r.row),
              types: null,
              columns: s.columns,
              where,
              warn: (m) => s.warnOnce(`cols:${file.path}`, m),
              requireImage: s.requireImage,
              firstRow: r.row,
            });
            warnJsonPromptFallback({ cols, columns: s.columns, source: src.spec.spec, warnOnce: s.warnOnce });
          }
          ctx ??= { ...base, cols };
          yield toSample(r.row, index, ctx);
          index++;
        }
      }
    }
  }
}
