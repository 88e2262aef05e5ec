/**
 * Start the worker threads of a pool (the image-load pool, the GAD-size pool): `size` slots made by `make`, each
 * wired to `onMessage`; an `error`, or an `exit` of a slot the pool still uses (`inUse`), calls `onFail`. The
 * workers start unref'd (a pool with nothing to do keeps no process alive). Null when one cannot start: those made
 * are terminated and the pool does its work on the main thread.
 */
import type { Worker } from 'node:worker_threads';

export async function startWorkerSlots<S extends { worker: Worker }, M>(p: {
  size: number;
  make: (W: typeof Worker) => S;
  onMessage: (slot: S, message: M) => void;
  onFail: () => void;
  inUse: (slot: S) => boolean;
}): Promise<S[] | null> {
  const made: S[] = [];
  try {
    const { Worker } = await import('node:worker_threads');
    for (let i = 0; i < p.size; i++) {
      const slot = p.make(Worker);
      made.push(slot);
      slot.worker.on('message', (message: M) => p.onMessage(slot, message));
      slot.worker.on('error', () => p.onFail());
      slot.worker.on('exit', () => {
        if (p.inUse(slot)) p.onFail();
      });
      slot.worker.unref();
    }
    return made;
  } catch {
    for (const s of made) void s.worker.terminate().catch(() => 0);
    return null;
  }
}

/**
 * Stop a pool's workers: each slot's listeners removed (a late error is ignored), `handBack(slot)` called to do
 * its pending jobs elsewhere, then every worker terminated.
 */
export async function stopWorkerSlots<S extends { worker: Worker }>(
  slots: S[],
  handBack: (slot: S) => void,
): Promise<void> {
  for (const s of slots) {
    s.worker.removeAllListeners();
    s.worker.on('error', () => {});
    handBack(s);
  }
  await Promise.all(slots.map((s) => s.worker.terminate().catch(() => 0)));
}
