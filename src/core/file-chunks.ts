/** A file's bytes as a stream of Buffers (a read stream without an encoding yields nothing else). */
import { createReadStream } from 'node:fs';
import { must } from './guards.js';

export async function* fileChunks(path: string, opts: { highWaterMark?: number } = {}): AsyncGenerator<Buffer> {
  for await (const chunk of createReadStream(path, opts))
    yield must(Buffer.isBuffer(chunk) ? chunk : null, `a read stream without an encoding yields Buffers (${path})`);
}
