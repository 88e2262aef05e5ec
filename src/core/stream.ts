/**
 * Ordered, bounded-concurrency mapping over an async stream: at most `concurrency` calls of `fn` run at once,
 * at most `concurrency` results wait to be consumed, and results come out in input order (so shards are
 * byte-identical whatever the timing). The source is pulled only as results are consumed (backpressure), so
 * memory is bounded by the window, not by the dataset.
 */
export async function* mapOrdered<T, R>(
  source: AsyncIterable<T> | Iterable<T>,
  concurrency: number,
  fn: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const window: Array<Promise<R>> = [];
  const it: AsyncIterator<T> | Iterator<T> =
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  let done = false;
  try {
    for (;;) {
      while (!done && window.length < Math.max(1, concurrency)) {
        const next = await it.next();
        if (next.done) {
          done = true;
          break;
        }
        const p = fn(next.value);
        p.catch(() => undefined); // surfaced when awaited in order below
        window.push(p);
      }
      const head = window.shift();
      if (head === undefined) return;
      yield await head;
    }
  } finally {
    if (!done && typeof it.return === 'function') await it.return();
    await Promise.allSettled(window);
  }
}
