"""Independent check of a `gad-data export sft|prompts|rm` folder (run by test/export/recipe.test.ts).

Reads the build's shards with pyarrow, every export file with Python json and HF datasets
(load_dataset("json")), opens every image with Pillow, and recomputes every row's length with the test
venv's transformers tokenizer and the model's own chat template rendered over the full conversation.
Raises AssertionError on the first mismatch; prints a JSON summary on success.
"""
import hashlib
import io
import json
import math
import os
import sys

import pyarrow.parquet as pq
from datasets import load_dataset
from PIL import Image
from transformers import PreTrainedTokenizerFast
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize

cfg = json.loads(sys.argv[1])
build, out, model_dir, kind = cfg["build"], cfg["export"], cfg["model_dir"], cfg["kind"]
students = cfg.get("students")  # id -> raw student answer (rm)

tok = PreTrainedTokenizerFast(tokenizer_file=os.path.join(model_dir, "tokenizer.json"))
if os.path.exists(os.path.join(model_dir, "chat_template.json")):
    template = json.load(open(os.path.join(model_dir, "chat_template.json")))["chat_template"]
else:
    template = json.load(open(os.path.join(model_dir, "tokenizer_config.json")))["chat_template"]
pp = json.load(open(os.path.join(model_dir, "preprocessor_config.json")))
factor = pp["patch_size"] * pp["merge_size"]
min_pixels = pp.get("min_pixels") or pp["size"]["shortest_edge"]
max_pixels = pp.get("max_pixels") or pp["size"]["longest_edge"]
PAD = tok.convert_tokens_to_ids("<|image_pad|>")
IM_END = "<|im_end|>"

# The build: rows in shard order, ids from lengths.jsonl.
manifest = json.load(open(os.path.join(build, "manifest.json")))
ids = {}
gad_sizes = {}  # (split, id) -> the [w, h] the GAD stage's processor gives each image (the build's `resized`)
for line in open(os.path.join(build, "lengths.jsonl")):
    r = json.loads(line)
    ids.setdefault(r["split"], []).append(r["id"])
    gad_sizes[(r["split"], r["id"])] = r.get("resized")
rows = {}
for split in dict.fromkeys(s["split"] for s in manifest["shards"]):
    pos = 0
    for shard in [s for s in manifest["shards"] if s["split"] == split]:
        for r in pq.read_table(os.path.join(build, shard["file"])).to_pylist():
            rid = ids[split][pos]
            pos += 1
            assert len(r["prompt"]) == 1 and r["prompt"][0]["role"] == "user"
            rows[(split, rid)] = {"prompt": r["prompt"][0]["content"], "images": [i["bytes"] for i in r["images"]], "teacher": r["teacher_response"]}


def strip(t):
    while t.endswith(IM_END):
        t = t[: -len(IM_END)]
    return t


def user(prompt):
    content = []
    for i, piece in enumerate(prompt.split("<image>")):
        if i:
            content.append({"type": "image"})
        if piece:
            content.append({"type": "text", "text": piece})
    return {"role": "user", "content": content}


def pre_resize(w, h, pre_min, pre_max):
    """The trainer's own pre-resize before the processor, written out as the trainers do it."""
    if fmt == "ms-swift":
        # qwen-vl-utils fetch_image (ms-swift): smart_resize with factor 2·patch and the MIN/MAX_PIXELS bounds
        f = factor
        hb, wb = max(f, round(h / f) * f), max(f, round(w / f) * f)
        if hb * wb > pre_max:
            beta = math.sqrt((h * w) / pre_max)
            hb, wb = math.floor(h / beta / f) * f, math.floor(w / beta / f) * f
        elif hb * wb < pre_min:
            beta = math.sqrt(pre_min / (h * w))
            hb, wb = math.ceil(h * beta / f) * f, math.ceil(w * beta / f) * f
        return wb, hb
    # LLaMA-Factory's _preprocess_image: scale into [image_min_pixels, image_max_pixels] with int() truncation
    if w * h > pre_max:
        r = math.sqrt(pre_max / (w * h))
        w, h = int(w * r), int(h * r)
    if w * h < pre_min:
        r = math.sqrt(pre_min / (w * h))
        w, h = int(w * r), int(h * r)
    return w, h


