/**
 * The GAD-size resizer's worker thread (gad-size-pool.ts): for each batch of requests, `imageAtSize` (decode, Pillow's bicubic,
 * PNG encode) of the bytes posted, and the PNGs posted back in one message, their buffers transferred (not copied). An image that cannot
 * be resized is answered with an error, and the main thread resizes it itself (the same function, the same error).
 */
import { parentPort } from 'node:worker_threads';
import { imageAtSize } from './gad-size.js';

export interface GadSizeRequest {
  id: number;
  bytes: Uint8Array;
  size: [number, number];
}

export type GadSizeReply = { id: number; bytes: Uint8Array } | { id: number; error: string };

async function answer(req: GadSizeRequest): Promise<{ reply: GadSizeReply; moved: ArrayBuffer[] }> {
  try {
    const bytes = await imageAtSize(req.bytes, req.size);
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
    return { reply: { id: req.id, bytes: own }, moved: [own.buffer as ArrayBuffer] };
  } catch (e) {
    return { reply: { id: req.id, error: String(e) }, moved: [] };
  }
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (batch: GadSizeRequest[]) => {
    void (async () => {
      const answers = [];
      for (const req of batch) answers.push(await answer(req));
      port.postMessage(
        answers.map((a) => a.reply),
        answers.flatMap((a) => a.moved),
      );
    })();
  });
}
