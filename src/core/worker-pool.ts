/**
 * A pool of worker threads that do one function's work off the main thread, with the main thread as the fallback
 * (the image loader of a build, the GAD-size resizer of an export). Each request goes to the least busy worker,
 * posted in batches of up to `batch` (a batch is posted once the current turn of the event loop is done, or when
 * full); a worker answers with an array of replies. The workers start at the first request, hold the process only
 * while they have work, and are stopped after `idleMs` without any (a later request starts them again). A reply the
 * worker could not give (`accept` returns null), a worker that cannot start, errs or exits: the request is done by
 * `inline` on the main thread — the same function, so the same answer or the same error — and after a failure every
 * later one too.
 */
import type { Worker } from 'node:worker_threads';

interface Job<Req, Out> {
  req: Req;
  resolve: (out: Out) => void;
  reject: (e: unknown) => void;
}

interface Slot<Req, Out> {
  worker: Worker;
  jobs: Map<number, Job<Req, Out>>;
  /** Requests not posted yet, and the buffers they move. */
  outbox: object[];
  moved: ArrayBuffer[];
}

export interface WorkerPoolParams<Req, Reply extends { id: number }, Out> {
  /** Worker threads (0: everything inline). */
  size: number;
  idleMs: number;
  /** Requests posted in one message at most. */
  batch: number;
  /** A new worker thread; it takes arrays of requests (`message`'s bodies with an `id`) and posts arrays of `Reply`. */
  make: (W: typeof Worker) => Worker;
  /** The work on the main thread. */
  inline: (req: Req) => Promise<Out>;
  /** A reply's answer, or null when the worker could not do it (then `inline`). */
  accept: (reply: Reply, req: Req) => Out | null;
  /** What is posted for a request, and the buffers it moves (default: the request itself, nothing moved). */
  message?: (req: Req) => { body: object; transfer: ArrayBuffer[] };
}

export class WorkerPool<Req, Reply extends { id: number }, Out> {
  /** Requests answered by a worker so far. */
  viaWorkers = 0;
  private slots: Array<Slot<Req, Out>> | null = null;
  private starting: Promise<Array<Slot<Req, Out>> | null> | null = null;
  private broken: boolean;
  private nextId = 0;
  private idle: NodeJS.Timeout | undefined;

  constructor(private readonly p: WorkerPoolParams<Req, Reply, Out>) {
    this.broken = p.size === 0;
  }

  async run(req: Req): Promise<Out> {
    if (this.broken) return this.p.inline(req);
    clearTimeout(this.idle);
    const ready = this.slots ?? (await (this.starting ??= this.start()));
    if (!ready || this.slots !== ready) return this.p.inline(req);
    clearTimeout(this.idle); // (again: workers started by warm() set their idle time when they came up)
    const slot = ready.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
    return new Promise<Out>((resolve, reject) => {
      const id = this.nextId++;
      if (slot.jobs.size === 0) slot.worker.ref();
      slot.jobs.set(id, { req, resolve, reject });
      const m = this.p.message?.(req) ?? { body: req as object, transfer: [] };
      slot.moved.push(...m.transfer);
      const waiting = slot.outbox.push({ ...m.body, id });
      if (waiting >= this.p.batch) this.post(slot);
      else if (waiting === 1) setImmediate(() => this.post(slot));
    });
  }

  /**
   * Start the workers ahead of the first request, so that their start-up (a thread, its modules) overlaps the
   * caller's own work; without a request within `idleMs` they are stopped again.
   */
  warm(): void {
    if (this.broken || this.slots || this.starting) return;
    this.starting = this.start();
    void this.starting.then((slots) => {
      if (!slots || this.slots !== slots || slots.some((s) => s.jobs.size > 0)) return;
      clearTimeout(this.idle);
      this.idle = setTimeout(() => void this.stop(false), this.p.idleMs);
      this.idle.unref();
    });
  }

  /** Stop the workers now (they start again when needed). */
  close(): Promise<void> {
    return this.stop(false);
  }

  private post(slot: Slot<Req, Out>): void {
    if (!slot.outbox.length || !this.slots?.includes(slot)) return;
    const batch = slot.outbox;
    const moved = slot.moved;
    slot.outbox = [];
    slot.moved = [];
    slot.worker.postMessage(batch, moved);
  }

  private async start(): Promise<Array<Slot<Req, Out>> | null> {
    const made: Array<Slot<Req, Out>> = [];
    try {
      const { Worker } = await import('node:worker_threads');
      for (let i = 0; i < this.p.size; i++) {
        const slot: Slot<Req, Out> = { worker: this.p.make(Worker), jobs: new Map(), outbox: [], moved: [] };
        made.push(slot);
        slot.worker.on('message', (replies: Reply[]) => this.answered(slot, replies));
        slot.worker.on('error', () => void this.stop(true));
        slot.worker.on('exit', () => {
          if (this.slots?.includes(slot)) void this.stop(true);
        });
        slot.worker.unref();
      }
      this.slots = made;
      return made;
    } catch {
      this.broken = true;
      for (const s of made) void s.worker.terminate().catch(() => 0);
      return null;
    }
  }

  private answered(slot: Slot<Req, Out>, replies: Reply[]): void {
    for (const reply of replies) {
      const job = slot.jobs.get(reply.id);
      if (!job) continue;
      slot.jobs.delete(reply.id);
      const out = this.p.accept(reply, job.req);
      if (out === null) this.p.inline(job.req).then(job.resolve, job.reject);
      else {
        this.viaWorkers++;
        job.resolve(out);
      }
    }
    if (slot.jobs.size === 0) slot.worker.unref();
    if ((this.slots ?? []).some((s) => s.jobs.size > 0)) return;
    clearTimeout(this.idle);
    this.idle = setTimeout(() => void this.stop(false), this.p.idleMs);
    this.idle.unref();
  }

  /** Stop the workers; their pending requests are done inline. `failed`: never start them again. */
  private async stop(failed: boolean): Promise<void> {
    const old = this.slots ?? [];
    this.slots = null;
    this.starting = null;
    if (failed) this.broken = true;
    clearTimeout(this.idle);
    for (const s of old) {
      s.worker.removeAllListeners();
      s.worker.on('error', () => {});
      for (const job of s.jobs.values()) this.p.inline(job.req).then(job.resolve, job.reject);
      s.jobs.clear();
      s.outbox = [];
      s.moved = [];
    }
    await Promise.all(old.map((s) => s.worker.terminate().catch(() => 0)));
  }
}
