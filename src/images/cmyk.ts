/**
 * CMYK to RGB as the trainers' Pillow converts it. verl, EasyR1, qwen-vl-utils and transformers open a CMYK JPEG
 * or TIFF with Pillow and call `convert("RGB")`, which is not colour-managed (the embedded ICC profile is ignored):
 * libImaging/Convert.c `cmyk2rgb`, per channel `255 - k - c * (255 - k) / 255` in integer arithmetic. Pillow reads
 * every 4-component JPEG as Adobe-inverted CMYK ('CMYK;I'), and so does libvips: the CMYK values both hold are the
 * same, checked against Pillow 12.3 for CMYK JPEGs written by Pillow and by sharp (with or without the Adobe marker)
 * and for CMYK TIFFs (raw and JPEG-compressed). A 16-bit CMYK TIFF is read by Pillow as 8-bit, each sample's high
 * byte ('CMYK;16L' / 'CMYK;16B'), then converted the same way.
 */

/** Pillow's MULDIV255: round(a * b / 255) in integers. */
function mulDiv255(a: number, b: number): number {
  const t = a * b + 128;
  return ((t >> 8) + t) >> 8;
}

/**
 * Pillow's `Image.convert("RGB")` of a CMYK image: `cmyk` holds `pixels` pixels of `channels` (≥ 4) samples,
 * C M Y K first, 8-bit (Uint8Array) or 16-bit (Uint16Array: the high byte is kept, as Pillow reads it); the
 * result is 3 channels, 8-bit.
 */
export function cmykToRgbAsPillow(cmyk: Uint8Array | Uint16Array, pixels: number, channels: number): Uint8Array {
  const shift = cmyk instanceof Uint16Array ? 8 : 0;
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0, s = 0, d = 0; i < pixels; i++, s += channels, d += 3) {
    const nk = 255 - (cmyk[s + 3]! >> shift);
    rgb[d] = nk - mulDiv255(cmyk[s]! >> shift, nk);
    rgb[d + 1] = nk - mulDiv255(cmyk[s + 1]! >> shift, nk);
    rgb[d + 2] = nk - mulDiv255(cmyk[s + 2]! >> shift, nk);
  }
  return rgb;
}
