/**
 * The parts of a written row group's footer entry that repeat from one row group to the next, shared: a column
 * chunk's `path_in_schema`, `encodings` and `encoding_stats` lists and its small counts (`num_values`,
 * `null_count`) are equal in every row group of a shard, but hyparquet-writer makes new ones for each and keeps
 * them all until the footer is written (about 16 KB of JS objects a row group of the verl schema, 12 MB for a
 * 100k-row shard). Equal parts are replaced by one shared instance; the footer serializes them the same way.
 */
import type { ColumnChunk } from 'hyparquet';

export class FooterParts {
  private readonly lists = new Map<string, unknown>();
  private readonly ints = new Map<bigint, bigint>();

  /** The shared list equal to `list` (its JSON as the key: lists of strings and of flat records). */
  private list<T>(list: T): T {
    const key = JSON.stringify(list, (_k, v: unknown) => (typeof v === 'bigint' ? { bigint: String(v) } : v));
    const have = this.lists.get(key);
    if (have !== undefined) return have as T;
    this.lists.set(key, list);
    return list;
  }

  /** The shared bigint equal to `n` (only small counts: at most 1,024 distinct values are kept). */
  private int(n: bigint): bigint {
    const have = this.ints.get(n);
    if (have !== undefined) return have;
    if (this.ints.size < 1024) this.ints.set(n, n);
    return n;
  }

  /** Share the repeating parts of one column chunk's entry, in place. */
  share(chunk: ColumnChunk): void {
    const m = chunk.meta_data;
    if (!m) return;
    m.path_in_schema = this.list(m.path_in_schema);
    m.encodings = this.list(m.encodings);
    if (m.encoding_stats) m.encoding_stats = this.list(m.encoding_stats);
    m.num_values = this.int(m.num_values);
    if (m.statistics?.null_count !== undefined) m.statistics.null_count = this.int(m.statistics.null_count);
  }
}
