/**
 * A compact index of a jsonl file (lengths.jsonl, dropped.jsonl), built by streaming it once in the background:
 * per line its byte offset, a few numbers (token counts) and a few categories (split, reason) in typed arrays,
 * about 40 bytes a line, so a million-row build is indexed in tens of MB and never held as objects. A line is
 * read back from disk by its offset when a page shows it. The file is read only as far as a request needs it
 * (`reach`: the first page of a split reads its first lines, not the whole file); `finished` (a sorted or
 * filtered page) and `background()` read on to the end, a slice of 1,000 lines at a time between requests.
 */
import { createReadStream, existsSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { errorMessage, must } from '../core/guards.js';

/** -1 in a numeric column: the field was absent or null. */
export const NONE = -1;

export interface IndexSpec {
  /** Numeric fields kept per line (integers; null or absent: NONE). */
  numbers: string[];
  /** Text fields kept per line as a code into a list of distinct values. */
  categories: string[];
  /** A derived 0/1 flag per line. */
  flag?: (rec: Record<string, unknown>) => boolean;
}

export class JsonlIndex {
  readonly path: string;
  count = 0;
  done = false;
  error: Error | null = null;
  offsets = new Float64Array(1024);
  numbers: Record<string, Int32Array> = {};
  codes: Record<string, Uint16Array> = {};
  values: Record<string, string[]> = {};
  flags = new Uint8Array(1024);
  private readonly spec: IndexSpec;
  private readonly seen: Record<string, Map<string, number>> = {};
  private waiters: Array<{ n: number; ok: () => void }> = [];
  /** Lines wanted so far; the scan pauses once it has them. */
  private want = 0;
  private started = false;
  private resume: (() => void) | null = null;
  private readonly all: Promise<void>;
  private settle!: { ok: () => void; bad: (e: Error) => void };

  constructor(path: string, spec: IndexSpec) {
    this.path = path;
    this.spec = spec;
    for (const k of spec.numbers) this.numbers[k] = new Int32Array(1024);
    for (const k of spec.categories) {
      this.codes[k] = new Uint16Array(1024);
      this.values[k] = [];
      this.seen[k] = new Map();
    }
    this.all = new Promise<void>((ok, bad) => (this.settle = { ok, bad }));
    this.all.catch(() => undefined);
  }

  /** Asks for the first `n` lines (Infinity: all), starting or resuming the scan. */
  private ask(n: number): void {
    this.want = Math.max(this.want, n);
    if (!this.started) {
      this.started = true;
      if (existsSync(this.path)) void this.scan();
      else {
        this.finish();
        this.settle.ok();
      }
    }
    this.resume?.();
  }

  /** Resolves once the whole file is indexed (rejects when a line cannot be read). */
  get finished(): Promise<void> {
    this.ask(Infinity);
    return this.all;
  }

  /** Index the whole file in the background. */
  background(): void {
    this.ask(Infinity);
  }

  /** Resolves once `n` lines are indexed (or the file ended). */
  reach(n: number): Promise<void> {
    if (this.count >= n || this.done) return this.error ? Promise.reject(this.error) : Promise.resolve();
    this.ask(n);
    return new Promise((ok) => this.waiters.push({ n, ok }));
  }

  num(field: string, line: number): number {
    return must(this.numbers[field]?.[line], `indexed number ${field} of line ${line}`);
  }

  category(field: string, line: number): string {
    const code = must(this.codes[field]?.[line], `indexed category ${field} of line ${line}`);
    return must(this.values[field]?.[code], `value ${code} of category ${field}`);
  }

  /** The parsed line. */
  async read(line: number): Promise<Record<string, unknown>> {
    const start = must(this.offsets[line], `offset of indexed line ${line}`);
    const end = line + 1 < this.count ? must(this.offsets[line + 1], `offset of line ${line + 1}`) : -1;
    const fh = await open(this.path, 'r');
    try {
      let size = end >= 0 ? end - start : 4096;
      for (;;) {
        const buf = Buffer.alloc(size);
        const { bytesRead } = await fh.read(buf, 0, size, start);
        const nl = buf.subarray(0, bytesRead).indexOf(10);
        if (nl >= 0 || bytesRead < size) return JSON.parse(buf.toString('utf8', 0, nl >= 0 ? nl : bytesRead));
        size *= 4;
      }
    } finally {
      await fh.close();
    }
  }

  /** Room for `cap` lines (default: twice the room there is). */
  private grow(cap = this.offsets.length * 2): void {
    const g = <T extends Float64Array | Int32Array | Uint16Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(cap);
      b.set(a);
      return b;
    };
    this.offsets = g(this.offsets);
    this.flags = g(this.flags);
    for (const [k, a] of Object.entries(this.numbers)) this.numbers[k] = g(a);
    for (const [k, a] of Object.entries(this.codes)) this.codes[k] = g(a);
  }

  private add(offset: number, text: string): void {
    if (!text.trim()) return;
    const rec = JSON.parse(text) as Record<string, unknown>;
    if (this.count === this.offsets.length) this.grow();
    const i = this.count;
    this.offsets[i] = offset;
    for (const k of this.spec.numbers) {
      const v = rec[k];
      must(this.numbers[k], `number index ${k}`)[i] = typeof v === 'number' && Number.isFinite(v) ? v : NONE;
    }
    for (const k of this.spec.categories) {
      const v = String(rec[k] ?? '');
      const seen = must(this.seen[k], `category index ${k}`);
      const values = must(this.values[k], `category values ${k}`);
      let code = seen.get(v);
      if (code === undefined) {
        code = values.length;
        values.push(v);
        seen.set(v, code);
      }
      must(this.codes[k], `category codes ${k}`)[i] = code;
    }
    this.flags[i] = this.spec.flag?.(rec) ? 1 : 0;
    this.count++;
    if (this.waiters.length && this.count % 64 === 0) this.wake();
  }

  private wake(): void {
    const still: typeof this.waiters = [];
    for (const w of this.waiters) (this.count >= w.n || this.done ? w.ok : () => still.push(w))();
    this.waiters = still;
  }

  private finish(): void {
    this.done = true;
    this.wake();
  }

  /**
   * Sizes the arrays once for the whole file, from the lines of its first chunk (5% spare), so a million-line
   * file is not indexed through twenty doublings, each holding the old arrays and the new ones at once.
   */
  private reserve(first: Buffer, fileSize: number): void {
    let lines = 0;
    for (let nl = first.indexOf(10); nl >= 0; nl = first.indexOf(10, nl + 1)) lines++;
    if (!lines || first.length >= fileSize) return;
    const cap = Math.ceil(((fileSize / first.length) * lines * 21) / 20);
    if (cap > this.offsets.length) this.grow(cap);
  }

  private async scan(): Promise<void> {
    let pending: Buffer | null = null;
    let pendingAt = 0;
    let pos = 0;
    try {
      for await (const chunk of createReadStream(this.path, { highWaterMark: 1 << 20 })) {
        let buf = chunk as Buffer;
        let base = pos;
        pos += buf.length;
        if (pos === buf.length) this.reserve(buf, (await stat(this.path)).size);
        if (pending) {
          buf = Buffer.concat([pending, buf]);
          base = pendingAt;
          pending = null;
        }
        let s = 0;
        let k = 0;
        for (let nl = buf.indexOf(10, s); nl >= 0; nl = buf.indexOf(10, s)) {
          this.add(base + s, buf.toString('utf8', s, nl));
          s = nl + 1;
          // let requests in every 1,000 lines (a page waits for one slice at most); pause once nothing wants more
          if (++k % 1000 === 0) {
            await new Promise((r) => setImmediate(r));
            while (this.count >= this.want) await new Promise<void>((r) => (this.resume = r));
            this.resume = null;
          }
        }
        if (s < buf.length) {
          pending = Buffer.from(buf.subarray(s));
          pendingAt = base + s;
        }
      }
      if (pending) this.add(pendingAt, pending.toString('utf8'));
    } catch (e) {
      this.error = new Error(`${this.path}: line ${this.count + 1} cannot be read: ${errorMessage(e)}`);
    }
    this.finish();
    if (this.error) this.settle.bad(this.error);
    else this.settle.ok();
  }
}
