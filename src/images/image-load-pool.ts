/**
 * Path-only images loaded off the main thread. Per image the build reads the file, hashes it (sha256) and, for a PNG
 * written as it is, inflates its whole image data to check it (png-check.ts): work that otherwise runs on the one
 * thread that also tokenizes, filters and writes, leaving the other cores idle. A small pool of worker threads — one
 * per core beyond the first (none on a one-core machine) — does it (image-load-worker.ts) and hands back the bytes
 * (their buffer transferred, not copied), the stat (for --resume), the sha256 and the PNG check's verdict, which
 * the writing step then uses (png-check-memo.ts) instead of inflating again.
 *
 * The first `inlineFirst` images (256) are loaded on the main thread: a small build never pays the workers' start
 * (about 0.1 s of CPU each). The main thread is also the fallback: when a worker cannot start or fails, its images
 * and all later ones are loaded inline. Either way the answer is the same function's on the same file (load-image.ts): the same
 * bytes, the same drops with the same texts. Workers left idle for a second are stopped (a later image starts them
 * again), so a finished build leaves no thread behind. `GAD_DATA_IMAGE_WORKERS` sets the number of workers (0: none).
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorkerSlots, stopWorkerSlots } from '../core/worker-slots.js';
import { type LoadedImage, loadImageWork } from './load-image.js';
import type { LoadReply, LoadRequest } from './image-load-worker.js';
import { rememberPngCheck } from './png-check-memo.js';

export interface ImageLoaderOptions {
  /** Worker threads (default: GAD_DATA_IMAGE_WORKERS, else the cores less one; 0: all inline). */
  workers?: number;
  /** Images loaded inline before the workers start (default 256). */
  inlineFirst?: number;
  /** Idle time after which the workers are stopped, ms (default 1000). */
  idleMs?: number;
  /** The workers' code, in place of image-load-worker (CommonJS source; tests use it to make a worker fail). */
  workerSource?: string;
}

export interface ImageLoader {
  /** Read, hash and (in a worker) check one image file. Never rejects for a bad file: that is a drop. */
  load(path: string): Promise<LoadedImage>;
  /** Images loaded by a worker so far. */
  readonly viaWorkers: number;
  /** Stop the workers now (they start again when needed). */
  close(): Promise<void>;
}

/** The default number of workers: GAD_DATA_IMAGE_WORKERS when set, else one per core beyond the first. */
export function defaultImageWorkers(): number {
  const env = process.env.GAD_DATA_IMAGE_WORKERS;
  if (env !== undefined && env.trim() !== '') {
    const n = Number.parseInt(env, 10);
    if (Number.isInteger(n) && n >= 0) return Math.min(n, 64);
  }
  return Math.max(0, availableParallelism() - 1);
}

interface Job {
  path: string;
  resolve: (r: LoadedImage) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  jobs: Map<number, Job>;
  /** Requests not posted yet: posted together once the current turn of the event loop is done. */
  outbox: LoadRequest[];
}

/**
 * Requests posted in one message at most. Small enough that the main thread works on the first rows' answers while the
 * worker reads the next ones (a batch of the runner's whole window of 16 left the two threads taking turns: on 10k
 * distinct images the main thread sat idle 1.5 s, 0.5 s with 4), large enough to save most messages.
 */
const BATCH = 4;

/**
 * A new worker thread. From the compiled package it runs image-load-worker.js; from the TypeScript sources (tests run
 * under tsx, whose loader a worker does not inherit) a bootstrap registers tsx in the worker first.
 */
function newWorker(Worker: typeof import('node:worker_threads').Worker, source?: string): Worker {
  if (source !== undefined) return new Worker(source, { eval: true });
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./image-load-worker.js', import.meta.url));
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL('./image-load-worker.ts', import.meta.url).href);
  return new Worker(`import(${api}).then((m) => { m.register(); return import(${entry}); })`, { eval: true });
}

