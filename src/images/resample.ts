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

/**
 * The resampler as one self-contained function (no imports, no outer names), so that the same code also runs in a
 * worker thread created from its source (see resizeBicubicAsync).
 */
function makeResampler() {
  /** Pillow's 8-bit precision: 32 bits − 8 (pixel) − 2 (headroom). */
  const PRECISION_BITS = 32 - 8 - 2;
  const BICUBIC_SUPPORT = 2;
  const A = -0.5;

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

  const ONE = 2 ** PRECISION_BITS;

  /** `sum >> PRECISION_BITS` (arithmetic shift = floor division), clipped to 0..255. */
  function clip8(sum: number): number {
    const r = Math.floor(sum / ONE);
    return r < 0 ? 0 : r > 255 ? 255 : r;
  }

  const HALF = 1 << (PRECISION_BITS - 1);

  /**
   * Resize interleaved 8-bit pixels (`channels` per pixel) from `width`×`height` to `outWidth`×`outHeight`.
   * The sums are exact in doubles (at most 2^8 · 2^22 · taps < 2^53), shifted as Pillow's int32 sums are.
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
    let src = pixels;
    let w = width;
    if (outWidth !== width) {
      const c = coefficients(width, outWidth);
      const out = new Uint8Array(outWidth * height * channels);
      for (let y = 0; y < height; y++) {
        const row = y * width * channels;
        const orow = y * outWidth * channels;
        for (let xx = 0; xx < outWidth; xx++) {
          const s = c.start[xx]!;
          const n = c.count[xx]!;
          const kb = xx * c.ksize;
          for (let ch = 0; ch < channels; ch++) {
            let acc = HALF;
            for (let x = 0; x < n; x++) acc += src[row + (s + x) * channels + ch]! * c.weights[kb + x]!;
            out[orow + xx * channels + ch] = clip8(acc);
          }
        }
      }
      src = out;
      w = outWidth;
    }
    if (outHeight !== height) {
      const c = coefficients(height, outHeight);
      const stride = w * channels;
      const out = new Uint8Array(w * outHeight * channels);
      for (let yy = 0; yy < outHeight; yy++) {
        const s = c.start[yy]!;
        const n = c.count[yy]!;
        const kb = yy * c.ksize;
        const orow = yy * stride;
        for (let i = 0; i < stride; i++) {
          let acc = HALF;
          for (let y = 0; y < n; y++) acc += src[(s + y) * stride + i]! * c.weights[kb + y]!;
          out[orow + i] = clip8(acc);
        }
      }
      src = out;
    }
    return src === pixels ? pixels.slice() : src;
  }
  return resizeBicubic;
}

/**
 * Resize interleaved 8-bit pixels (`channels` per pixel) from `width`×`height` to `outWidth`×`outHeight`, exactly as
 * Pillow's `Image.resize(size, Image.BICUBIC)`.
 */
export const resizeBicubic = makeResampler();

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
    `const resize = (${makeResampler.toString()})();\n` +
    `const out = resize(d.pixels, d.width, d.height, d.channels, d.outWidth, d.outHeight);\n` +
    `parentPort.postMessage(out, [out.buffer]);\n`;
  // The worker takes the pixels without a copy when they own their buffer.
  const own = pixels.byteOffset === 0 && pixels.byteLength === pixels.buffer.byteLength ? pixels : pixels.slice();
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(source, {
    eval: true,
    workerData: { pixels: own, width, height, channels, outWidth, outHeight },
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
