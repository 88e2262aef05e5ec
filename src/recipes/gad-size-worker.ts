/**
 * The GAD-size resizer's worker thread (gad-size-pool.ts): for each request, `imageAtSize` (decode, Pillow's bicubic,
 * PNG encode) of the bytes posted, and the PNG posted back, its buffer transferred (not copied). An image that cannot
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

if (parentPort) {
  const port = parentPort;
  port.on('message', (req: GadSizeRequest) => {
    imageAtSize(req.bytes, req.size).then(
      (bytes) => {
        const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
        port.postMessage({ id: req.id, bytes: own } satisfies GadSizeReply, [own.buffer as ArrayBuffer]);
      },
      (e: unknown) => port.postMessage({ id: req.id, error: String(e) } satisfies GadSizeReply),
    );
  });
}
