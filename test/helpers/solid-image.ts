/** Test helper: write a one-colour RGB image made by sharp (PNG or JPEG) to a file, for tests that need real images. */
import sharp, { type Color } from 'sharp';

export async function writeSolidImage({
  file,
  width,
  height,
  background,
  format = 'png',
}: {
  file: string;
  width: number;
  height: number;
  background: Color;
  format?: 'png' | 'jpeg';
}): Promise<void> {
  const img = sharp({ create: { width, height, channels: 3, background } });
  await (format === 'jpeg' ? img.jpeg() : img.png()).toFile(file);
}
