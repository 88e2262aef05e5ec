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
import { WorkerPool } from '../core/worker-pool.js';
import { type LoadedImage, loadImageWork } from './load-image.js';
import type { LoadReply } from './image-load-worker.js';
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

const inline = (req: { path: string }) => loadImageWork(req.path, false);

class PooledLoader implements ImageLoader {
  private seen = 0;
  private readonly pool: WorkerPool<{ path: string }, LoadReply, LoadedImage>;

  constructor(
    size: number,
    private readonly inlineFirst: number,
    idleMs: number,
    workerSource?: string,
  ) {
    this.pool = new WorkerPool({
      size,
      idleMs,
      batch: BATCH,
      make: (W) => newWorker(W, workerSource),
      inline,
      accept: (reply) => {
        if ('error' in reply) return null;
        const loaded = reply.loaded;
        if (loaded.ok && loaded.png !== undefined) rememberPngCheck(loaded.bytes, loaded.png);
        return loaded;
      },
    });
  }

  get viaWorkers(): number {
    return this.pool.viaWorkers;
  }

  load(path: string): Promise<LoadedImage> {
    if (this.seen++ < this.inlineFirst) return inline({ path });
    return this.pool.run({ path });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
