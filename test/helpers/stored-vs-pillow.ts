import { runPython } from './python.js';

/** Each stored image, read by pyarrow + Pillow, against Pillow's own reading of its source (upright, RGB). */
export interface StoredVsPillow {
  index: number;
  /** the stored image's format as Pillow reads it: PNG, JPEG */
  format: string;
  /** the stored image carries an ICC profile */
  icc: boolean;
  /** absolute per-channel differences from the source as Pillow reads it (resized to the stored size if needed) */
  mean: number;
  p99: number;
  max: number;
}

const CHECK = String.raw`
import io, json, sys
import numpy as np
import pyarrow.parquet as pq
from PIL import Image, ImageOps

spec = json.loads(sys.argv[1])
rows = []
for shard in spec["shards"]:
    for r in pq.read_table(shard).to_pylist():
        name = str(r["extra_info"]["index"])
        stored = Image.open(io.BytesIO(r["images"][0]["bytes"]))
        stored.load()
        original = ImageOps.exif_transpose(Image.open(spec["files"][name])).convert("RGB")
        if original.size != stored.size:
            original = original.resize(stored.size, Image.Resampling.BICUBIC)
        d = np.abs(np.asarray(stored.convert("RGB"), dtype=np.int64) - np.asarray(original, dtype=np.int64))
        rows.append({"index": int(name), "format": stored.format, "icc": stored.info.get("icc_profile") is not None,
                     "mean": float(d.mean()), "p99": float(np.percentile(d, 99)), "max": int(d.max())})
print(json.dumps(rows))
`;

/**
 * Test helper: read back the shards of a `buildImageRows` build with pyarrow and compare each row's stored image
 * with Pillow's reading of its source file (`spec` as buildImageRows returns it). Needs a venv with pyarrow, Pillow
 * and numpy.
 */
export async function storedVsPillow({
  python,
  spec,
}: {
  python: string;
  spec: { shards: string[]; files: Record<string, string> };
}): Promise<StoredVsPillow[]> {
  return JSON.parse(await runPython(python, CHECK, [JSON.stringify(spec)])) as StoredVsPillow[];
}
