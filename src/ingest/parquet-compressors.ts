/**
 * The decompressors a parquet read uses. zstd goes through libzstd's WebAssembly (zstd-wasm.ts: about ten times
 * faster than the pure-JavaScript fzstd on a cold start, most of a shard's decoding time). A file whose column chunks
 * are all zstd or uncompressed (every shard a build writes) is read with that alone, without loading
 * hyparquet-compressors (its snappy WebAssembly, brotli, gzip and lz4: tens of milliseconds of start-up); the reader
 * reads a row group again with the full set (`allCompressors`, fzstd behind libzstd) when the light one fails on it,
 * so the rows or the error are those of the full set.
 */
import type { Compressors, FileMetaData } from 'hyparquet';

/** hyparquet-compressors' decompressors, zstd through libzstd first, fzstd for a page it does not give whole. */
export async function allCompressors(): Promise<Compressors> {
  const [{ compressors }, wasm] = await Promise.all([import('hyparquet-compressors'), import('./zstd-wasm.js')]);
  try {
    await wasm.zstdWasmReady();
  } catch {
    return compressors; // (no WebAssembly here: fzstd alone)
  }
  const fzstd = compressors.ZSTD;
  if (!fzstd) return compressors;
  return { ...compressors, ZSTD: (input, n) => wasm.zstdWasmDecompress(input, n) ?? fzstd(input, n) };
}

/** Raised by the light zstd for a page libzstd does not give whole: the row group is read again with the full set. */
class NotWhole extends Error {}

/**
 * The decompressors for `metadata`'s file: `light` (libzstd alone) when every column chunk is zstd or uncompressed
 * and the WebAssembly loads, else the full set.
 */
export async function parquetCompressors(
  metadata: FileMetaData,
): Promise<{ compressors: Compressors; light: boolean }> {
  const codecs = new Set(metadata.row_groups.flatMap((rg) => rg.columns.map((c) => c.meta_data?.codec)));
  const lightEnough = [...codecs].every((c) => c === 'UNCOMPRESSED' || c === 'ZSTD');
  if (lightEnough) {
    const wasm = await import('./zstd-wasm.js');
    try {
      await wasm.zstdWasmReady();
      const ZSTD = (input: Uint8Array, n: number) => {
        const out = wasm.zstdWasmDecompress(input, n);
        if (!out) throw new NotWhole('zstd page not decompressed by libzstd');
        return out;
      };
      return { compressors: { ZSTD }, light: true };
    } catch {
      /* no WebAssembly here: the full set */
    }
  }
  return { compressors: await allCompressors(), light: false };
}
