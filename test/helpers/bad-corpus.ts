/**
 * Test helper: a corpus of bad and odd inputs, generated on the fly (nothing large is committed).
 * Images are made with sharp, a decompression-bomb PNG header by hand, parquet inputs with
 * apache-arrow + parquet-wasm (test/helpers/ingest-parquet.ts) or DuckDB.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';

/** CRC-32 (PNG chunks). */
function crc32(buf: Uint8Array): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), Buffer.from(data)]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A valid PNG signature + IHDR of `width`×`height` RGB 8-bit, a tiny IDAT and IEND: a bomb header, ~60 bytes. */
export function bombPng(width = 30000, height = 30000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(16))),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

/** Deterministic pseudo-random bytes (xorshift32). */
export function pseudoRandomBytes(n: number, seed = 1): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** A noisy RGB image (hard to compress, so truncating it really cuts pixel data). */
export function noise(width: number, height: number, seed: number) {
  return sharp(pseudoRandomBytes(width * height * 3, seed), { raw: { width, height, channels: 3 } });
}

/** A flat RGB image of a colour derived from `seed` (distinct images for distinct seeds). */
export function flat(width: number, height: number, seed: number) {
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: { r: (seed * 53) % 256, g: (seed * 97) % 256, b: (seed * 193) % 256 },
    },
  });
}

/** An animated GIF of `frames` frames of `width`×`height`. */
export async function animatedGif(width: number, height: number, frames: number): Promise<Buffer> {
  const pages = await Promise.all(
    Array.from({ length: frames }, (_, i) =>
      flat(width, height, 100 + i)
        .png()
        .toBuffer(),
    ),
  );
  return sharp(pages, { join: { animated: true } })
    .gif({ loop: 0, delay: 100 })
    .toBuffer();
}

export type RowCase = {
  /** Row id (also names the case). */
  id: string;
  /** Expected reason in dropped.jsonl, or null when the row must be kept. */
  reason: string | null;
  /** For kept odd images: the written size [w, h] the pipeline gives (checked by the test), when known. */
  note?: string;
};

export interface JsonlCorpus {
  dir: string;
  jsonl: string;
  imageDir: string;
  teacher: string;
  cases: RowCase[];
  goodIds: string[];
}

const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="#c33"/></svg>\n';

/** The image files of the corpus (name → bytes), good and bad. */
export async function corpusImages(): Promise<Record<string, Uint8Array>> {
  const pngNoise = await noise(96, 96, 7).png().toBuffer();
  const jpgNoise = await noise(96, 96, 8).jpeg({ quality: 90 }).toBuffer();
  const img: Record<string, Uint8Array> = {
    'truncated.png': pngNoise.subarray(0, Math.floor(pngNoise.length / 2)),
    'truncated.jpg': jpgNoise.subarray(0, Math.floor(jpgNoise.length / 2)),
    'zero.png': new Uint8Array(0),
    'random.png': pseudoRandomBytes(4096, 42),
    'bomb.png': bombPng(30000, 30000),
    'aspect-1-300.png': await flat(600, 2, 3).png().toBuffer(),
    'one-by-one.png': await flat(1, 1, 4).png().toBuffer(),
    'sixteen-bit.png': await flat(80, 60, 5).toColourspace('rgb16').png().toBuffer(),
    'cmyk.jpg': await flat(80, 60, 6).toColourspace('cmyk').jpeg({ quality: 90 }).toBuffer(),
    'animated.gif': await animatedGif(70, 50, 3),
    // stored 120×60, EXIF orientation 6 (rotate 90° clockwise to view): 60×120 as displayed
    'exif-rotated.jpg': await flat(120, 60, 9).jpeg({ quality: 90 }).withMetadata({ orientation: 6 }).toBuffer(),
    'drawing.svg': new Uint8Array(Buffer.from(SVG)),
  };
  return img;
}

/**
 * The image cases of both corpora: row id, file in the image set, expected drop reason (null: odd but valid,
 * kept and written as 8-bit RGB at the pipeline's size).
 */
const IMAGE_CASES: ReadonlyArray<[string, string, string | null]> = [
  ['truncated-png', 'truncated.png', 'image_undecodable'],
  ['truncated-jpeg', 'truncated.jpg', 'image_undecodable'],
  ['zero-bytes', 'zero.png', 'image_undecodable'],
  ['random-bytes', 'random.png', 'image_undecodable'],
  ['bomb-30000', 'bomb.png', 'image_too_large'],
  ['aspect-1-300', 'aspect-1-300.png', 'aspect_ratio'],
  ['svg-text', 'drawing.svg', 'image_undecodable'],
  ['one-by-one', 'one-by-one.png', null],
  ['sixteen-bit-png', 'sixteen-bit.png', null],
  ['cmyk-jpeg', 'cmyk.jpg', null],
  ['animated-gif', 'animated.gif', null],
  ['exif-rotated-jpeg', 'exif-rotated.jpg', null],
];

