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
import { GAD_SIZE_PNG } from './gad-size-record.js';

/**
 * The stored image resized to `size` ([w, h]) with Pillow's bicubic (alpha flattened on white, as qwen-vl-utils), as
 * an 8-bit RGB PNG (`GAD_SIZE_PNG`: zlib level 3, no row filtering — the same pixels as sharp's default level 6 in
 * about two thirds of the encoding time, for ~3% more bytes). A grey image (every pixel R = G = B, e.g. a drawing
 * stored as greyscale or RGB) is resized as one channel and written back as three: the bicubic works on each channel
 * alone with the same weights, so the pixels are those of the three-channel resize, for a third of the work.
 */
export async function imageAtSize(bytes: Uint8Array, size: [number, number]): Promise<Uint8Array> {
  const [w, h] = size;
  const { data, info } = await sharp(bytes, { pages: 1, page: 0, ignoreIcc: true })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const px =
    info.channels === 3 && isGrey(data)
      ? toRgb(await resizeBicubicAsync(firstChannel(data), info.width, info.height, 1, w, h))
      : await resizeBicubicAsync(data, info.width, info.height, info.channels, w, h);
  return sharp(px, { raw: { width: w, height: h, channels: info.channels } })
    .png(GAD_SIZE_PNG)
    .toBuffer();
}

/** Whether every pixel of interleaved RGB bytes has R = G = B. */
function isGrey(rgb: Uint8Array): boolean {
  for (let i = 0; i < rgb.length; i += 3) if (rgb[i] !== rgb[i + 1] || rgb[i] !== rgb[i + 2]) return false;
  return true;
}

/** The R channel of interleaved RGB bytes. */
function firstChannel(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  for (let i = 0, j = 0; j < out.length; i += 3, j++) out[j] = rgb[i] ?? 0;
  return out;
}

/** One channel written three times (R = G = B). */
function toRgb(grey: Uint8Array): Uint8Array {
  const out = new Uint8Array(grey.length * 3);
  for (let j = 0, i = 0; j < grey.length; j++, i += 3) {
    const v = grey[j] ?? 0;
    out[i] = v;
    out[i + 1] = v;
    out[i + 2] = v;
  }
  return out;
}
