/** One PNG chunk as it stands in a file: length, type, data, CRC-32 over type + data. For crafting PNGs in tests. */
import { crc32 } from 'node:zlib';

export function pngChunk({ type, data }: { type: string; data: Buffer }): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0);
  return Buffer.concat([head, data, crc]);
}
