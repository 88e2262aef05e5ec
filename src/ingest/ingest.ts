/**
 * openIngest: every source of every split turned into one deterministic stream of `Sample`s per split,
 * read a row group (or a line) at a time.
 */
import { resolve } from 'node:path';
import type { Manifest, PassthroughColumn, Sample } from '../core/types.js';
import { GadError } from '../core/errors.js';
import { warnOnceBy } from '../core/warn-once.js';
import { DEFAULT_COLUMNS, resolveSchemaColumns, type ColumnMap } from './column-map.js';
import type { DownloadProgress } from './hub/download.js';
import { resolveHubOptions, type HubOptions } from './hub/hub-options.js';
import { resolveJsonColumns } from './json-columns.js';
import { passthroughColumns } from './passthrough.js';
import { planSplits } from './source-plan.js';
import { splitRows, type RowSettings } from './rows.js';
import { parseSourceSpec } from './source-spec.js';
import { loadTeacher, type TeacherTable } from './teacher.js';
import { chooseInputFormat } from './formats/input-format-table.js';
import { expandDatasetInfo } from './formats/dataset-info.js';
import { firstColumns } from './first-columns.js';
import { studentCounts } from './student-response.js';
import { RowIdTable } from '../core/row-id-table.js';

export interface IngestOptions {
  splits: Array<{ split: string; specs: string[] }>;
  columns: ColumnMap;
  imageDir?: string;
  /** Where `<image>` goes when the text has none but the row has images (default `prepend`, as hiyouga/geometry3k). */
  imagePlacement?: 'prepend' | 'append' | 'none';
  /** Other image placeholders rewritten to `<image>` (default: data-juicer's `<__dj__image>`). */
  imageTokenAliases?: string[];
  cwd?: string;
  /** Read image paths that lead outside image_dir / the data file's folder / the Hub cache (default false: `image_outside_root` drop). */
  allowOutsidePaths?: boolean;
  teacher?: { file: string; idKey?: string; splitKey?: string | null; responseKey?: string };
  hub?: HubOptions;
  onProgress?: DownloadProgress;
  onWarning?: (message: string) => void;
  /** Keep every input column the build does not consume (and its type) on each Sample (`passthrough`). */
  passthrough?: boolean;
  /** A source without an image column is an error (else its rows are text-only). */
  requireImage?: boolean;
  /** The input format (formats/index.ts), or `auto` (default): detected from the first input file's columns. */
  inputFormat?: string;
  /** Told the input format line (`input format: NAME (why)`) as soon as it is chosen, before any warning on the columns. */
  onInputFormat?: (line: string) => void;
}

export interface OpenedIngest {
  /** The input columns kept unchanged on each Sample (`passthrough` option), in input order, with their types. */
  passthrough: PassthroughColumn[];
  sources: Manifest['sources'];
  /** Rows per split from parquet footers and jsonl line counts (for progress); null when a split has a .json source. */
  rowCount: Record<string, number | null>;
  /** Rows of one split in a deterministic order, `index` 0.. within the split. */
  rows(split: string): AsyncGenerator<Sample>;
  /** The teacher file read (absolute path, sha256, size), or null. */
  teacher: { file: string; sha256: string; bytes: number } | null;
  /** The input format read, as printed first: `input format: NAME (why)`. */
  inputFormat: string;
  /** The column the input format reads a row's student answer from (ms-swift: rejected_response), or null. */
  studentColumn: string | null;
  /** After the rows are read: rows counted by what the input format did with them (e.g. assistant turns left out). */
  formatCounts(): Record<string, number>;
  /** After the rows are read: the id key, how many ids recur in another split (allowed: ids are unique per split), and the teacher's split key. */
  ids(): IdsInfo | null;
}

/** How the build's ids (id_key) were unique: per split, or across the build. */
export interface IdsInfo {
  key: string;
  /** Ids also carried by a row of an earlier split (each counted once per later split). */
  repeatedAcrossSplits: number;
  /** The teacher file's split column the join keys on, or null (no teacher file joined on ids, or joined on the id alone). */
  teacherSplitKey: string | null;
}

/**
 * Open every source of every split: resolve specs, download Hub files into the cache, read parquet
 * footers, check the column mapping against each file's schema, load the teacher file. Rows are read
 * later, lazily, by `rows(split)`.
 */