/**
 * A jsonl corpus: good rows mixed with one row per bad or odd case, images in a folder beside it
 * (referenced by relative path), a teacher file with one response per id.
 */
export async function writeJsonlCorpus(dir: string, nGood = 6): Promise<JsonlCorpus> {
  const imageDir = join(dir, 'images');
  await mkdir(imageDir, { recursive: true });
  const images = await corpusImages();
  for (const [name, bytes] of Object.entries(images)) await writeFile(join(imageDir, name), bytes);
  // a file outside the image folder, that the `..` path points at (it must not be read)
  await writeFile(join(dir, 'outside.png'), await flat(64, 64, 77).png().toBuffer());

  const lines: string[] = [];
  const cases: RowCase[] = [];
  const goodIds: string[] = [];
  const row = (o: Record<string, unknown>) => lines.push(JSON.stringify(o));
  for (let i = 0; i < nGood; i++) {
    const name = `good-${i}.png`;
    await writeFile(
      join(imageDir, name),
      await flat(64 + 8 * i, 48, 200 + i)
        .png()
        .toBuffer(),
    );
    const id = `good-${i}`;
    goodIds.push(id);
    row({
      id,
      problem: `<image>Good question number ${i}: what is ${i} + ${i}?`,
      answer: String(2 * i),
      images: [name],
    });
  }
  const imageCase = (id: string, file: string, reason: string | null) => {
    cases.push({ id, reason });
    row({ id, problem: `<image>Question about ${id}.`, answer: '1', images: [file] });
  };
  for (const [id, file, reason] of IMAGE_CASES) imageCase(id, file, reason);
  imageCase('missing-file', 'no-such-file.png', 'image_undecodable');

  cases.push({ id: 'dotdot-path', reason: 'image_outside_root' });
  row({ id: 'dotdot-path', problem: '<image>Escaping path.', answer: '1', images: ['../outside.png'] });
  cases.push({ id: 'two-tags-one-image', reason: 'image_count_mismatch' });
  row({ id: 'two-tags-one-image', problem: '<image><image>Two tags.', answer: '1', images: ['good-0.png'] });
  cases.push({ id: 'one-tag-no-image', reason: 'image_count_mismatch' });
  row({ id: 'one-tag-no-image', problem: '<image>One tag, no image.', answer: '1', images: [] });
  cases.push({ id: 'empty-prompt', reason: 'empty_prompt' });
  row({ id: 'empty-prompt', problem: '', answer: '1', images: ['good-1.png'] });
  cases.push({ id: 'null-prompt', reason: 'empty_prompt' });
  row({ id: 'null-prompt', problem: null, answer: '1', images: ['good-1.png'] });
  cases.push({ id: 'null-images', reason: 'no_image' });
  row({ id: 'null-images', problem: 'No image at all.', answer: '1', images: null });
  cases.push({ id: 'prompt-is-object', reason: 'bad_row' });
  row({ id: 'prompt-is-object', problem: { text: 'not a string' }, answer: '1', images: ['good-2.png'] });
  cases.push({ id: 'images-is-number', reason: 'bad_row' });
  row({ id: 'images-is-number', problem: '<image>Images cell is a number.', answer: '1', images: 12345 });
  cases.push({ id: 'null-answer', reason: null });
  row({ id: 'null-answer', problem: '<image>Null answer is fine for GAD.', answer: null, images: ['good-3.png'] });

  // a broken JSON line (its row id is `<source>#<index>`; the test finds it by detail) and a non-UTF-8 line
  const text = Buffer.concat([
    ...lines.map((l) => Buffer.from(`${l}\n`)),
    Buffer.from('{"id": "broken-json", "problem": "<image>unterminated\n'),
    Buffer.from('{"id": "non-utf8", "problem": "<image>caf'),
    Buffer.from([0xe9, 0xff]), // latin-1 é and a byte that is never valid UTF-8
    Buffer.from('", "answer": "1", "images": ["good-4.png"]}\n'),
    Buffer.from(
      `${JSON.stringify({ id: 'good-last', problem: '<image>A good row after the broken lines.', answer: '9', images: ['good-5.png'] })}\n`,
    ),
  ]);
  goodIds.push('good-last');
  const jsonl = join(dir, 'train.jsonl');
  await writeFile(jsonl, text);

  const ids = [...goodIds, ...cases.map((c) => c.id), 'broken-json', 'non-utf8'];
  const teacher = join(dir, 'teacher.jsonl');
  await writeFile(
    teacher,
    ids.map((id) => JSON.stringify({ id, response: `The answer for ${id} is \\boxed{1}.` })).join('\n') + '\n',
  );
  return { dir, jsonl, imageDir, teacher, cases, goodIds };
}

