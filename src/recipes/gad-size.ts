/**
 * One image grid across the GAD recipe. The GAD stage (verl: qwen-vl-utils' fetch_image with its default bounds,
 * then the processor, which resizes again) and the warmup trainers do not resize the same way: ms-swift and
 * `swift infer` run fetch_image with IMAGE_MIN_TOKEN_NUM / MIN_PIXELS and give the processor `do_resize=False`;
 * LLaMA-Factory scales into [image_min_pixels, image_max_pixels] with int() truncation, then the processor. For
 * Qwen3-VL, whose processor minimum (65536) is above fetch_image's (4096), no setting makes them agree on small
 * images (another grid for about one Geometry3K image in ten). So an image the warmup trainer would see at another
 * grid than the GAD stage is written into the export at the size the GAD stage's processor gives (the build's
 * lengths.jsonl `resized`): a multiple of the factor inside every trainer's bounds, which each of them leaves alone.
 */
import sharp from 'sharp';
import { resizeBicubicAsync } from '../images/resample.js';

/** The stored image resized to `size` ([w, h]) with Pillow's bicubic (alpha flattened on white, as qwen-vl-utils), PNG. */
export async function imageAtSize(bytes: Uint8Array, size: [number, number]): Promise<Uint8Array> {
  const [w, h] = size;
  const { data, info } = await sharp(bytes, { pages: 1, page: 0, ignoreIcc: true })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const px = await resizeBicubicAsync(data, info.width, info.height, info.channels, w, h);
  return sharp(px, { raw: { width: w, height: h, channels: info.channels } })
    .png()
    .toBuffer();
}