export function createImageLoader(opts: ImageLoaderOptions = {}): ImageLoader {
  return new PooledLoader(
    opts.workers ?? defaultImageWorkers(),
    opts.inlineFirst ?? 256,
    opts.idleMs ?? 1000,
    opts.workerSource,
  );
}

const inline = (path: string) => loadImageWork(path, false);

class PooledLoader implements ImageLoader {
  viaWorkers = 0;
  private seen = 0;
  private broken: boolean;
  private nextId = 0;
  private slots: Slot[] | null = null;
  private starting: Promise<Slot[] | null> | null = null;
  private idle: NodeJS.Timeout | undefined;

  constructor(
    private readonly size: number,
    private readonly inlineFirst: number,
    private readonly idleMs: number,
    private readonly workerSource?: string,
  ) {
    this.broken = size === 0;
  }

  load(path: string): Promise<LoadedImage> {
    if (this.broken || this.seen++ < this.inlineFirst) return inline(path);
    return this.viaPool(path);
  }

  close(): Promise<void> {
    return this.stop(false);
  }

  /** Stop the workers; their pending jobs (none when idle) are loaded inline. `failed`: never start them again. */
  private async stop(failed: boolean): Promise<void> {
    const old = this.slots ?? [];
    this.slots = null;
    this.starting = null;
    if (failed) this.broken = true;
    clearTimeout(this.idle);
    await stopWorkerSlots(old, (s) => {
      for (const job of s.jobs.values()) inline(job.path).then(job.resolve, job.reject);
      s.jobs.clear();
      s.outbox = [];
    });
  }

  /** After answers: when nothing is pending, let the process exit, and stop the workers once idle for idleMs. */
  private settle(): void {
    if ((this.slots ?? []).some((s) => s.jobs.size > 0)) return;
    for (const s of this.slots ?? []) s.worker.unref();
    clearTimeout(this.idle);
    this.idle = setTimeout(() => void this.stop(false), this.idleMs);
    this.idle.unref();
  }

  private async start(): Promise<Slot[] | null> {
    const made = await startWorkerSlots<Slot, LoadReply[]>({
      size: this.size,
      make: (W) => ({ worker: newWorker(W, this.workerSource), jobs: new Map(), outbox: [] }),
      onMessage: (slot, replies) => this.answered(slot, replies),
      onFail: () => void this.stop(true),
      inUse: (slot) => this.slots?.includes(slot) ?? false,
    });
    if (made) this.slots = made;
    else this.broken = true;
    return made;
  }

  private answered(slot: Slot, replies: LoadReply[]): void {
    for (const reply of replies) {
      const job = slot.jobs.get(reply.id);
      if (!job) continue;
      slot.jobs.delete(reply.id);
      if ('error' in reply) inline(job.path).then(job.resolve, job.reject);
      else {
        this.viaWorkers++;
        const loaded = reply.loaded;
        if (loaded.ok && loaded.png !== undefined) rememberPngCheck(loaded.bytes, loaded.png);
        job.resolve(loaded);
      }
    }
    this.settle();
  }

  /** Post a slot's waiting requests (one message). */
  private post(slot: Slot): void {
    if (!slot.outbox.length || !this.slots?.includes(slot)) return;
    const batch = slot.outbox;
    slot.outbox = [];
    slot.worker.postMessage(batch);
  }

  private async viaPool(path: string): Promise<LoadedImage> {
    clearTimeout(this.idle);
    const ready = this.slots ?? (await (this.starting ??= this.start()));
    if (!ready || this.slots !== ready) return inline(path);
    const slot = ready.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
    return new Promise<LoadedImage>((resolve, reject) => {
      const id = this.nextId++;
      if (slot.jobs.size === 0) slot.worker.ref();
      slot.jobs.set(id, { path, resolve, reject });
      if (slot.outbox.push({ id, path }) === 1) setImmediate(() => this.post(slot));
      else if (slot.outbox.length >= BATCH) this.post(slot);
    });
  }
}
