/**
 * A recipe export's rows with their images counted a few rows ahead. Counting an image the trainer would see at
 * another grid means decoding and encoding it with sharp (its thread pool) around the resize (this thread): with a
 * few rows in flight, the one's thread-pool work runs while this thread handles the others, instead of waiting.
 * Everything the export writes is still done row by row in order (the caller's loop); only the counting starts
 * early. An error of an early count (a broken image) is raised when its row asks for it, as without lookahead, and
 * a row the export drops before asking costs only the work already started.
 */

/** Rows counted ahead of the one being written. */
const AHEAD = 4;

export class RowsAhead<Row extends object, Counted> {
  private readonly started = new Map<Row, Promise<Counted>>();

  /** `count`: a row's images counted (row-images.ts countRowImages). */
  constructor(private readonly count: (row: Row) => Promise<Counted>) {}

  /**
   * `source`'s rows, in order, reading up to AHEAD rows ahead and starting the count of each one that `wanted`
   * accepts (all by default). An error reading the source is raised at the row it happened, after the rows before.
   */
  async *rows(source: AsyncIterable<Row>, wanted: (row: Row) => boolean = () => true): AsyncGenerator<Row> {
    const it = source[Symbol.asyncIterator]();
    const queue: Row[] = [];
    let done = false;
    let failed: { error: unknown } | null = null;
    try {
      for (;;) {
        while (!done && queue.length <= AHEAD) {
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
