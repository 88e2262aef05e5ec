/**
 * Bicubic resampling as Pillow's `Image.resize(size, Image.BICUBIC)` computes it for 8-bit images, so an image
 * resized here has the pixels the trainer would have produced from the original (transformers' PIL path,
 * qwen-vl-utils `fetch_image` and EasyR1 `process_image` all call Pillow's resize with BICUBIC).
 *
 * The algorithm (Pillow's, documented in its `Resample.c`): a separable convolution, horizontal pass then
 * vertical pass, each output pixel centred at (i + 0.5) · scale in the input; the bicubic kernel (a = −0.5,
 * support 2) is stretched by the scale when shrinking (antialiasing); the weights of each output pixel are
 * normalised to sum 1 and turned into 22-bit fixed point; the intermediate image is rounded and clipped to 8 bits.
 * Doing the same integer arithmetic gives the same bytes as Pillow (checked against Pillow in the interop test).
 */
import { RESAMPLE_WASM_BASE64 } from './resample-wasm.js';

/** The part of the WebAssembly API used here (the ES2023 library this project compiles against does not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/**
 * The resampler as one self-contained function (no imports, no outer names), so that the same code also runs in a
 * worker thread created from its source (see resizeBicubicAsync). `wasm`: the bytes of resample.wat assembled
 * (resample-wasm.ts), whose SIMD loops do the multiply-adds: five to six times faster than the same loops in
 * JavaScript (docs/benchmarks.md), with the same bytes.
 */
function makeResampler(wasm: Uint8Array) {
  /** Pillow's 8-bit precision: 32 bits − 8 (pixel) − 2 (headroom). */
  const PRECISION_BITS = 32 - 8 - 2;
  const BICUBIC_SUPPORT = 2;
  const A = -0.5;
  /** What the loops read and write past a plane (resample.wat: rows are taken 16 bytes at a time). */
  const PAD = 16;
  /** The WebAssembly memory is kept between calls up to this size; a larger one is let go after the call. */
  const KEEP_BYTES = 16 << 20;

  function bicubic(x: number): number {
    const t = x < 0 ? -x : x;
    if (t < 1) return ((A + 2) * t - (A + 3)) * t * t + 1;
    if (t < 2) return (((t - 5) * t + 8) * t - 4) * A;
    return 0;
  }

  interface Coefficients {
    /** First input index of each output pixel. */
    start: Int32Array;
    /** Number of taps of each output pixel. */
    count: Int32Array;
    /** `ksize` fixed-point weights per output pixel. */
    weights: Int32Array;
    ksize: number;
  }

  /** Weights of each output pixel over the input line (Pillow's precompute_coeffs + normalize_coeffs_8bpc). */
  function coefficients(inSize: number, outSize: number): Coefficients {
    const scale = inSize / outSize;
    const filterScale = Math.max(scale, 1);
    const support = BICUBIC_SUPPORT * filterScale;
    const ksize = Math.ceil(support) * 2 + 1;
    const start = new Int32Array(outSize);
    const count = new Int32Array(outSize);
    const weights = new Int32Array(outSize * ksize);
    const k = new Float64Array(ksize);
    const ss = 1 / filterScale;
    for (let xx = 0; xx < outSize; xx++) {
      const center = (xx + 0.5) * scale;
      // C's (int) truncates toward zero; the arguments here can be negative near the left edge.
      const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
      const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
      let ww = 0;
      for (let x = 0; x < xmax; x++) {
        const w = bicubic((x + xmin - center + 0.5) * ss);
        k[x] = w;
        ww += w;
      }
      for (let x = 0; x < xmax; x++) {
        const w = ww !== 0 ? k[x]! / ww : k[x]!;
        const fixed = w * (1 << PRECISION_BITS);
        weights[xx * ksize + x] = fixed < 0 ? Math.trunc(-0.5 + fixed) : Math.trunc(0.5 + fixed);
      }
      start[xx] = xmin;
      count[xx] = xmax;
    }
    return { start, count, weights, ksize };
  }

  /** Where a set of coefficients is in the WebAssembly memory: its start, count and weights arrays, and ksize. */
  type Taps = [start: number, count: number, weights: number, ksize: number];

  interface Kernels {
    memory: WasmMemory;
    /** See resample.wat. */
    vertical(src: number, stride: number, ...rest: [...taps: Taps, outH: number, out: number]): void;
    transpose(src: number, w: number, h: number, c: number, dst: number): void;
  }
  const wa = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  let compiled: object | undefined;
  let kernels: Kernels | undefined;

  function align(n: number): number {
    return Math.ceil(n / 16) * 16;
  }

  /** The bytes a set of coefficients takes in the memory. */
  function bytesOf(c: Coefficients): number {
    return align(8 * c.start.length + 4 * c.weights.length);
  }

  /** Write a set of coefficients into the memory at `at`. */
  function put(memory: WasmMemory, c: Coefficients, at: number): Taps {
    const i32 = new Int32Array(memory.buffer);
    const count = at + 4 * c.start.length;
    const weights = count + 4 * c.count.length;
    i32.set(c.start, at / 4);
    i32.set(c.count, count / 4);
    i32.set(c.weights, weights / 4);
    return [at, count, weights, c.ksize];
  }

  /**
   * Resize interleaved 8-bit pixels (`channels` per pixel) from `width`×`height` to `outWidth`×`outHeight`: the
   * horizontal pass, then the vertical pass, as Pillow (the intermediate image rounded and clipped to 8 bits). The
   * horizontal pass is the vertical loop over the transposed image (its columns of pixels as rows), transposed back.
   */
  function resizeBicubic(
    pixels: Uint8Array,
    width: number,
    height: number,
    channels: number,
    outWidth: number,
    outHeight: number,
  ): Uint8Array {
    if (pixels.length !== width * height * channels)
      throw new Error(`resizeBicubic: ${pixels.length} bytes for ${width}x${height}x${channels}`);
    const across = outWidth !== width;
    const down = outHeight !== height;
    if (!across && !down) return pixels.slice();
    compiled ??= new wa.Module(wasm);
    kernels ??= new wa.Instance(compiled, {}).exports as Kernels;
    const k = kernels;
    const hco = across ? coefficients(width, outWidth) : undefined;
    const vco = down ? coefficients(height, outHeight) : undefined;
    const hBytes = hco ? bytesOf(hco) : 0;
    // two areas, each holding in turn the input, the transposed input or the horizontal result, and the output
    const plane = align(Math.max(width * height, outWidth * height, outWidth * outHeight) * channels + PAD);
    const p1 = hBytes + (vco ? bytesOf(vco) : 0);
    const p2 = p1 + plane;
    const need = p2 + plane;
    if (need > k.memory.buffer.byteLength) k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
    const hTaps = hco && put(k.memory, hco, 0);
    const vTaps = vco && put(k.memory, vco, hBytes);
    // the loops read and write the pixels interleaved: each channel is summed alone, with the same weights
    const mem = new Uint8Array(k.memory.buffer);
    mem.set(pixels, p1);
    let at = p1;
    if (hTaps) {
      k.transpose(p1, width, height, channels, p2);
      k.vertical(p2, height * channels, ...hTaps, outWidth, p1);
      k.transpose(p1, height, outWidth, channels, p2);
      at = p2;
    }
    if (vTaps) {
      const to = at === p1 ? p2 : p1;
      k.vertical(at, outWidth * channels, ...vTaps, outHeight, to);
      at = to;
    }
    const out = mem.slice(at, at + outWidth * outHeight * channels);
    if (k.memory.buffer.byteLength > KEEP_BYTES) kernels = undefined;
    return out;
  }
  return resizeBicubic;
}

