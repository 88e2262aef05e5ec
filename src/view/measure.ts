/**
 * Image sizes and tokens of a row of parquet files made by others (no lengths.jsonl): each image measured as
 * `validate` / `report FILES` measure it (validate's checkImage with the model and pipeline), its header read
 * for the size.
 */
import { probeImage } from '../images/image-input.js';
import { makeCtx, type Ctx } from '../validate/context.js';
import { checkImage } from '../validate/image-check.js';
import type { ViewSource } from './source.js';
import { isObject } from '../core/guards.js';

const ctxs = new WeakMap<ViewSource, Promise<Ctx>>();

function ctxOf(src: ViewSource, model: string): Promise<Ctx> {
  let c = ctxs.get(src);
  if (!c) {
    c = makeCtx(src.target, { model }).then((base) => ({
      ...base,
      cols: { prompt: src.columns.prompt, images: src.columns.images, answer: 'answer' },
      hasTeacher: !!src.columns.teacher,
    }));
    ctxs.set(src, c);
  }
  return c;
}

export interface MeasuredImage {
  size: [number, number] | null;
  tokens: number | null;
  problem: string | null;
}

export async function measureImages(src: ViewSource, model: string, cell: unknown): Promise<MeasuredImage[]> {
  const list: unknown[] = Array.isArray(cell) ? cell : [];
  const ctx = await ctxOf(src, model);
  return Promise.all(
    list.map(async (im, index) => {
      const checked = await checkImage({ image: im, index, ctx });
      const bytes = imageBytes(im);
      let sz: [number, number] | null = null;
      if (bytes?.byteLength) {
        try {
          const p = await probeImage(bytes);
          sz = [p.width, p.height];
        } catch {
          sz = null;
        }
      }
      return { size: sz, tokens: checked.tokens ?? null, problem: checked.problem?.detail ?? null };
    }),
  );
}

/** The bytes of an image cell (a struct with bytes, or raw bytes). */
export function imageBytes(im: unknown): Uint8Array | null {
  if (im instanceof Uint8Array) return im;
  if (isObject(im)) {
    const b = im.bytes;
    if (b instanceof Uint8Array) return b;
  }
  return null;
}

/** The content type of image bytes from their signature (null: not an image format a browser shows). */
export function imageType(b: Uint8Array): string | null {
  const s = (i: number, ...v: number[]) => v.every((x, k) => b[i + k] === x);
  if (s(0, 0x89, 0x50, 0x4e, 0x47)) return 'image/png';
  if (s(0, 0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (s(0, 0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (s(0, 0x52, 0x49, 0x46, 0x46) && s(8, 0x57, 0x45, 0x42, 0x50)) return 'image/webp';
  if (s(0, 0x42, 0x4d)) return 'image/bmp';
  return null;
}
