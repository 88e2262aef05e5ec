/**
 * A recipe export's rows with their images counted ahead. Counting an image the trainer would see at another grid
 * means decoding, resizing and encoding it, in a worker thread where there is a core to spare (gad-size-pool.ts):
 * with rows in flight, the worker resizes while this thread handles the others, instead of waiting. Such images are few and
 * far between (about one Geometry3K row in ten), so the lookahead spans many rows (up to AHEAD), bounded by the
 * stored image bytes it holds (AHEAD_BYTES: a set of large images reads only a few rows ahead, as decoding them
 * takes memory). Everything the export writes is still done row by row in order (the caller's loop); only the
 * counting starts early. An error of an early count (a broken image) is raised when its row asks for it, as without
 * lookahead, and a row the export drops before asking costs only the work already started.
 */

/**
 * Rows counted ahead of the one being written, at most: enough rows (about 25 GAD-size images on Geometry3K) to keep
 * the resizing worker busy while this thread reads, counts and writes.
 */
const AHEAD = 256;
/** Stored image bytes of the rows read ahead, at most (one row is always read, whatever its size). */
const AHEAD_BYTES = 16 * 1024 * 1024;

/** The stored image bytes a row holds (`images[].bytes`, as build rows have; 0 for a row without). */
export function storedImageBytes(row: object): number {
  const images = (row as { images?: unknown }).images;
  if (!Array.isArray(images)) return 0;
  let n = 0;
  for (const image of images as Array<{ bytes?: unknown }>)
    if (image?.bytes instanceof Uint8Array) n += image.bytes.byteLength;
  return n;
}

export class RowsAhead<Row extends object, Counted> {
  private readonly started = new Map<Row, Promise<Counted>>();

  /**
   * `count`: a row's images counted (row-images.ts countRowImages); `weigh`: the memory a row read ahead holds
   * (its stored image bytes by default).
   */
  constructor(
    private readonly count: (row: Row) => Promise<Counted>,
    private readonly weigh: (row: Row) => number = storedImageBytes,
  ) {}

  /**
   * `source`'s rows, in order, reading up to AHEAD rows (AHEAD_BYTES of images) ahead and starting the count of
   * each one that `wanted` accepts (all by default). An error reading the source is raised at the row it happened,
   * after the rows before.
   */
  async *rows(source: AsyncIterable<Row>, wanted: (row: Row) => boolean = () => true): AsyncGenerator<Row> {
    const it = source[Symbol.asyncIterator]();
    const queue: Row[] = [];
    const weights = new Map<Row, number>();
    let held = 0;
    let done = false;
    let failed: { error: unknown } | null = null;
    try {
      for (;;) {
        while (!done && queue.length <= AHEAD && (queue.length === 0 || held < AHEAD_BYTES)) {
          let next: IteratorResult<Row>;
          try {
            next = await it.next();
          } catch (e) {
            failed = { error: e };
            done = true;
            break;
          }
          if (next.done) {
            done = true;
            break;
          }
          queue.push(next.value);
          const weight = this.weigh(next.value);
          weights.set(next.value, weight);
          held += weight;
          let want: boolean;
          try {
            want = wanted(next.value);
          } catch {
            want = false; // (the export's own checks raise it at that row; its images are counted when it asks)
          }
          if (want) this.start(next.value);
        }
        const row = queue.shift();
        if (!row) {
          if (failed) throw failed.error;
          return;
        }
        held -= weights.get(row) ?? 0;
        weights.delete(row);
        yield row;
        this.started.delete(row);
      }
    } finally {
      this.started.clear();
      if (!done) await it.return?.();
    }
  }

  /** The row's counted images (started ahead, else now). */
  counted(row: Row): Promise<Counted> {
    const p = this.started.get(row);
    this.started.delete(row);
    return p ?? this.count(row);
  }

  private start(row: Row): void {
    const p = this.count(row);
    p.catch(() => undefined); // raised when the row asks (counted), not as an unhandled rejection
    this.started.set(row, p);
  }
}
