/**
 * The size and format of a build's stored PNG from its IHDR chunk, without sharp: what `probeImage` reports for it
 * (a PNG has no other orientation than an eXIf chunk's, so one with an eXIf chunk is left to `probeImage`). The
 * build wrote and fully decoded these bytes; anything unusual here returns null and the caller probes with sharp.
 */
const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Bit depths allowed per colour type (PNG spec, 11.2.2). */
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
/** Chunk types as big-endian 32-bit numbers (compared without making a string per chunk). */
const chunkType = (t: string) =>
  ((t.charCodeAt(0) << 24) | (t.charCodeAt(1) << 16) | (t.charCodeAt(2) << 8) | t.charCodeAt(3)) >>> 0;
const [IHDR, IDAT, EXIF, IEND] = ['IHDR', 'IDAT', 'eXIf', 'IEND'].map(chunkType);

export function probeStoredImage(bytes: Uint8Array): { width: number; height: number; format: 'png' } | null {
  if (bytes.length < 33 || SIGNATURE.some((v, i) => bytes[i] !== v)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = (at: number) => view.getUint32(at + 4);
  if (view.getUint32(8) !== 13 || type(8) !== IHDR) return null;
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const depth = bytes[24] ?? 0;
  const colour = bytes[25] ?? -1;
  if (!width || !height || !DEPTHS[colour]?.includes(depth)) return null;
  for (let at = 33; at + 8 <= bytes.length; at += 12 + view.getUint32(at)) {
    const t = type(at);
    if (t === IDAT) return { width, height, format: 'png' };
    if (t === EXIF || t === IEND) return null;
  }
  return null;
}