export async function openIngest(opts: IngestOptions): Promise<OpenedIngest> {
  const cwd = opts.cwd ?? process.cwd();
  const warn = (m: string) => opts.onWarning?.(m);
  const warnOnce = warnOnceBy(warn);
  const columns: ColumnMap = {
    ...DEFAULT_COLUMNS,
    ...Object.fromEntries(Object.entries(opts.columns ?? {}).filter(([, v]) => v !== undefined && v !== '')),
  } as ColumnMap;
  if (!columns.id && opts.teacher?.idKey) columns.id = opts.teacher.idKey;
  const placement = opts.imagePlacement ?? 'prepend';
  const aliases = opts.imageTokenAliases ?? ['<__dj__image>'];
  if (!opts.splits?.length)
    throw new GadError('no sources configured', { hint: 'give at least one split with sources (data.train_files)' });

  // LLaMA-Factory's dataset_dir#dataset: the entry's data file, read by the entry's reader, images under dataset_dir
  const lf = expandDatasetInfo({ splits: opts.splits, cwd });
  const imageDir = opts.imageDir ? resolve(cwd, opts.imageDir) : (lf.entry?.dir ?? null);
  const specs = lf.splits.map((s) => ({ split: s.split, specs: s.specs.map((x) => parseSourceSpec(x, cwd)) }));
  const needHub = specs.some((s) => s.specs.some((x) => x.kind === 'hub'));
  const hub = needHub ? { ...(await resolveHubOptions(opts.hub)), note: warnOnce } : null;
  const { plans, rowCount, sources } = await planSplits({ specs, cwd, hub, onProgress: opts.onProgress, warn });

  // the input format: named, or detected from the first file's columns; its column defaults under the config's
  const first = await firstColumns(plans.values());
  const chosen = chooseInputFormat({
    requested: opts.inputFormat ?? 'auto',
    have: first.have,
    where: first.where,
    entry: lf.entry,
  });
  opts.onInputFormat?.(chosen.line);
  for (const [k, v] of Object.entries(chosen.format.columns(first.have)) as Array<[keyof ColumnMap, string]>) {
    if (columns[k] === undefined || columns[k] === DEFAULT_COLUMNS[k]) columns[k] = v;
  }

  // column mapping checked against every parquet schema now (clear errors before any row is read)
  const colsByFile = resolveSchemaColumns({
    plans: plans.values(),
    columns,
    requireImage: opts.requireImage,
    warnOnce,
  });
  const { passthrough, passNames } = opts.passthrough
    ? await passthroughColumns({
        plans: plans.values(),
        columns,
        formatConsumed: chosen.format.consumed,
        colsByFile,
        requireImage: opts.requireImage,
        warnOnce,
      })
    : { passthrough: [], passNames: null };
  await resolveJsonColumns({ plans: plans.values(), columns, colsByFile, requireImage: opts.requireImage, warnOnce });

  let teacher: TeacherTable | null = null;
  if (opts.teacher) {
    const idKey = opts.teacher.idKey ?? columns.id ?? null;
    if (!idKey && plans.size > 1) {
      throw new GadError(
        'teacher responses without an id key can only be joined by row index for one split, but several splits are configured',
        {
          hint: 'set id_key (and teacher.id_key if the teacher file names it differently) so responses join by id',
        },
      );
    }
    teacher = await loadTeacher({
      file: opts.teacher.file,
      idKey,
      splitKey: opts.teacher.splitKey === undefined ? 'split' : opts.teacher.splitKey,
      splits: [...plans.keys()],
      responseKey: opts.teacher.responseKey,
      cwd,
    });
    if (teacher.otherSplits.size)
      warn(
        `teacher file ${opts.teacher.file}: ${[...teacher.otherSplits].map(([s, n]) => `${n} response(s) of split '${s}'`).join(', ')} not used: the build's splits are ${[...plans.keys()].join(', ')} (--train: train, --val: test; teacher.split_key names the field)`,
      );
    if (!idKey)
      warn(
        `teacher responses from ${opts.teacher.file} are joined by row index (line n ↔ row n of split '${[...plans.keys()][0]}'): set id_key to join by id`,
      );
  }

  const settings: RowSettings = {
    plans,
    columns,
    colsByFile,
    imageDir,
    allowOutsidePaths: !!opts.allowOutsidePaths,
    placement,
    aliases,
    teacher,
    requireImage: opts.requireImage,
    passNames,
    warnOnce,
    ids: new RowIdTable(),
    idsAgain: new RowIdTable(),
    format: chosen.format,
    counts: new Map<string, number>(),
  };
  return {
    sources,
    rowCount,
    rows: (split: string) => splitRows(split, settings),
    passthrough,
    inputFormat: chosen.line,
    studentColumn: chosen.format.studentColumn ?? null,
    formatCounts: () => studentCounts(settings.counts, chosen.format.studentColumn ?? null),
    teacher: teacher ? { file: teacher.file, sha256: teacher.sha256, bytes: teacher.bytes } : null,
    ids: () =>
      columns.id
        ? {
            key: columns.id,
            repeatedAcrossSplits: settings.idsAgain.size,
            teacherSplitKey: teacher?.idKey ? teacher.splitKey : null,
          }
        : null,
  };
}
