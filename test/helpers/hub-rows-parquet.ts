/**
 * Test helper: a parquet file shaped like a Hub dataset's shard, to serve from the local Hub stand-in: `count` rows
 * { id: `${idPrefix}-${i}`, problem: `<image>${question} ${i}?`, answer: i, images: [{ bytes, path }] } with an
 * embedded flat-colour PNG (64+4i × 48 pixels, colour i) at path `${idPrefix}-${i}.png` (or `imagePath(i)`).
 * Returns the file's bytes.
 */
import { readFileSync } from 'node:fs';
import { flat } from './bad-corpus.js';
import { writeRowsParquet } from './ingest-parquet.js';

export async function writeHubRowsParquet(p: {
  file: string;
  count: number;
  idPrefix: string;
  question: string;
  imagePath?: (i: number) => string;
}): Promise<Uint8Array> {
  const rows = [];
  for (let i = 0; i < p.count; i++) {
    const png = await flat(64 + 4 * i, 48, i)
      .png()
      .toBuffer();
    rows.push({
      id: `${p.idPrefix}-${i}`,
      problem: `<image>${p.question} ${i}?`,
      answer: String(i),
      images: [{ bytes: png, path: p.imagePath ? p.imagePath(i) : `${p.idPrefix}-${i}.png` }],
    });
  }
  await writeRowsParquet(p.file, rows);
  return new Uint8Array(readFileSync(p.file));
}
