/**
 * The image files' worker thread (image-files.ts): each batch of images posted is placed in turn (placeImage: a
 * hard link to a peer export's identical file, else a new file) and answered with its counts. After an error (a full
 * disk, a name that exists) the worker places nothing more: the error is answered, later batches are skipped.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type ImagePlacing, placeImage } from './image-links.js';

/** A batch of images: their names and destinations, their bytes one after the other in `data` (image k ends at ends[k]). */
export interface PlaceRequest {
  id: number;
  names: string[];
  dests: string[];
  ends: number[];
  data: Uint8Array;
}

export interface PlacedError {
  message: string;
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
}

export type PlaceReply =
  | { id: number; linked: number; written: number; linkedBytes: number }
  | { id: number; error: PlacedError }
  | { id: number; skipped: true };

function describe(e: unknown): PlacedError {
  const o = (e ?? {}) as Partial<NodeJS.ErrnoException>;
  return {
    message: e instanceof Error ? e.message : String(e),
    ...(typeof o.code === 'string' ? { code: o.code } : {}),
    ...(typeof o.errno === 'number' ? { errno: o.errno } : {}),
    ...(typeof o.syscall === 'string' ? { syscall: o.syscall } : {}),
    ...(typeof o.path === 'string' ? { path: o.path } : {}),
  };
}

if (parentPort) {
  const port = parentPort;
  const at: ImagePlacing = { peers: (workerData as { peers: string[] }).peers };
  let failed = false;
  port.on('message', (req: PlaceRequest) => {
    if (failed) return port.postMessage({ id: req.id, skipped: true } satisfies PlaceReply);
    const counts = { linked: 0, written: 0, linkedBytes: 0 };
    try {
      for (let k = 0, from = 0; k < req.names.length; from = req.ends[k++]!) {
        const bytes = req.data.subarray(from, req.ends[k]);
        if (placeImage(at, req.names[k]!, bytes, req.dests[k]!)) {
          counts.linked++;
          counts.linkedBytes += bytes.length;
        } else counts.written++;
      }
    } catch (e) {
      failed = true;
      return port.postMessage({ id: req.id, error: describe(e) } satisfies PlaceReply);
    }
    port.postMessage({ id: req.id, ...counts } satisfies PlaceReply);
  });
}
