"""Write a train + test parquet pair shaped as verl's examples/data_preprocess/geo3k.py writes them.

The rows go through HF `datasets` as in that script: `Dataset.map(fn, with_indices=True)` per split, so
`extra_info.index` counts 0..N-1 in each split (it repeats across splits), then `to_parquet`. Images are small
PNGs made with Pillow, stored as datasets' Image feature (list of struct<bytes, path>).

usage: python geo3k_parquet.py OUT_DIR N_TRAIN N_TEST
"""
import io
import os
import sys

import datasets
from PIL import Image, ImageDraw

INSTRUCTION = (
    "You FIRST think about the reasoning process as an internal monologue and then provide the final answer. "
    "The reasoning process MUST BE enclosed within <think> </think> tags. "
    r"The final answer MUST BE put in \boxed{}."
)


def png(seed):
    im = Image.new("RGB", (96 + 8 * (seed % 5), 80), (255, 255, 255))
    d = ImageDraw.Draw(im)
    d.line((4, 70, 60 + seed % 30, 6), fill=(0, 0, 0), width=2)
    d.text((6, 6), str(seed), fill=(200, 0, 0))
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def raw_split(n, offset):
    rows = {"images": [], "problem": [], "answer": []}
    for i in range(n):
        k = offset + i
        rows["images"].append([{"bytes": png(k), "path": None}])
        rows["problem"].append(f"<image>In the figure, line {k} meets the circle. Find x if the angle is {k + 20} degrees.")
        rows["answer"].append(str(k + 3))
    features = datasets.Features(
        {"images": datasets.Sequence(datasets.Image()), "problem": datasets.Value("string"), "answer": datasets.Value("string")}
    )
    return datasets.Dataset.from_dict(rows, features=features)


def make_map_fn(split):
    def process_fn(example, idx):
        problem = example.pop("problem")
        answer = example.pop("answer")
        images = example.pop("images")
        return {
            "data_source": "hiyouga/geometry3k",
            "prompt": [{"role": "user", "content": problem + " " + INSTRUCTION}],
            "images": images,
            "ability": "math",
            "reward_model": {"style": "rule", "ground_truth": answer},
            "extra_info": {"split": split, "index": idx, "answer": answer, "question": problem},
        }

    return process_fn


if __name__ == "__main__":
    out, n_train, n_test = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    train = raw_split(n_train, 0).map(function=make_map_fn("train"), with_indices=True)
    test = raw_split(n_test, 1000).map(function=make_map_fn("test"), with_indices=True)
    train.to_parquet(os.path.join(out, "train.parquet"))
    test.to_parquet(os.path.join(out, "test.parquet"))
