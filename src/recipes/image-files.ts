/**
 * The image files of an export, placed off the main thread. Every image of an export is a file of its own: a hard
 * link to an earlier export's identical file (its bytes read back and compared first: image-links.ts), else a new
 * file. That is five system calls or so per image, a few thousand per export, on the thread that also reads the
 * shards, counts and writes the lines; a worker thread does them instead (one, on a machine of more than one core;
 * `GAD_DATA_IMAGE_WORKERS=0`: none), the same calls on the same bytes in the same folder, so the export is the same.
 *
 * The first INLINE_FIRST images are placed on the main thread (a small export never pays the worker's start). The
 * counts (images linked, written) and the first error (a full disk) are known once `settle` has waited for every
 * image; an export settles its images before it writes export.json, and stops the worker before it abandons its
 * work folder. A worker that cannot start or fails hands its unanswered images back: their new names (in the
 * export's own work folder) are removed and they are placed on the main thread, as are all later ones.
 */
import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type ImagePlacing, placeImage } from './image-links.js';
import type { PlaceReply, PlaceRequest, PlacedError } from './image-file-worker.js';

/** Images placed on the main thread before the worker starts. */
const INLINE_FIRST = 256;
/** Images per message to the worker. */
const BATCH = 64;

interface Image {
  name: string;
  dest: string;
  bytes: Uint8Array;
}

/** A batch as one message: the bytes copied one after the other into one buffer, which moves to the worker. */
function request(id: number, images: Image[]): PlaceRequest {
  const ends: number[] = [];
  let size = 0;
  for (const im of images) ends.push((size += im.bytes.length));
  const data = new Uint8Array(size);
  for (const [k, im] of images.entries()) data.set(im.bytes, ends[k]! - im.bytes.length);
  return { id, names: images.map((im) => im.name), dests: images.map((im) => im.dest), ends, data };
}

/** The worker count: GAD_DATA_IMAGE_WORKERS when set (0: none; any other number: one), else one on 2+ cores. */
function wantWorker(): boolean {
  const env = process.env.GAD_DATA_IMAGE_WORKERS;
  if (env !== undefined && env.trim() !== '') return Number.parseInt(env, 10) !== 0;
  return availableParallelism() > 1;
}

/** An Error as the worker described it (code, errno, syscall and path kept: the export names a full disk the same). */
function rebuilt(d: PlacedError): Error {
  const e = new Error(d.message) as NodeJS.ErrnoException;
  if (d.code !== undefined) e.code = d.code;
  if (d.errno !== undefined) e.errno = d.errno;
  if (d.syscall !== undefined) e.syscall = d.syscall;
  if (d.path !== undefined) e.path = d.path;
  return e;
}

/** A worker running image-file-worker (under tsx, from the TypeScript sources, a bootstrap registers tsx first). */
function newWorker(W: typeof Worker, peers: string[], source?: string): Worker {
  const workerData = { peers };
  if (source !== undefined) return new W(source, { eval: true, workerData });
  if (!import.meta.url.endsWith('.ts'))
    return new W(new URL('./image-file-worker.js', import.meta.url), { workerData });
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL('./image-file-worker.ts', import.meta.url).href);
  return new W(`import(${api}).then((m) => { m.register(); return import(${entry}); })`, { eval: true, workerData });
}

export class ImageFiles {
  /** Images written as hard links to an earlier export's file, and as new files. */
  readonly counts = { linked: 0, written: 0, linkedBytes: 0 };
  /** Images placed by the worker (tests). */
  viaWorker = 0;
  private seen = 0;
  private worker: Worker | null = null;
  private broken: boolean;
  private outbox: Image[] = [];
  private readonly inFlight = new Map<number, Image[]>();
  private nextId = 0;
  private failure: Error | null = null;
  private waiting: (() => void) | null = null;