export interface ParquetCorpus {
  parquet: string;
  imageDir: string;
  teacher: string;
  cases: RowCase[];
  goodIds: string[];
}

/**
 * The row-level cases as one parquet file (verl/HF shape: images as list<struct<bytes, path>> with the bytes
 * embedded), mixed with good rows, written with apache-arrow + parquet-wasm in row groups of 8 rows.
 */
export async function writeParquetCorpus(dir: string, nGood = 6): Promise<ParquetCorpus> {
  const { writeRowsParquet } = await import('./ingest-parquet.js');
  const imageDir = join(dir, 'pq-images');
  await mkdir(imageDir, { recursive: true });
  await writeFile(join(dir, 'pq-outside.png'), await flat(64, 64, 78).png().toBuffer());
  const images = await corpusImages();
  const rows: Array<{
    id: string;
    problem: string | null;
    answer: string | null;
    images: Array<{ bytes: Uint8Array | null; path: string | null }> | null;
  }> = [];
  const cases: RowCase[] = [];
  const goodIds: string[] = [];
  for (let i = 0; i < nGood; i++) {
    const id = `pq-good-${i}`;
    goodIds.push(id);
    rows.push({
      id,
      problem: `<image>Parquet good question ${i}.`,
      answer: String(i),
      images: [
        {
          bytes: await flat(72 + 8 * i, 40, 300 + i)
            .png()
            .toBuffer(),
          path: `${id}.png`,
        },
      ],
    });
  }
  const imageCase = (id: string, file: string, reason: string | null) => {
    cases.push({ id, reason });
    rows.push({
      id,
      problem: `<image>Parquet question about ${id}.`,
      answer: '1',
      images: [{ bytes: images[file]!, path: file }],
    });
  };
  for (const [id, file, reason] of IMAGE_CASES) imageCase(`pq-${id}`, file, reason);
  const good0 = rows[0]!.images![0]!.bytes!;
  cases.push({ id: 'pq-dotdot-path', reason: 'image_outside_root' });
  rows.push({
    id: 'pq-dotdot-path',
    problem: '<image>Path only, escaping.',
    answer: '1',
    images: [{ bytes: null, path: '../pq-outside.png' }],
  });
  cases.push({ id: 'pq-two-tags', reason: 'image_count_mismatch' });
  rows.push({
    id: 'pq-two-tags',
    problem: '<image> and <image>?',
    answer: '1',
    images: [{ bytes: good0, path: null }],
  });
  cases.push({ id: 'pq-null-prompt', reason: 'empty_prompt' });
  rows.push({ id: 'pq-null-prompt', problem: null, answer: '1', images: [{ bytes: good0, path: null }] });
  cases.push({ id: 'pq-empty-prompt', reason: 'empty_prompt' });
  rows.push({ id: 'pq-empty-prompt', problem: '', answer: '1', images: [{ bytes: good0, path: null }] });
  cases.push({ id: 'pq-null-images', reason: 'no_image' });
  rows.push({ id: 'pq-null-images', problem: 'No image here.', answer: '1', images: null });
  cases.push({ id: 'pq-empty-image-list', reason: 'image_count_mismatch' });
  rows.push({ id: 'pq-empty-image-list', problem: '<image>Empty image list.', answer: '1', images: [] });
  cases.push({ id: 'pq-null-struct-fields', reason: 'bad_row' });
  rows.push({
    id: 'pq-null-struct-fields',
    problem: '<image>Both fields null.',
    answer: '1',
    images: [{ bytes: null, path: null }],
  });
  cases.push({ id: 'pq-null-answer', reason: null });
  rows.push({
    id: 'pq-null-answer',
    problem: '<image>Null answer.',
    answer: null,
    images: [{ bytes: await flat(50, 50, 400).png().toBuffer(), path: null }],
  });
  const parquet = join(dir, 'train.parquet');
  // null cells are written as nulls (GenRow types them as optional)
  await writeRowsParquet(parquet, rows as unknown as Parameters<typeof writeRowsParquet>[1], { rowGroupRows: 8 });
  const teacher = join(dir, 'pq-teacher.jsonl');
  await writeFile(
    teacher,
    rows.map((r) => JSON.stringify({ id: r.id, response: `Teacher says \\boxed{${r.id}}.` })).join('\n') + '\n',
  );
  return { parquet, imageDir, teacher, cases, goodIds };
}
