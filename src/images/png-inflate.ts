/**
 * The PNG check's inflate of the image data (IDAT), without keeping the pixels: the stream is inflated into one
 * 256 KiB buffer reused for every image, through one zlib handle reset between images, and each row's filter byte
 * is checked as it goes by. `zlib.inflateSync` allocated a buffer the size of the whole image for each image (about
 * 370 KB on Geometry3K-like drawings): fresh memory, its pages faulted in and zeroed by the kernel each time, then
 * left to the garbage collector; measured on 2,848 such images, 0.7–1.5 s of CPU against 0.15 s this way.
 *
 * The verdict is the one `inflateSync(data, { maxOutputLength: expected + 1, chunkSize: max(64, expected + 1) })`
 * gives, also where it depends on its call boundaries (a stream longer than the image that is corrupt further on):
 * zlib is called with the same output boundaries in total, split into pieces of the buffer's size (a decoder's
 * output and its errors do not depend on where its output is split). The reused handle is Node's own zlib binding
 * (the object `inflateSync` drives), reached through `Inflate`'s `_handle`; where a Node lacks it, `inflateSync`
 * itself is used, as before.
 */
import * as zlib from 'node:zlib';
import { errnoCode } from '../core/guards.js';

/**
 * `corrupt`: the stream does not inflate (or ends early); `short`: it ends before `expected` bytes; `long`: it
 * gives more (not decided here); `rows`: exactly `expected` bytes, `badRow` the first row whose filter byte is over
 * 4, or -1.
 */
export type InflateVerdict =
  { kind: 'corrupt' } | { kind: 'short' } | { kind: 'long' } | { kind: 'rows'; badRow: number };

interface ZlibHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOff: number,
    inLen: number,
    out: Uint8Array,
    outOff: number,
    outLen: number,
  ): void;
  reset(): void;
  close(): void;
  onerror: (message: string, errno: number) => void;
}

interface Engine {
  handle: ZlibHandle;
  /** [avail_out, avail_in] after each write. */
  state: Uint32Array;
  failed: boolean;
}

const OUT_BYTES = 256 * 1024;
let out: Buffer | null = null;
let engine: Engine | null | undefined;

/** A zlib inflate handle of this Node, or null when its binding is not the one expected. */
function newEngine(): Engine | null {
  try {
    const inf = zlib.createInflate() as unknown as { _handle?: Partial<ZlibHandle>; _writeState?: unknown };
    const handle = inf._handle;
    const state = inf._writeState;
    if (
      !handle ||
      typeof handle.writeSync !== 'function' ||
      typeof handle.reset !== 'function' ||
      typeof handle.close !== 'function' ||
      !(state instanceof Uint32Array) ||
      state.length < 2
    )
      return null;
    const e: Engine = { handle: handle as ZlibHandle, state, failed: false };
    // An error is reported here (synchronously, from writeSync); the stream object is never involved, so it emits
    // no 'error' event.
    e.handle.onerror = () => {
      e.failed = true;
    };
    return e;
  } catch {
    return null;
  }
}

/** Inflate `data` and check the rows: `expected` bytes in all, a filter byte at every multiple of `rowBytes`. */
export function inflateRows(
  data: Uint8Array,
  expected: number,
  rowBytes: number,
  viaInflateSync = false,
): InflateVerdict {
  if (engine === undefined) engine = newEngine();
  if (!engine || viaInflateSync) return inflateRowsSync(data, expected, rowBytes);
  const e = engine;
  e.handle.reset();
  out ??= Buffer.allocUnsafeSlow(OUT_BYTES);
  // inflateSync's calls: the first with room for `chunk` bytes; a second one only when the first filled it without
  // going over `expected + 1` (it stops as soon as more has come out: chunk is 64 bytes at least).
  const chunk = Math.max(zlib.constants.Z_MIN_CHUNK, expected + 1);
  let produced = 0;
  let nextRow = 0;
  let row = 0;
  let badRow = -1;
  let inOff = 0;
  let availIn = data.byteLength;
  let ended = false;
  for (let call = 0; call < 2 && !ended; call++) {
    if (call === 1 && (produced !== chunk || produced > expected + 1)) break;
    let room = chunk;
    while (room > 0) {
      const space = Math.min(room, OUT_BYTES);
      e.handle.writeSync(zlib.constants.Z_FINISH, data, inOff, availIn, out, 0, space);
      if (e.failed) {
        // The handle is left as the error left it; the next image gets a new one.
        engine = undefined;
        try {
          e.handle.close();
        } catch {
          // already closed by the binding
        }
        return { kind: 'corrupt' };
      }
      const availOut = e.state[0]!;
      const left = e.state[1]!;
      const have = space - availOut;
      for (; nextRow < expected && nextRow < produced + have; nextRow += rowBytes, row++)
        if (badRow < 0 && out[nextRow - produced]! > 4) badRow = row;
      produced += have;
      room -= have;
      inOff += availIn - left;
      availIn = left;
      if (availOut !== 0) {
        ended = true;
        break;
      }
    }
  }
  if (produced > expected) return { kind: 'long' };
  if (produced < expected) return { kind: 'short' };
  return { kind: 'rows', badRow };
}

/** The same verdict through `zlib.inflateSync` (one buffer of the whole image). */
function inflateRowsSync(data: Uint8Array, expected: number, rowBytes: number): InflateVerdict {
  let raw: Buffer;
  try {
    raw = zlib.inflateSync(data, {
      maxOutputLength: expected + 1,
      chunkSize: Math.max(zlib.constants.Z_MIN_CHUNK, expected + 1),
    });
  } catch (e) {
    return errnoCode(e) === 'ERR_BUFFER_TOO_LARGE' ? { kind: 'long' } : { kind: 'corrupt' };
  }
  if (raw.length < expected) return { kind: 'short' };
  if (raw.length > expected) return { kind: 'long' };
  for (let r = 0; r < raw.length / rowBytes; r++) if (raw[r * rowBytes]! > 4) return { kind: 'rows', badRow: r };
  return { kind: 'rows', badRow: -1 };
}
