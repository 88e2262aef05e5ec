/**
 * A file as hyparquet's AsyncBuffer over one open descriptor: each slice is one positioned read into a buffer of its
 * own. hyparquet's `asyncBufferFromFile` opens a read stream per slice (an open, reads in 64 KiB chunks, a close and a
 * concatenating copy for every column chunk of every row group read); this gives the same bytes with one open per
 * file. A slice past the end is cut short at the end, as the stream's is. `close` releases the descriptor (the reader
 * closes it when it is done with the file, or stops early).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { AsyncBuffer } from 'hyparquet';

export interface FileBuffer {
  buffer: AsyncBuffer;
  close(): void;
}

export function openFileBuffer(path: string): FileBuffer {
  const fd = openSync(path, 'r');
  let size: number;
  try {
    size = fstatSync(fd).size;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  let closed = false;
  const read = (start: number, end: number | undefined): ArrayBuffer => {
    const len = Math.max(0, Math.min(end ?? size, size) - start);
    const out = new Uint8Array(len);
    let got = 0;
    while (got < len) {
      const n = readSync(fd, out, got, len - got, start + got);
      if (n === 0) break;
      got += n;
    }
    return got === len ? out.buffer : out.buffer.slice(0, got);
  };
  return {
    buffer: {
      byteLength: size,
      slice(start: number, end?: number): Promise<ArrayBuffer> {
        try {
          return Promise.resolve(read(start, end));
        } catch (e) {
          return Promise.reject(e instanceof Error ? e : new Error(String(e)));
        }
      },
    },
    close() {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
}
