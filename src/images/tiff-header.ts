/**
 * The first IFD of a TIFF, read as Pillow's TiffImagePlugin reads it to choose a pixel mode, for CMYK only: which
 * sample layouts Pillow opens (its OPEN_INFO table for photometric 5) and which it refuses as "unknown pixel mode".
 */

/** Pillow's OPEN_INFO entries for CMYK (photometric 5), as `bits/extra samples` (sample format 1, fill order 1). */
const PILLOW_CMYK = new Set(['8,8,8,8/', '8,8,8,8,8/0', '8,8,8,8,8,8/0,0', '16,16,16,16/']);

/** The tags read: values of SHORT (3) or LONG (4) entries of IFD0. */
function readIfd0(b: Buffer): Map<number, number[]> | null {
  if (b.length < 8) return null;
  const order = b.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return null;
  const le = order === 'II';
  const u16 = (o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  if (u16(2) !== 42) return null;
  const ifd = u32(4);
  if (ifd + 2 > b.length) return null;
  const n = u16(ifd);
  const tags = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + i * 12;
    if (e + 12 > b.length) return null;
    const tag = u16(e);
    const type = u16(e + 2);
    const count = u32(e + 4);
    const size = type === 3 ? 2 : type === 4 ? 4 : 0;
    if (!size || count > 64) continue;
    const at = size * count <= 4 ? e + 8 : u32(e + 8);
    if (at + size * count > b.length) return null;
    tags.set(
      tag,
      Array.from({ length: count }, (_, j) => (size === 2 ? u16(at + 2 * j) : u32(at + 4 * j))),
    );
  }
  return tags;
}

/** Why Pillow cannot open this CMYK TIFF (e.g. CMYK with an alpha channel), or null (not CMYK, or opened). */
export function tiffCmykProblem(bytes: Uint8Array): string | null {
  const tags = readIfd0(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  if (!tags || tags.get(262)?.[0] !== 5) return null;
  let extra = tags.get(338) ?? [];
  let bps = tags.get(258) ?? [1];
  let spp = tags.get(277)?.[0] ?? 1;
  const planar = tags.get(284)?.[0] ?? 1;
  const fill = tags.get(266)?.[0] ?? 1;
  const format = tags.get(339) ?? [1];
  if (planar === 2 && extra.length && Math.max(...extra) === 0) {
    bps = bps.slice(0, -extra.length);
    spp -= extra.length;
    extra = [];
  }
  if (spp < bps.length) bps = bps.slice(0, spp);
  else if (spp > bps.length && bps.length === 1) bps = Array<number>(spp).fill(bps[0]!);
  const key = `${bps.join(',')}/${extra.join(',')}`;
  const sampleFormat = format.every((f) => f === format[0]) ? format[0] : -1;
  if (PILLOW_CMYK.has(key) && sampleFormat === 1 && fill === 1) return null;
  const alpha = extra.some((x) => x === 1 || x === 2);
  return alpha
    ? `it is CMYK with an alpha channel (ExtraSamples ${extra.join(',')}), a pixel layout Pillow does not know`
    : `it is CMYK with ${spp} samples of ${bps.join(',')} bits (ExtraSamples ${extra.join(',') || 'none'}), a pixel layout Pillow does not know`;
}
