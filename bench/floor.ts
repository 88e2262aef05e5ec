/**
 * The pyarrow floor of a build: a Python script (pyarrow only) that reads each jsonl row's image bytes and writes
 * the same verl-schema parquet as `gad-data build` (zstd, row groups of 128), and nothing else — no image check,
 * no token counts, no filters, no report. Run with the test venv's python as
 * `python -c PYARROW_FLOOR train.jsonl images/ out.parquet`. Used by bench/distinct.ts and bench/geometry-floor.ts.
 *
 * pandas is kept out: pyarrow imports it on its first `Table.from_pylist` when it is installed (to ask whether the
 * rows are a DataFrame), which cost 0.2–0.6 s of the floor's CPU whenever the venv had it — after the tests had
 * installed `datasets`, not on a fresh one — so the floor, and every ratio to it, depended on what else the venv
 * held. A finder first on `sys.meta_path` makes that import fail, which pyarrow takes as "no pandas".
 */
export const PYARROW_FLOOR = String.raw`
import json, os, sys
class NoPandas:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "pandas": raise ModuleNotFoundError("pandas is kept out of the floor", name=name)
sys.meta_path.insert(0, NoPandas())
import pyarrow as pa, pyarrow.parquet as pq
src, images, out = sys.argv[1], sys.argv[2], sys.argv[3]
schema = pa.schema([("data_source", pa.string()),
  ("prompt", pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))),
  ("images", pa.list_(pa.struct([("bytes", pa.binary()), ("path", pa.string())]))), ("ability", pa.string()),
  ("reward_model", pa.struct([("style", pa.string()), ("ground_truth", pa.string())])),
  ("extra_info", pa.struct([("split", pa.string()), ("index", pa.int64()), ("answer", pa.string()), ("question", pa.string())]))])
w = pq.ParquetWriter(out, schema, compression="zstd")
batch = []
def flush():
    w.write_table(pa.Table.from_pylist(batch, schema=schema)); batch.clear()
for i, line in enumerate(open(src)):
    r = json.loads(line)
    with open(os.path.join(images, r["images"][0]), "rb") as f: b = f.read()
    batch.append({"data_source": "geometry3k", "prompt": [{"role": "user", "content": r["problem"]}],
      "images": [{"bytes": b, "path": None}], "ability": "math",
      "reward_model": {"style": "rule", "ground_truth": r["answer"]},
      "extra_info": {"split": "train", "index": i, "answer": r["answer"], "question": r["problem"]}})
    if len(batch) == 128: flush()
if batch: flush()
w.close()
`;
