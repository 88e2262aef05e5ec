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

  const HALF = 1 << (PRECISION_BITS - 1);

  /**
   * The horizontal pass: each output pixel of each row from its taps along the row. The sums are Pillow's int32
   * sums (`| 0` wraps as C's int32 does, so any order of the additions gives Pillow's value); `>> PRECISION_BITS`
   * is its arithmetic shift (floor division), and the clamped array clips to 0..255 as its clip8. One loop per
   * channel count (1 and 3 are what sharp gives after flattening) keeps the sums in locals.
   */
  function horizontal(
    src: Uint8Array,
    width: number,
    height: number,
    channels: number,
    c: Coefficients,
    outWidth: number,
  ): Uint8Array {
    const out = new Uint8ClampedArray(outWidth * height * channels);
    const start = c.start;
    const count = c.count;
    const weights = c.weights;
    const ksize = c.ksize;
    let o = 0;
    for (let y = 0; y < height; y++) {
      const row = y * width * channels;
      for (let xx = 0; xx < outWidth; xx++) {
        const n = count[xx] ?? 0;
        const kb = xx * ksize;
        let p = row + (start[xx] ?? 0) * channels;
        if (channels === 3) {
          let a0 = HALF;
          let a1 = HALF;
          let a2 = HALF;
          for (let x = 0; x < n; x++, p += 3) {
            const w = weights[kb + x] ?? 0;
            a0 = (a0 + (src[p] ?? 0) * w) | 0;
            a1 = (a1 + (src[p + 1] ?? 0) * w) | 0;
            a2 = (a2 + (src[p + 2] ?? 0) * w) | 0;
          }
          out[o] = a0 >> PRECISION_BITS;
          out[o + 1] = a1 >> PRECISION_BITS;
          out[o + 2] = a2 >> PRECISION_BITS;
          o += 3;
        } else if (channels === 1) {
          let a0 = HALF;
          for (let x = 0; x < n; x++, p++) a0 = (a0 + (src[p] ?? 0) * (weights[kb + x] ?? 0)) | 0;
          out[o++] = a0 >> PRECISION_BITS;
        } else {
          for (let ch = 0; ch < channels; ch++) {
            let a = HALF;
            for (let x = 0, q = p + ch; x < n; x++, q += channels) a = (a + (src[q] ?? 0) * (weights[kb + x] ?? 0)) | 0;
            out[o++] = a >> PRECISION_BITS;
          }
        }
      }
    }
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }

  /**
   * The vertical pass: each output row is the weighted sum of its input rows (read along the rows). Up to four taps
   * (every enlargement) in one sweep with the sums in locals; more taps (a reduction) accumulated row by row in an
   * int32 row of sums, which wraps as Pillow's int32 sums do. Then shifted and clipped as above.
   */
  function vertical(src: Uint8Array, stride: number, c: Coefficients, outHeight: number): Uint8Array {
    const out = new Uint8ClampedArray(stride * outHeight);
    const acc = new Int32Array(stride);
    const start = c.start;
    const count = c.count;
    const weights = c.weights;
    for (let yy = 0; yy < outHeight; yy++) {
      const n = count[yy] ?? 0;
      const kb = yy * c.ksize;
      const b = (start[yy] ?? 0) * stride;
      const orow = yy * stride;
      if (n <= 4) {
        // (a missing tap reads row 0 with weight 0)
        const w0 = weights[kb] ?? 0;
        const w1 = n > 1 ? (weights[kb + 1] ?? 0) : 0;
        const w2 = n > 2 ? (weights[kb + 2] ?? 0) : 0;
        const w3 = n > 3 ? (weights[kb + 3] ?? 0) : 0;
        const b1 = n > 1 ? b + stride : 0;
        const b2 = n > 2 ? b + 2 * stride : 0;
        const b3 = n > 3 ? b + 3 * stride : 0;
        for (let i = 0; i < stride; i++) {
          const a =
            (HALF +
              (src[b + i] ?? 0) * w0 +
              (src[b1 + i] ?? 0) * w1 +
              (src[b2 + i] ?? 0) * w2 +
              (src[b3 + i] ?? 0) * w3) |
            0;
          out[orow + i] = a >> PRECISION_BITS;
        }
        continue;
      }
      acc.fill(HALF);
      for (let y = 0; y < n; y++) {
        const w = weights[kb + y] ?? 0;
        const base = b + y * stride;
        for (let i = 0; i < stride; i++) acc[i] = ((acc[i] ?? 0) + (src[base + i] ?? 0) * w) | 0;
      }
      for (let i = 0; i < stride; i++) out[orow + i] = (acc[i] ?? 0) >> PRECISION_BITS;
    }
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }

  /** Resize interleaved 8-bit pixels (`channels` per pixel) from `width`×`height` to `outWidth`×`outHeight`. */
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
    if (outWidth !== width) src = horizontal(src, width, height, channels, coefficients(width, outWidth), outWidth);
    if (outHeight !== height) src = vertical(src, outWidth * channels, coefficients(height, outHeight), outHeight);
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
