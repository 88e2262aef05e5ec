/**
 * A compact index of a jsonl file (lengths.jsonl, dropped.jsonl), built by streaming it once in the background:
 * per line its byte offset, a few numbers (token counts) and a few categories (split, reason) in typed arrays,
 * about 40 bytes a line, so a million-row build is indexed in tens of MB and never held as objects. A line is
 * read back from disk by its offset when a page shows it. Queries wait only for the lines they need
 * (`reach`), so the first page of a split shows before the whole file is indexed.
 */
import { createReadStream, existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
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
  readonly finished: Promise<void>;

  constructor(path: string, spec: IndexSpec) {
    this.path = path;
    this.spec = spec;
    for (const k of spec.numbers) this.numbers[k] = new Int32Array(1024);
    for (const k of spec.categories) {
      this.codes[k] = new Uint16Array(1024);
      this.values[k] = [];
      this.seen[k] = new Map();
    }
    this.finished = existsSync(path) ? this.scan() : Promise.resolve(this.finish());
    this.finished.catch(() => undefined);
  }

  /** Resolves once `n` lines are indexed (or the file ended). */
  reach(n: number): Promise<void> {
    if (this.count >= n || this.done) return this.error ? Promise.reject(this.error) : Promise.resolve();
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

  private grow(): void {
    const cap = this.offsets.length * 2;
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

  private async scan(): Promise<void> {
    let pending: Buffer | null = null;
    let pendingAt = 0;
    let pos = 0;
    try {
      for await (const chunk of createReadStream(this.path, { highWaterMark: 1 << 20 })) {
        let buf = chunk as Buffer;
        let base = pos;
        pos += buf.length;
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
          // let requests in every 1,000 lines: a page waits for one slice at most
          if (++k % 1000 === 0) await new Promise((r) => setImmediate(r));
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
    if (this.error) throw this.error;
  }
}
