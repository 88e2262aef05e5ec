/**
 * The image loader's worker thread (image-load-pool.ts): for each batch of paths posted, `loadImageWork` (read,
 * sha256, PNG check) for each in turn, and the answers posted back in one message, the bytes' buffers transferred
 * (not copied). A drop is posted as it is.
 */
import { parentPort } from 'node:worker_threads';
import { type LoadedImage, loadImageWork } from './load-image.js';

export interface LoadRequest {
  id: number;
  path: string;
}

export type LoadReply = { id: number; loaded: LoadedImage } | { id: number; error: string };

async function answer(req: LoadRequest): Promise<LoadReply> {
  try {
    return { id: req.id, loaded: await loadImageWork(req.path, true) };
  } catch (e) {
    return { id: req.id, error: String(e) };
  }
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (batch: LoadRequest[]) => {
    void (async () => {
      const replies: LoadReply[] = [];
      for (const req of batch) replies.push(await answer(req));
      // readWholeFile gives each image a buffer of its own: those buffers move to the main thread.
      const buffers = replies.flatMap((r) =>
        'loaded' in r && r.loaded.ok ? [r.loaded.bytes.buffer as ArrayBuffer] : [],
      );
      port.postMessage(replies, buffers);
    })();
  });
}
