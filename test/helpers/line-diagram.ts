/**
 * Small stand-ins for Geometry3K diagrams: white PNGs crossed by thin coloured lines, and the real Geometry3K sizes
 * at which Qwen3-VL's warmup trainers would see another grid than the GAD stage (so an export writes them at the
 * GAD stage's size). Used by the GAD-size export tests.
 */
import sharp from 'sharp';

/** Real small Geometry3K sizes ([w, h]): the warmup trainers would see them at another grid than the GAD stage. */
export const SMALL_DIAGRAM_SIZES: ReadonlyArray<[number, number]> = [
  [160, 279],
  [164, 247],
  [342, 149],
  [210, 180],
  [120, 300],
];

/** A `w`×`h` RGB PNG of lines; another `seed`, other lines (so other bytes). */
export async function lineDiagram(w: number, h: number, seed: number): Promise<Buffer> {
  const raw = Buffer.alloc(w * h * 3, 255);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      if (x % (11 + seed) === 0 || y % 13 === 0 || Math.abs(x - y) < 2)
        raw.set([20, 40, (x * 5) % 256], (y * w + x) * 3);
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toBuffer();
}
