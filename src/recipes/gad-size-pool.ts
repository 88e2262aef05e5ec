/**
 * The images an export writes at the GAD stage's size (gad-size.ts), computed off the main thread. Decoding, Pillow's
 * bicubic and the PNG encode of a few hundred images is about a second of CPU, which on the main thread came on top
 * of its own work (reading the shards, counting, writing); worker threads — one per core beyond the first, as the
 * build's image loader (`GAD_DATA_IMAGE_WORKERS`; none on a one-core machine) — run the same function on the same
 * bytes, so the PNG written is the same byte for byte. A worker starts at the first image that needs it (an export
 * that computes none, or takes every one from a peer's record, starts none), is let go when idle (it does not keep
 * the process alive) and stopped after a second without work. A worker that cannot start or fails hands its images
 * back to the main thread, which computes them itself from then on; an image the worker could not resize is
 * resized again on the main thread, so a broken image stops the export with the same error either way.
 */
import type { Worker } from 'node:worker_threads';
import { WorkerPool } from '../core/worker-pool.js';
import { defaultImageWorkers } from '../images/image-load-pool.js';
import type { GadSizeReply } from './gad-size-worker.js';

interface Req {
  bytes: Uint8Array;
  size: [number, number];
}

async function inline(req: Req): Promise<Uint8Array> {
  return (await import('./gad-size.js')).imageAtSize(req.bytes, req.size);
}

/** A worker running gad-size-worker (under tsx, from the TypeScript sources, a bootstrap registers tsx first). */
function newWorker(W: typeof Worker): Worker {
  if (!import.meta.url.endsWith('.ts')) return new W(new URL('./gad-size-worker.js', import.meta.url));
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL('./gad-size-worker.ts', import.meta.url).href);
  return new W(`import(${api}).then((m) => { m.register(); return import(${entry}); })`, { eval: true });
}

function newPool(size: number): WorkerPool<Req, GadSizeReply, Uint8Array> {
  return new WorkerPool({
    size,
    idleMs: 1000,
    batch: 1,
    make: newWorker,
    inline,
    accept: (reply) => ('error' in reply ? null : reply.bytes),
    message: (req) => {
      // (a copy, moved to the worker: the stored bytes are a view into the shard's decoded page, which stays here)
      const own = req.bytes.slice();
      return { body: { bytes: own, size: req.size }, transfer: [own.buffer] };
    },
  });
}

let pool: WorkerPool<Req, GadSizeReply, Uint8Array> | undefined;

/**
 * `imageAtSize(bytes, size)` (gad-size.ts), in a worker thread when there is a core to spare. `workers` sets the
 * number of workers when the pool is first made (tests; default GAD_DATA_IMAGE_WORKERS, else the cores less one).
 */
export function gadSizeImage(bytes: Uint8Array, size: [number, number], workers?: number): Promise<Uint8Array> {
  pool ??= newPool(workers ?? defaultImageWorkers());
  return pool.run({ bytes, size });
}

/** Start the workers now, ahead of the first image (see WorkerPool.warm). */
export function warmGadSizeWorkers(workers?: number): void {
  pool ??= newPool(workers ?? defaultImageWorkers());
  pool.warm();
}

/** Images resized by a worker in this process so far (tests). */
export function gadSizeViaWorkers(): number {
  return pool?.viaWorkers ?? 0;
}
