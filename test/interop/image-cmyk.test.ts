/**
 * Interop (issue: a converted CMYK image must hold what the trainer reads): verl, EasyR1, qwen-vl-utils and
 * transformers open a CMYK JPEG or TIFF with Pillow and call `convert("RGB")`, Pillow's own formula without colour
 * management. sharp converted CMYK to sRGB through a colour profile instead, tens of levels off. Here CMYK images
 * written by Pillow (a JPEG, an EXIF-rotated JPEG, a TIFF, a TIFF shrunk over max_pixels, a 16-bit TIFF) are put
 * through a default build and the stored pixels are compared with Pillow's `Image.open(f).convert("RGB")`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePythonVenv, runPython } from '../helpers/python.js';
import { buildImageRows } from '../helpers/build-image-rows.js';
import { storedVsPillow } from '../helpers/stored-vs-pillow.js';

const python = await ensurePythonVenv(['pyarrow', 'Pillow', 'numpy']);
const tmp = mkdtempSync(join(tmpdir(), 'gad-image-cmyk-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** Writes the CMYK images (Pillow's `convert("CMYK")` of a colourful picture, plus random K) into argv[1]. */
const MAKE = String.raw`
import struct, sys
import numpy as np
from PIL import Image

out = sys.argv[1]
def picture(w, h):
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.stack([x * 255 // w, y * 255 // h, np.where(x % 17 < 8, 230, 20)], -1).astype(np.uint8)
    cmyk = np.asarray(Image.fromarray(rgb, "RGB").convert("CMYK")).copy()
    cmyk[..., 3] = (x * 7 + y * 3) % 160  # some black, which Pillow's convert("CMYK") never writes
    return Image.fromarray(cmyk, "CMYK")

picture(200, 150).save(out + "/cmyk.jpg", quality=95)
exif = Image.Exif()
exif[0x0112] = 6
picture(200, 150).save(out + "/cmyk-rotated.jpg", quality=95, exif=exif)
picture(200, 150).save(out + "/cmyk.tif")
picture(400, 300).save(out + "/cmyk-big.tif", compression="tiff_lzw")

# A 16-bit CMYK TIFF (Pillow cannot write one): little-endian, one uncompressed strip.
w, h = 120, 90
data = (np.asarray(picture(w, h)).astype("<u2") * 256 + np.arange(w)[None, :, None] % 200).astype("<u2").tobytes()
entries = [(256, 3, 1, w), (257, 3, 1, h), (258, 3, 4, 8 + 2 + 10 * 12 + 4), (259, 3, 1, 1), (262, 3, 1, 5),
           (273, 4, 1, 8 + 2 + 10 * 12 + 4 + 8), (277, 3, 1, 4), (278, 3, 1, h), (279, 4, 1, len(data)), (284, 3, 1, 1)]
b = b"II*\0" + struct.pack("<IH", 8, len(entries))
for tag, typ, n, v in entries:
    b += struct.pack("<HHIHH", tag, typ, n, v, 0) if typ == 3 and n == 1 else struct.pack("<HHII", tag, typ, n, v)
b += struct.pack("<I4H", 0, 16, 16, 16, 16) + data
open(out + "/cmyk16.tif", "wb").write(b)
for f in ["cmyk.jpg", "cmyk-rotated.jpg", "cmyk.tif", "cmyk-big.tif", "cmyk16.tif"]:
    im = Image.open(out + "/" + f)
    assert im.mode == "CMYK", (f, im.mode)
`;

test(
  "a CMYK JPEG or TIFF is written as Pillow's convert('RGB') of it, not converted through a colour profile",
  { skip: python ? false : 'no Python venv (see the log)', timeout: 600_000 },
  async () => {
    const dir = join(tmp, 'cmyk');
    mkdirSync(join(dir, 'images'), { recursive: true });
    await runPython(python!, MAKE, [join(dir, 'images')]);
    // [file, exact?]: lossless outputs must equal Pillow's values; a JPEG is re-encoded at quality 100.
    const imgs: Array<[string, boolean]> = [
      ['cmyk.jpg', false],
      ['cmyk-rotated.jpg', false],
      ['cmyk.tif', true],
      ['cmyk-big.tif', true],
      ['cmyk16.tif', true],
    ];
    const { out, lengths, spec } = await buildImageRows({ dir, files: imgs.map(([file]) => file) });
    assert.equal(lengths.length, imgs.length, `every image kept: ${readFileSync(join(out, 'dropped.jsonl'), 'utf8')}`);
    const big = lengths.find((l) => l.index === 3)!;
    assert.ok((big.written[0][0] as number) < 400, `the big TIFF was shrunk (${JSON.stringify(big.written)})`);
    const rotated = lengths.find((l) => l.index === 1)!;
    assert.deepEqual(rotated.written[0], [150, 200], 'the rotated JPEG was turned upright');
    const rows = await storedVsPillow({ python: python!, spec });
    assert.equal(rows.length, imgs.length);
    for (const r of rows) {
      const [file, exact] = imgs[r.index]!;
      const diff = `${file} → ${r.format}: differs from Pillow's convert("RGB") by mean ${r.mean}, max ${r.max}`;
      assert.equal(r.format, exact ? 'PNG' : 'JPEG', file);
      if (exact) assert.equal(r.max, 0, diff);
      else assert.ok(r.mean <= 0.5 && r.max <= 4, diff);
    }
  },
);
