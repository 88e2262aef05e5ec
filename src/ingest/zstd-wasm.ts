/**
 * zstd through @bokuweb/zstd-wasm (libzstd compiled to WebAssembly), loaded once per process: the shard writer
 * compresses with it, the parquet reader decompresses with it. Its `init` must run once only (a second one
 * replaces the instance under views of the first one's memory), hence one shared promise.
 */
import { decompress, init } from '@bokuweb/zstd-wasm';

let ready: Promise<void> | null = null;

/** Load the WebAssembly module (once; later calls share the first). */
export function zstdWasmReady(): Promise<void> {
  return (ready ??= init());
}

/**
 * A parquet page's zstd data decompressed with libzstd (after `zstdWasmReady`), or null when it gives no
 * `outputLength` bytes (an error, several frames of which the first does not tell the whole size): the caller then
 * decompresses it as before (fzstd), which gives its result or its error.
 */
export function zstdWasmDecompress(input: Uint8Array, outputLength: number): Uint8Array | null {
  try {
    const out = decompress(input, { defaultHeapSize: outputLength });
    return out.length === outputLength ? out : null;
  } catch {
    return null;
  }
}
