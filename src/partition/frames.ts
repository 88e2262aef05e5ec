/**
 * A file of records, each a 4-byte little-endian length and a V8 structured-clone serialization (so BigInt,
 * typed arrays, Dates and nested objects come back exactly as they were written). Written and read strictly
 * in order, streaming: memory holds one read chunk, not the file.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { deserialize, serialize } from 'node:v8';
import { FileWriter } from '../core/file-writer.js';
import { GadError, describeError } from '../core/errors.js';
import { errnoCode } from '../core/guards.js';

export class FrameWriter {
  private readonly w: FileWriter;
  constructor(readonly path: string) {
    this.w = new FileWriter(path);
  }
  /** Serialize now (the value may change after this call), write in order. */
  async write(value: unknown): Promise<void> {
    const body = serialize(value);
    const head = Buffer.alloc(4);
    head.writeUInt32LE(body.length, 0);
    await this.w.write(head, body);
  }
  close(): Promise<void> {
    return this.w.close();
  }
}

export class FrameReader {
  private fh: FileHandle | null = null;
  private buf = Buffer.alloc(0);
  private pos = 0;
  private eof = false;
  constructor(
    readonly path: string,
    private readonly chunk = 1 << 20,
  ) {}

  /**
   * The next record, or undefined at the end of the file. A file cut short or damaged (a part copied before its
   * task finished, a full disk) is an exit 2 naming it, not "a bug".
   */
  async next(): Promise<unknown> {
    try {
      const head = await this.take(4);
      if (!head) return undefined;
      const len = head.readUInt32LE(0);
      const body = await this.take(len);
      if (!body) throw new Error(`a record of ${len} bytes is incomplete`);
      return deserialize(body);
    } catch (e) {
      if (errnoCode(e)) throw e; // a read error of the machine: reported as such
      throw new GadError(`${this.path} is cut short or damaged (${describeError(e)})`, {
        hint: 'the part was copied or read before its task finished, or its disk filled up: rebuild that part (gad-data build --partition I/N)',
        exitCode: 2,
        cause: e,
      });
    }
  }

  async close(): Promise<void> {
    await this.fh?.close();
    this.fh = null;
  }

  private async take(n: number): Promise<Buffer | null> {
    while (this.buf.length < n && !this.eof) {
      this.fh ??= await open(this.path, 'r');
      const b = Buffer.alloc(Math.max(this.chunk, n - this.buf.length));
      const { bytesRead } = await this.fh.read(b, 0, b.length, this.pos);
      this.pos += bytesRead;
      if (bytesRead === 0) this.eof = true;
      this.buf = this.buf.length ? Buffer.concat([this.buf, b.subarray(0, bytesRead)]) : b.subarray(0, bytesRead);
    }
    if (this.buf.length === 0 && this.eof) return null;
    if (this.buf.length < n) throw new Error(`cut short: ${n} bytes wanted, ${this.buf.length} left`);
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
}
