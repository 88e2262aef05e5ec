/**
 * A file's bytes in blocks read into one buffer reused for the whole file: each block is valid only until the next
 * one is asked for (hash it, count it, copy it; do not keep it). A read stream gives every 64 KiB chunk a buffer of its
 * own, left to the garbage collector: hashing a 300 MB shard that way put tens of MB of dead chunks in the process's
 * memory at the end of a build (the collector runs on heap growth, and 4,500 chunk objects barely grow the heap).
 */
import { open } from 'node:fs/promises';

export const FILE_BLOCK_BYTES = 1 << 20;

export async function* fileBlocks(path: string, blockBytes = FILE_BLOCK_BYTES): AsyncGenerator<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafeSlow(blockBytes);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, blockBytes, null);
      if (bytesRead === 0) break;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}
