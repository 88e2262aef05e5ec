/**
 * The min / max statistics of a written row group, cut to what the footer will hold, as soon as the row group is
 * written. hyparquet-writer keeps each column chunk's statistics until the file's footer is written (`finish`),
 * with the smallest and largest *values* as they were given: for the image column, two whole images per row group,
 * kept for the whole shard: 2/128 of the shard's bytes (2/32 once a row group is cut at 32 MiB, images over
 * 256 KB), so ~8 MB (~31 MB) for the default 500 MB shards and four times that with `--shard-size 2GB` (measured:
 * a 100k-row shard of ~5 KB images held 781 row groups' 1,562 images). The footer writes a byte-array bound cut to `statisticsTruncateLength`
 * bytes (16) with "not exact" set, so the cut bound and that flag are computed here, with hyparquet-writer's own
 * `unconvertMinMax`, and stored in place of the value: the footer then writes the same bytes (a bound of at most
 * 16 bytes is written as it is, and an explicit `is_*_value_exact` is written as given).
 */
import type { ColumnChunk, SchemaElement } from 'hyparquet';
import type { ParquetWriter } from 'hyparquet-writer';
import { unconvertMinMax } from 'hyparquet-writer/src/unconvert.js';

/** The leaf elements of a flat parquet schema, by their path below the root (`path_in_schema` joined by NUL). */
export function leafElements(schema: readonly SchemaElement[]): Map<string, SchemaElement> {
  const out = new Map<string, SchemaElement>();
  let next = 1;
  const walk = (prefix: string[]): void => {
    const el = schema[next++];
    if (!el) throw new Error('parquet schema: fewer elements than its num_children say');
    const path = [...prefix, el.name];
    if (el.num_children) for (let k = 0; k < el.num_children; k++) walk(path);
    else out.set(path.join('\u0000'), el);
  };
  for (let k = 0; k < (schema[0]?.num_children ?? 0); k++) walk([]);
  return out;
}

const utf8 = new TextEncoder();

/** One bound of a byte-array column, cut as the footer would cut it; unchanged when the footer keeps it whole. */
function cutBound(
  value: unknown,
  element: SchemaElement,
  isMax: boolean,
  truncateLength: number | undefined,
): Uint8Array | null {
  if (element.type !== 'BYTE_ARRAY') return null;
  // the bytes unconvertMinMax reads from this value (a string: its UTF-8)
  const bytes = value instanceof Uint8Array ? value : typeof value === 'string' ? utf8.encode(value) : null;
  if (!bytes) return null;
  const cut = unconvertMinMax(bytes, element, isMax, truncateLength);
  // the same array back: not cut (short enough, a JSON bound, or no shorter upper bound), the footer keeps it whole
  return cut === undefined || cut === bytes ? null : cut;
}

/** Cut the statistics of one column chunk in place (see the file's comment). */
export function compactChunkStatistics(
  chunk: ColumnChunk,
  element: SchemaElement,
  truncateLength: number | undefined,
): void {
  const stats = chunk.meta_data?.statistics;
  if (!stats) return;
  if (stats.is_max_value_exact === undefined) {
    const max = cutBound(stats.max_value, element, true, truncateLength);
    if (max) {
      stats.max_value = max;
      stats.is_max_value_exact = false;
    }
  }
  if (stats.is_min_value_exact === undefined) {
    const min = cutBound(stats.min_value, element, false, truncateLength);
    if (min) {
      stats.min_value = min;
      stats.is_min_value_exact = false;
    }
  }
}

/** Cut the statistics of the writer's row groups from `from` on; returns how many row groups it has. */
export function compactRowGroupStatistics(
  writer: ParquetWriter,
  leaves: ReadonlyMap<string, SchemaElement>,
  from: number,
): number {
  const groups = writer.row_groups;
  for (let g = from; g < groups.length; g++) {
    for (const chunk of groups[g]?.columns ?? []) {
      const path = chunk.meta_data?.path_in_schema;
      const element = path && leaves.get(path.join('\u0000'));
      if (element) compactChunkStatistics(chunk, element, writer.statisticsTruncateLength);
    }
  }
  return groups.length;
}

/**
 * What the writer holds for its footer (for tests of its memory): the bytes of its min / max values, and how many
 * distinct list objects its column chunks' `path_in_schema`, `encodings` and `encoding_stats` are.
 */
export function heldFooter(writer: ParquetWriter): { statisticsBytes: number; lists: number } {
  let statisticsBytes = 0;
  const lists = new Set<unknown>();
  const size = (v: unknown) => (v instanceof Uint8Array ? v.byteLength : typeof v === 'string' ? v.length : 0);
  for (const g of writer.row_groups)
    for (const { meta_data: m } of g.columns) {
      if (!m) continue;
      statisticsBytes += size(m.statistics?.min_value) + size(m.statistics?.max_value);
      for (const l of [m.path_in_schema, m.encodings, m.encoding_stats]) if (l) lists.add(l);
    }
  return { statisticsBytes, lists: lists.size };
}
