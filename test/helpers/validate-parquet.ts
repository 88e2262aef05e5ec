import { writeFile } from 'node:fs/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import sharp from 'sharp';

/** A real PNG of w×h with a gradient (so it is not a blank image). */
export async function pngOf(w: number, h: number): Promise<Uint8Array> {
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      raw[o] = (x * 7) & 255;
      raw[o + 1] = (y * 5) & 255;
      raw[o + 2] = ((x + y) * 3) & 255;
    }
  return new Uint8Array(
    await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

export interface CraftRow {
  /** verl: chat messages; EasyR1: a string. */
  prompt: Array<{ role: string; content: string }> | string;
  /** Image structs; `bytes: null` for a path-only image. */
  images: Array<{ bytes: Uint8Array | null; path: string | null }>;
  answer?: string;
  teacher?: string | null;
}

const hex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString('hex') : null);

/**
 * Writes a parquet file with DuckDB (an independent writer): verl layout (`prompt` list<struct<role, content>>,
 * `images` list<struct<bytes, path>>, `data_source`, `reward_model`, optional `teacher_response`) or EasyR1
 * layout (`problem`, `answer`, `images`).
 */
export async function writeCraftedParquet(file: string, rows: CraftRow[], layout: 'verl' | 'easyr1'): Promise<void> {
  const json = file + '.rows.json';
  await writeFile(
    json,
    JSON.stringify(
      rows.map((r) => ({
        p: layout === 'verl' ? null : r.prompt,
        msgs: layout === 'verl' ? r.prompt : null,
        imgs: r.images.map((im) => ({ hex: hex(im.bytes), path: im.path })),
        answer: r.answer ?? '1',
        teacher: r.teacher ?? null,
      })),
    ),
  );
  const inst = await DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  try {
    const images = `list_transform(imgs, x -> {'bytes': unhex(x.hex::VARCHAR), 'path': x.path::VARCHAR}) AS images`;
    const teacher = rows.some((r) => r.teacher !== undefined) ? `, teacher::VARCHAR AS teacher_response` : '';
    const cols =
      layout === 'verl'
        ? `'geo' AS data_source, list_transform(msgs, m -> {'role': m.role::VARCHAR, 'content': m.content::VARCHAR}) AS prompt, ${images}, 'math' AS ability, {'style': 'rule', 'ground_truth': answer::VARCHAR} AS reward_model${teacher}`
        : `p::VARCHAR AS problem, answer::VARCHAR AS answer, ${images}${teacher}`;
    const schema =
      "{'p': 'VARCHAR', 'msgs': 'STRUCT(role VARCHAR, content VARCHAR)[]', 'imgs': 'STRUCT(hex VARCHAR, path VARCHAR)[]', 'answer': 'VARCHAR', 'teacher': 'VARCHAR'}";
    await con.run(
      `COPY (SELECT ${cols} FROM read_json('${json.replace(/'/g, "''")}', columns = ${schema}, format = 'array')) TO '${file.replace(/'/g, "''")}' (FORMAT parquet)`,
    );
  } finally {
    con.closeSync();
    inst.closeSync();
  }
}