  constructor(
    private readonly at: ImagePlacing,
    opts: { worker?: boolean; inlineFirst?: number; workerSource?: string } = {},
  ) {
    this.broken = !(opts.worker ?? wantWorker());
    this.inlineFirst = opts.inlineFirst ?? INLINE_FIRST;
    this.workerSource = opts.workerSource;
  }

  private readonly inlineFirst: number;
  /** The worker's code in place of image-file-worker (CommonJS source; tests make a worker fail with it). */
  private readonly workerSource: string | undefined;

  /** Place `bytes` as `dest` (the export-relative `name`): now, or queued for the worker. */
  place(name: string, bytes: Uint8Array, dest: string): void {
    if (this.failure) throw this.failure;
    if (this.broken || this.seen++ < this.inlineFirst) return this.inline({ name, dest, bytes });
    // (the bytes are copied into the batch's buffer when it is posted)
    if (this.outbox.push({ name, dest, bytes }) === 1) setImmediate(() => this.post());
    else if (this.outbox.length >= BATCH) this.post();
  }

  /** Wait until every image is placed; the first error of the worker is thrown here. */
  async settle(): Promise<void> {
    this.post();
    while (this.inFlight.size > 0 && !this.failure) await new Promise<void>((r) => (this.waiting = r));
    if (this.failure) throw this.failure;
    await this.stop();
  }

  /** Stop the worker (nothing more is placed by it; an abandoned export's folder can go). */
  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.broken = true;
    if (w) {
      w.removeAllListeners();
      w.on('error', () => {});
      await w.terminate().catch(() => 0);
    }
  }

  private inline(im: Image): void {
    if (placeImage(this.at, im.name, im.bytes, im.dest)) {
      this.counts.linked++;
      this.counts.linkedBytes += im.bytes.length;
    } else this.counts.written++;
  }

  private post(): void {
    if (!this.outbox.length) return;
    const images = this.outbox;
    this.outbox = [];
    if (this.failure) return;
    if (!this.worker && !this.broken) this.start();
    if (!this.worker) {
      try {
        this.handBack(images);
      } catch (e) {
        this.failure ??= e instanceof Error ? e : new Error(String(e));
      }
      return;
    }
    const id = this.nextId++;
    this.inFlight.set(id, images);
    if (this.inFlight.size === 1) this.worker.ref();
    const req = request(id, images);
    this.worker.postMessage(req, [req.data.buffer as ArrayBuffer]);
  }

  private start(): void {
    try {
      const w = newWorker(Worker, [...this.at.peers], this.workerSource);
      w.on('message', (r: PlaceReply) => this.answered(r));
      w.on('error', () => this.failed());
      w.on('exit', () => this.failed());
      w.unref();
      this.worker = w;
    } catch {
      this.broken = true;
    }
  }

  private answered(r: PlaceReply): void {
    const images = this.inFlight.get(r.id);
    this.inFlight.delete(r.id);
    if (images) {
      this.viaWorker += images.length;
      if ('error' in r) this.failure ??= rebuilt(r.error);
      else if ('linked' in r) {
        this.counts.linked += r.linked;
        this.counts.written += r.written;
        this.counts.linkedBytes += r.linkedBytes;
      }
    }
    if (this.inFlight.size === 0) this.worker?.unref();
    this.wake();
  }

  /** The worker ended or failed: its unanswered images are placed here, and all later ones. */
  private failed(): void {
    void this.stop();
    const pending = [...this.inFlight.values()];
    this.inFlight.clear();
    try {
      for (const images of pending) this.handBack(images);
    } catch (e) {
      this.failure ??= e instanceof Error ? e : new Error(String(e));
    }
    this.wake();
  }

  /** Place images the worker did not answer for: a name it may have made is removed first (the work folder is ours). */
  private handBack(images: Image[]): void {
    for (const im of images) {
      rmSync(im.dest, { force: true });
      this.inline(im);
    }
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = null;
    w?.();
  }
}