def image_tokens(src, gad=None):
    """Tokens the trainer computes; for a stored image it would see at another grid than the GAD stage's `gad`
    size, the export writes it at that size: its tokens."""
    im = Image.open(src if isinstance(src, str) else io.BytesIO(src))
    im.load()
    w, h = im.size
    s = x["images"]["settings"]
    w, h = pre_resize(w, h, s["minPixels"], s["maxPixels"])
    rh, rw = smart_resize(h, w, factor=factor, min_pixels=min_pixels, max_pixels=max_pixels)
    if gad is not None and [rw, rh] != list(gad):
        rw, rh = gad
    return (rh // factor) * (rw // factor)


def length(prompt, answer, paths, stored=None, gads=None):
    """Whole-conversation length; images from the export's files, or from the build's bytes (`stored`)."""
    msgs = [user(prompt)] + ([{"role": "assistant", "content": answer}] if answer is not None else [])
    text = tok.apply_chat_template(msgs, chat_template=template, tokenize=False, add_generation_prompt=answer is None)
    ids_ = tok(text, add_special_tokens=False)["input_ids"]
    assert ids_.count(PAD) == len(paths)
    sources = stored if stored is not None else [os.path.join(out, p) for p in paths]
    gads = gads or [None] * len(sources)
    return len(ids_) - len(paths) + sum(image_tokens(s, g) for s, g in zip(sources, gads)), text


x = json.load(open(os.path.join(out, "export.json")))
assert x["format"] == "gad-data-export" and x["kind"] == kind
fmt = x["trainer"]
lengths = {}
for line in open(os.path.join(out, "lengths.jsonl")):
    r = json.loads(line)
    lengths[(r["split"], r["line"])] = r
dropped = {}
for line in open(os.path.join(out, "dropped.jsonl")):
    r = json.loads(line)
    dropped[(r["split"], r["id"])] = r
written = set()
n_images = 0
n_gad = 0
for split, f in x["files"].items():
    path = os.path.join(out, f["file"])
    lines = [json.loads(l) for l in open(path, encoding="utf-8")]
    assert len(lines) == f["rows"]
    ds = load_dataset("json", data_files=path, split="train") if lines else []
    assert len(ds) == len(lines)
    for i, (obj, hf) in enumerate(zip(lines, ds)):
        meta = lengths[(split, i)]
        rid = meta["id"]
        src = rows[(split, rid)]
        written.add((split, rid))
        assert hf["images"] == obj["images"]
        assert len(obj["images"]) == len(src["images"])
        for k, (p, stored) in enumerate(zip(obj["images"], src["images"])):
            data = open(os.path.join(out, p), "rb").read()
            if hashlib.sha256(data).digest() != hashlib.sha256(stored).digest():
                # Written at the GAD stage's size (the trainer would see the stored image at another grid).
                im = Image.open(os.path.join(out, p))
                assert im.format == "PNG" and list(im.size) == list(gad_sizes[(split, rid)][k]), (rid, p, im.size)
                n_gad += 1
            Image.open(os.path.join(out, p)).verify()
            n_images += 1
        teacher = strip(src["teacher"])
        if kind == "prompts":
            assert obj["id"] == rid and obj["messages"] == [{"role": "user", "content": src["prompt"]}]
            assert length(src["prompt"], None, obj["images"])[0] == meta["prompt_tokens"]
        elif kind == "sft":
            if fmt == "ms-swift":
                assert obj["messages"] == [{"role": "user", "content": src["prompt"]}, {"role": "assistant", "content": teacher}]
            else:
                assert obj["conversations"] == [{"from": "human", "value": src["prompt"]}, {"from": "gpt", "value": teacher}]
            total, text = length(src["prompt"], teacher, obj["images"])
            assert total == meta["total_tokens"], (rid, total, meta)
            assert total <= x["maxLength"]
            assert text.endswith(teacher + IM_END + "\n") and not teacher.endswith(IM_END)
        else:
            student = strip(students[rid])
            if fmt == "ms-swift":
                assert obj["messages"] == [{"role": "user", "content": src["prompt"]}, {"role": "assistant", "content": teacher}]
                chosen, rejected = obj["messages"][-1]["content"], obj["rejected_response"]
            else:
                assert obj["conversations"] == [{"from": "human", "value": src["prompt"]}]
                chosen, rejected = obj["chosen"]["value"], obj["rejected"]["value"]
            assert (chosen, rejected) == (teacher, student)
            # The same ending on both sides: neither answer carries <|im_end|>, the template closes both alike.
            assert not chosen.endswith(IM_END) and not rejected.endswith(IM_END)
            c_total, c_text = length(src["prompt"], chosen, obj["images"])
            r_total, r_text = length(src["prompt"], rejected, obj["images"])
            assert c_text.endswith(chosen + IM_END + "\n") and r_text.endswith(rejected + IM_END + "\n")
            assert c_text[: -len(chosen + IM_END + "\n")] == r_text[: -len(rejected + IM_END + "\n")]
            assert (c_total, r_total) == (meta["chosen_tokens"], meta["rejected_tokens"]), (rid, c_total, r_total, meta)
            assert max(c_total, r_total) <= x["maxLength"] and chosen != rejected

# Every build row is written or dropped with a reason the checker agrees with.
for key, src in rows.items():
    if key in written:
        assert key not in dropped
        continue
    d = dropped[key]
    if kind == "sft":
        total = length(src["prompt"], strip(src["teacher"]), src["images"], src["images"], gad_sizes[key])[0]
        assert d["reason"] == "too_long" and d["value"] == total > x["maxLength"], (d, total)
    elif kind == "rm":
        rid = key[1]
        if rid not in students:
            assert d["reason"] == "no_student_response", d
        elif strip(students[rid]) == strip(src["teacher"]):
            assert d["reason"] == "student_equals_teacher", d
        else:
            c = length(src["prompt"], strip(src["teacher"]), src["images"], src["images"], gad_sizes[key])[0]
            r = length(src["prompt"], strip(students[rid]), src["images"], src["images"], gad_sizes[key])[0]
            assert d["reason"] == "too_long" and d["value"] == max(c, r) > x["maxLength"], (d, c, r)
    else:
        raise AssertionError(f"prompts export dropped {key}")
assert len(written) + len(dropped) == len(rows)
assert x["images"]["count"] == n_images
assert x["images"]["atGadSize"] == n_gad
if fmt == "llamafactory" and kind != "prompts":
    info = json.load(open(os.path.join(out, "dataset_info.json")))
    for split, name in x["datasetInfo"].items():
        e = info[name]
        assert e["file_name"] == x["files"][split]["file"] and e["formatting"] == "sharegpt"
        assert e.get("ranking", False) == (kind == "rm")
print(json.dumps({"rows": len(rows), "written": len(written), "dropped": len(dropped), "images": n_images, "reasons": sorted({d["reason"] for d in dropped.values()})}))
