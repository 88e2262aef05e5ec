/**
 * A file written strictly in order through one stream, waiting for `drain` when the stream is full. A write error
 * (a full disk, say) is kept and thrown by the next `write` or by `close`, so a caller that awaits every call sees
 * it at the record it belongs to, never as an unhandled 'error' event.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

export class FileWriter {
  private readonly s: WriteStream;
  private err: Error | null = null;
  constructor(readonly path: string) {
    this.s = createWriteStream(path);
    this.s.on('error', (e) => (this.err ??= e));
  }
  /** Write the chunks in order; resolves once the stream can take more. */
  async write(...chunks: Array<string | Uint8Array>): Promise<void> {
    if (this.err) throw this.err;
    let ok = true;
    for (const c of chunks) ok = this.s.write(c);
    if (!ok) await once(this.s, 'drain');
  }
  async close(): Promise<void> {
    if (this.err) throw this.err;
    this.s.end();
    await once(this.s, 'finish');
  }
}
