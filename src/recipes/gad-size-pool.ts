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
import { startWorkerSlots, stopWorkerSlots } from '../core/worker-slots.js';
import { defaultImageWorkers } from '../images/image-load-pool.js';
import type { GadSizeReply, GadSizeRequest } from './gad-size-worker.js';

interface Job {
  bytes: Uint8Array;
  size: [number, number];
  resolve: (b: Uint8Array) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  jobs: Map<number, Job>;
}

const IDLE_MS = 1000;

async function inline(bytes: Uint8Array, size: [number, number]): Promise<Uint8Array> {
  return (await import('./gad-size.js')).imageAtSize(bytes, size);
}

/** A worker running gad-size-worker (under tsx, from the TypeScript sources, a bootstrap registers tsx first). */
function newWorker(W: typeof Worker): Worker {
  if (!import.meta.url.endsWith('.ts')) return new W(new URL('./gad-size-worker.js', import.meta.url));
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL('./gad-size-worker.ts', import.meta.url).href);
  return new W(`import(${api}).then((m) => { m.register(); return import(${entry}); })`, { eval: true });
}

class GadSizePool {
  /** Images resized by a worker so far. */
  viaWorkers = 0;
  private slots: Slot[] | null = null;
  private starting: Promise<Slot[] | null> | null = null;
  private broken: boolean;
  private nextId = 0;
  private idle: NodeJS.Timeout | undefined;

  constructor(private readonly size: number) {
    this.broken = size === 0;
  }

  async resize(bytes: Uint8Array, size: [number, number]): Promise<Uint8Array> {
    if (this.broken) return inline(bytes, size);
    clearTimeout(this.idle);
    const ready = this.slots ?? (await (this.starting ??= this.start()));
    if (!ready || this.slots !== ready) return inline(bytes, size);
    const slot = ready.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
    return new Promise<Uint8Array>((resolve, reject) => {
      const id = this.nextId++;
      if (slot.jobs.size === 0) slot.worker.ref();
      slot.jobs.set(id, { bytes, size, resolve, reject });
      // (a copy, moved to the worker: the stored bytes are a view into the shard's decoded page, which stays here)
      const own = bytes.slice();
      slot.worker.postMessage({ id, bytes: own, size } satisfies GadSizeRequest, [own.buffer]);
    });
  }

  private async start(): Promise<Slot[] | null> {
    const made = await startWorkerSlots<Slot, GadSizeReply>({
      size: this.size,
      make: (W) => ({ worker: newWorker(W), jobs: new Map() }),
      onMessage: (slot, reply) => this.answered(slot, reply),
      onFail: () => void this.stop(true),
      inUse: (slot) => this.slots?.includes(slot) ?? false,
    });
    if (made) this.slots = made;
    else this.broken = true;
    return made;
  }

  private answered(slot: Slot, reply: GadSizeReply): void {
    const job = slot.jobs.get(reply.id);
    if (job) {
      slot.jobs.delete(reply.id);
      if ('error' in reply) inline(job.bytes, job.size).then(job.resolve, job.reject);
      else {
        this.viaWorkers++;
        job.resolve(reply.bytes);
      }
    }
    if (slot.jobs.size === 0) slot.worker.unref();
    if ((this.slots ?? []).some((s) => s.jobs.size > 0)) return;
    clearTimeout(this.idle);
    this.idle = setTimeout(() => void this.stop(false), IDLE_MS);
    this.idle.unref();
  }

  /** Stop the workers; their pending images are computed inline. `failed`: never start them again. */
  private async stop(failed: boolean): Promise<void> {
    const old = this.slots ?? [];
    this.slots = null;
    this.starting = null;
    if (failed) this.broken = true;
    clearTimeout(this.idle);
    await stopWorkerSlots(old, (s) => {
      for (const job of s.jobs.values()) inline(job.bytes, job.size).then(job.resolve, job.reject);
      s.jobs.clear();
    });
  }
}

let pool: GadSizePool | undefined;

/**
 * `imageAtSize(bytes, size)` (gad-size.ts), in a worker thread when there is a core to spare. `workers` sets the
 * number of workers when the pool is first made (tests; default GAD_DATA_IMAGE_WORKERS, else the cores less one).
 */
export function gadSizeImage(bytes: Uint8Array, size: [number, number], workers?: number): Promise<Uint8Array> {
  pool ??= new GadSizePool(workers ?? defaultImageWorkers());
  return pool.resize(bytes, size);
}

/** Images resized by a worker in this process so far (tests). */
export function gadSizeViaWorkers(): number {
  return pool?.viaWorkers ?? 0;
}
