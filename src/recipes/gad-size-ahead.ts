/**
 * Whether an export's first rows will have GAD-size images to compute (row-images.ts: an image the warmup trainer
 * would see at another grid than the GAD stage), told from the head of the build's lengths.jsonl — each row's
 * stored image sizes (`written`) and the GAD stage's (`resized`) — before any row is read. The export then starts
 * the resizing worker as it opens: a worker takes about 0.3 s to start (a thread, its modules, sharp), and the first
 * rows wait for it when it starts at the first image (docs/benchmarks.md).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { isRecord } from '../core/guards.js';
import { isSizeList } from './build-rows.js';

/** The bytes of lengths.jsonl looked at: a few hundred rows, about what the export counts ahead (rows-ahead.ts). */
const HEAD_BYTES = 64 * 1024;

/**
 * True when a row in the head of `buildDir`'s lengths.jsonl has an image whose grid under `grid` (the warmup
 * trainer's [w, h] for a stored width × height, null when it cannot tell) is not the GAD stage's. False when the
 * file cannot be read: the worker then starts at the first image, as it would anyway.
 */
export function firstRowsNeedGadSize(
  buildDir: string,
  grid: (width: number, height: number) => readonly [number, number] | null,
): boolean {
  let text: string;
  try {
    const fd = openSync(join(buildDir, 'lengths.jsonl'), 'r');
    try {
      const buf = Buffer.alloc(HEAD_BYTES);
      text = buf.toString('utf8', 0, readSync(fd, buf, 0, HEAD_BYTES, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
  const lines = text.split('\n');
  if (text.length === HEAD_BYTES) lines.pop(); // (a line cut at the end of the head)
  for (const line of lines) {
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isRecord(r) || !isSizeList(r.written) || !isSizeList(r.resized)) continue;
    for (const [k, [w, h]] of r.written.entries()) {
      const gad = r.resized[k];
      const g = gad && grid(w, h);
      if (g && gad && (g[0] !== gad[0] || g[1] !== gad[1])) return true;
    }
  }
  return false;
}