/** The loops of resample.wat, assembled. */
const WASM = Buffer.from(RESAMPLE_WASM_BASE64, 'base64');

/**
 * Resize interleaved 8-bit pixels (`channels` per pixel) from `width`×`height` to `outWidth`×`outHeight`, exactly as
 * Pillow's `Image.resize(size, Image.BICUBIC)`.
 */
export const resizeBicubic = makeResampler(WASM);

/** Images up to this many input pixels are resized on the calling thread (a few milliseconds); larger ones in a worker. */
const INLINE_PIXELS = 2_000_000;

/**
 * `resizeBicubic` for any size without blocking the event loop: large images are resized in a worker thread, so the
 * caller's time-out can fire (the worker is then terminated: `signal`) and several images use several cores. Takes
 * resizeBicubic's arguments, then the signal.
 */
export async function resizeBicubicAsync(
  ...args: [...resize: Parameters<typeof resizeBicubic>, signal?: AbortSignal]
): Promise<Uint8Array> {
  const [pixels, width, height, channels, outWidth, outHeight, signal] = args;
  if (width * height <= INLINE_PIXELS) return resizeBicubic(pixels, width, height, channels, outWidth, outHeight);
  // The worker runs the resampler's own source (makeResampler has no imports), so it needs no file of its own and
  // works the same from the compiled package and from the TypeScript sources. `__name` covers a bundler's helper.
  const source =
    `const { parentPort, workerData: d } = require('node:worker_threads');\n` +
    `var __name = (f) => f;\n` +
    `const resize = (${makeResampler.toString()})(d.wasm);\n` +
    `const out = resize(d.pixels, d.width, d.height, d.channels, d.outWidth, d.outHeight);\n` +
    `parentPort.postMessage(out, [out.buffer]);\n`;
  // The worker takes the pixels without a copy when they own their buffer.
  const own = pixels.byteOffset === 0 && pixels.byteLength === pixels.buffer.byteLength ? pixels : pixels.slice();
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(source, {
    eval: true,
    workerData: { pixels: own, width, height, channels, outWidth, outHeight, wasm: WASM },
    transferList: [own.buffer as ArrayBuffer],
  });
  return new Promise<Uint8Array>((resolve, reject) => {
    const stop = () => {
      void worker.terminate();
      reject(new Error('resize aborted (time-out)'));
    };
    if (signal?.aborted) return stop();
    signal?.addEventListener('abort', stop, { once: true });
    worker.once('message', (out: Uint8Array) => {
      signal?.removeEventListener('abort', stop);
      resolve(out);
      void worker.terminate();
    });
    worker.once('error', (e) => {
      signal?.removeEventListener('abort', stop);
      reject(e);
    });
  });
}
