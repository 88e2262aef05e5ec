/**
 * The images an export writes at the GAD stage's size are PNGs of sharp's zlib level 3 without row filtering
 * (faster than its default level 6), and a grey image is resized as one channel: other bytes than before, the same
 * pixels. For real-shaped diagrams (RGB, greyscale, RGB whose pixels are all grey, RGBA with soft edges, palette,
 * JPEG), Pillow — what the trainers decode with — reads the new file as the same RGB pixels as the file the earlier
 * encoder wrote (sharp's default PNG of the three-channel resize), and, where no alpha or JPEG decoder is involved,
 * as Pillow's own `convert('RGB').resize(size, BICUBIC)` of the source. The record's encoder names the PNG settings,
 * so a record of the earlier bytes is not trusted for the new ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { imageAtSize } from '../../src/recipes/gad-size.js';
import { gadSizeEncoder } from '../../src/recipes/gad-size-record.js';
import { resizeBicubic } from '../../src/images/resample.js';
import { ensurePythonVenv, runPython } from '../helpers/python.js';

const python = await ensurePythonVenv(['Pillow', 'numpy']);
const tmp = mkdtempSync(join(tmpdir(), 'gad-size-pixels-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** Sources drawn by Pillow, shaped like Geometry3K's small diagrams, with the GAD stage's size of each. */
const MAKE = String.raw`
import sys
from PIL import Image, ImageDraw
out = sys.argv[1]
def draw(mode, size, bg, ink, fill):
    im = Image.new(mode, size, bg)
    d = ImageDraw.Draw(im)
    w, h = size
    d.line([(5, h - 8), (w - 6, h - 8), (w // 3, 6), (5, h - 8)], fill=ink, width=2)
    d.ellipse([w // 2, h // 3, w // 2 + 40, h // 3 + 40], outline=ink, fill=fill, width=1)
    d.text((w // 2, h - 30), "x = 12", fill=ink)
    return im
draw("RGB", (295, 175), (255, 255, 255), (20, 40, 200), (250, 200, 120)).save(out + "/rgb.png")
draw("L", (239, 295), 255, 0, 180).save(out + "/grey.png")
draw("RGB", (207, 182), (255, 255, 255), (0, 0, 0), (128, 128, 128)).save(out + "/grey-rgb.png")
a = draw("RGBA", (228, 211), (255, 255, 255, 0), (200, 0, 0, 255), (0, 120, 0, 90))
a.save(out + "/rgba.png")
draw("RGB", (273, 223), (255, 255, 255), (0, 0, 0), (200, 60, 60)).quantize(16).save(out + "/palette.png")
draw("RGB", (160, 279), (255, 255, 255), (30, 30, 30), (90, 160, 230)).save(out + "/photo.jpg", quality=90)
`;

const SOURCES: Array<{ file: string; size: [number, number]; pillow: boolean }> = [
  { file: 'rgb.png', size: [352, 192], pillow: true },
  { file: 'grey.png', size: [224, 288], pillow: true },
  { file: 'grey-rgb.png', size: [288, 256], pillow: true },
  { file: 'rgba.png', size: [256, 256], pillow: false },
  { file: 'palette.png', size: [288, 224], pillow: true },
  { file: 'photo.jpg', size: [192, 352], pillow: false },
];

/** The earlier encoder: the three-channel resize written with sharp's default PNG settings. */
async function before(bytes: Uint8Array, [w, h]: [number, number]): Promise<Buffer> {
  const { data, info } = await sharp(bytes, { pages: 1, page: 0, ignoreIcc: true })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const px = resizeBicubic(data, info.width, info.height, info.channels, w, h);
  return sharp(px, { raw: { width: w, height: h, channels: info.channels } })
    .png()
    .toBuffer();
}

const COMPARE = String.raw`
import json, sys
import numpy as np
from PIL import Image
rows = []
for c in json.loads(open(sys.argv[1]).read()):
    new, old = Image.open(c["new"]), Image.open(c["old"])
    r = {"file": c["file"], "mode": new.mode, "oldMode": old.mode, "size": list(new.size), "format": new.format,
         "sameAsBefore": bool(new.size == old.size and (np.asarray(new) == np.asarray(old)).all())}
    if c["pillow"]:
        src = Image.open(c["source"]).convert("RGB").resize(tuple(c["size"]), Image.Resampling.BICUBIC)
        r["sameAsPillow"] = bool((np.asarray(new.convert("RGB")) == np.asarray(src)).all())
    rows.append(r)
print(json.dumps(rows))
`;

test('GAD-size PNGs: new bytes, the same pixels as before for Pillow', { timeout: 600_000 }, async (t) => {
  if (!python) return t.skip('no Python venv with Pillow');
  await runPython(python, MAKE, [tmp]);
  const cases = [];
  for (const s of SOURCES) {
    const source = join(tmp, s.file);
    const bytes = readFileSync(source);
    const neu = await imageAtSize(bytes, s.size);
    const old = await before(bytes, s.size);
    // the one-time change of the export's bytes (what the record's encoder has to say)
    assert.notDeepEqual(Buffer.from(neu), old, `${s.file}: the PNG bytes should differ from the earlier encoder's`);
    writeFileSync(join(tmp, `${s.file}.new.png`), neu);
    writeFileSync(join(tmp, `${s.file}.old.png`), old);
    cases.push({ ...s, source, new: join(tmp, `${s.file}.new.png`), old: join(tmp, `${s.file}.old.png`) });
  }
  writeFileSync(join(tmp, 'cases.json'), JSON.stringify(cases));
  const rows = JSON.parse(await runPython(python, COMPARE, [join(tmp, 'cases.json')])) as Array<{
    file: string;
    mode: string;
    oldMode: string;
    size: [number, number];
    format: string;
    sameAsBefore: boolean;
    sameAsPillow?: boolean;
  }>;
  assert.equal(rows.length, SOURCES.length);
  for (const [k, r] of rows.entries()) {
    const s = SOURCES[k]!;
    assert.deepEqual(
      { format: r.format, mode: r.mode, oldMode: r.oldMode, size: r.size, sameAsBefore: r.sameAsBefore },
      { format: 'PNG', mode: 'RGB', oldMode: 'RGB', size: s.size, sameAsBefore: true },
      r.file,
    );
    if (s.pillow) assert.equal(r.sameAsPillow, true, `${r.file}: Pillow's own bicubic of the source`);
  }
});

test('the record names the PNG settings: records of the earlier bytes are not trusted', () => {
  const encoder = gadSizeEncoder();
  assert.match(encoder, /png \{"compressionLevel":3,"adaptiveFiltering":false\}$/);
  assert.doesNotMatch(encoder, /bicubic png 1$/);
});
