"""The image grid each trainer of the GAD recipe computes, with each trainer's own resize code path.

Run by test/interop/trainer-grids.test.ts. Nothing here is gad-data's code: each step is the trainer's, written out
from its source (qwen-vl-utils is not in the wheel mirror, so its two functions are transcribed, not imported):

- qwen-vl-utils 0.0.14 `smart_resize` / `fetch_image` (QwenLM/Qwen3-VL, qwen-vl-utils/src/qwen_vl_utils/
  vision_process.py): module defaults IMAGE_MIN_TOKEN_NUM 4, IMAGE_MAX_TOKEN_NUM 16384; `ele.get("min_pixels")` /
  `ele.get("max_pixels")` from the image element; `image.resize((w, h))` (Pillow's default, bicubic).
- verl HEAD (volcengine/verl b178a3c, verl/utils/dataset/rl_dataset.py `_build_messages`): a PIL image becomes
  `{"type": "image", "image": image.convert("RGB")}`, a dict `{"type": "image", **image}` with `image["image"] =
  Image.open(BytesIO(image["bytes"]))`; the agent loop then calls qwen-vl-utils `process_vision_info` (fetch_image on
  each element, image_patch_size = the processor's patch size), then the processor (which resizes again).
  The rows are read as verl reads them: `datasets.load_dataset("parquet", data_files=...)`.
- ms-swift (modelscope/ms-swift 3602360, swift/template/templates/qwen.py `Qwen2VLTemplate.replace_tag` and
  `Qwen3VLTemplate._encode`): `fetch_image({'image': image}, image_patch_size=16)` with the module bounds that
  `patch_qwen_vl_utils` sets from IMAGE_MIN_TOKEN_NUM / IMAGE_MAX_TOKEN_NUM, then `image_processor(images,
  do_resize=False)`: the grid is fetch_image's size. vLLM sampling through `swift infer` is the same (do_resize=False).
- LLaMA-Factory (hiyouga/LLaMA-Factory ff6d4d1, src/llamafactory/data/mm_plugin.py `BasePlugin._preprocess_image`,
  `Qwen2VLPlugin._preprocess_image`): scale into [image_min_pixels, image_max_pixels] with int() truncation, sides
  below 28 raised to 28, then the processor (which resizes).
- EasyR1 (hiyouga/EasyR1, verl/utils/dataset.py `ImageProcessMixin.process_image`): a dict's bytes opened with
  Pillow, scaled down to max_pixels then up to min_pixels with int() truncation, converted to RGB; then the processor.
- The processor: transformers' Qwen2-VL image processor (PIL backend) with the model's preprocessor_config.json.
"""
import io
import json
import math
import os
import sys

from PIL import Image
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

spec = json.loads(sys.argv[1])
pp = json.load(open(os.path.join(spec["model_dir"], "preprocessor_config.json")))
PATCH, MERGE = pp["patch_size"], pp["merge_size"]
proc = Qwen2VLImageProcessorPil(
    patch_size=PATCH,
    merge_size=MERGE,
    temporal_patch_size=pp.get("temporal_patch_size", 2),
    size={"shortest_edge": pp["size"]["shortest_edge"], "longest_edge": pp["size"]["longest_edge"]},
)

# --- qwen-vl-utils 0.0.14, vision_process.py (transcribed) ---
SPATIAL_MERGE_SIZE = 2
IMAGE_MIN_TOKEN_NUM = 4
IMAGE_MAX_TOKEN_NUM = 16384
MAX_RATIO = 200


def round_by_factor(number, factor):
    return round(number / factor) * factor


def ceil_by_factor(number, factor):
    return math.ceil(number / factor) * factor


def floor_by_factor(number, factor):
    return math.floor(number / factor) * factor


def smart_resize(height, width, factor, min_pixels=None, max_pixels=None):
    max_pixels = max_pixels if max_pixels is not None else (IMAGE_MAX_TOKEN_NUM * factor**2)
    min_pixels = min_pixels if min_pixels is not None else (IMAGE_MIN_TOKEN_NUM * factor**2)
    assert max_pixels >= min_pixels
    if max(height, width) / min(height, width) > MAX_RATIO:
        raise ValueError("absolute aspect ratio")
    h_bar = max(factor, round_by_factor(height, factor))
    w_bar = max(factor, round_by_factor(width, factor))
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = floor_by_factor(height / beta, factor)
        w_bar = floor_by_factor(width / beta, factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = ceil_by_factor(height * beta, factor)
        w_bar = ceil_by_factor(width * beta, factor)
    return h_bar, w_bar


def to_rgb(pil_image):
    if pil_image.mode == "RGBA":
        white_background = Image.new("RGB", pil_image.size, (255, 255, 255))
        white_background.paste(pil_image, mask=pil_image.split()[3])
        return white_background
    return pil_image.convert("RGB")


def fetch_image(ele, image_patch_size=14):
    image = ele["image"] if "image" in ele else ele["image_url"]
    patch_factor = int(image_patch_size * SPATIAL_MERGE_SIZE)
    image_obj = image if isinstance(image, Image.Image) else Image.open(image)
    image = to_rgb(image_obj)
    if "resized_height" in ele and "resized_width" in ele:
        resized_height, resized_width = smart_resize(ele["resized_height"], ele["resized_width"], factor=patch_factor)
    else:
        width, height = image.size
        min_pixels = ele.get("min_pixels", IMAGE_MIN_TOKEN_NUM * patch_factor**2)
        max_pixels = ele.get("max_pixels", IMAGE_MAX_TOKEN_NUM * patch_factor**2)
        resized_height, resized_width = smart_resize(
            height, width, factor=patch_factor, min_pixels=min_pixels, max_pixels=max_pixels
        )
    return image.resize((resized_width, resized_height))


# --- end of qwen-vl-utils ---


def grid_of(images, do_resize=True):
    out = proc(images=images, do_resize=do_resize, do_rescale=False, do_normalize=False, return_tensors=None)
    return [[int(v) for v in g] for g in out["image_grid_thw"]]


def verl_head(cell):
    """verl HEAD: the image element _build_messages makes, fetch_image (patch = the processor's), the processor."""
    elements = []
    for image in cell:
        if isinstance(image, Image.Image):
            elements.append({"type": "image", "image": image.convert("RGB")})
        else:
            image = dict(image)
            if "bytes" in image:
                image["image"] = Image.open(io.BytesIO(image["bytes"]))
            elements.append({"type": "image", **image})
    fetched = [fetch_image(e, image_patch_size=PATCH) for e in elements]
    return grid_of(fetched)


def ms_swift(path, env):
    """ms-swift / swift infer: fetch_image with the bounds patch_qwen_vl_utils sets from the env, no processor resize."""
    global IMAGE_MIN_TOKEN_NUM, IMAGE_MAX_TOKEN_NUM
    saved = (IMAGE_MIN_TOKEN_NUM, IMAGE_MAX_TOKEN_NUM)
    try:
        if "IMAGE_MIN_TOKEN_NUM" in env:
            IMAGE_MIN_TOKEN_NUM = int(env["IMAGE_MIN_TOKEN_NUM"])
        if "IMAGE_MAX_TOKEN_NUM" in env:
            IMAGE_MAX_TOKEN_NUM = int(env["IMAGE_MAX_TOKEN_NUM"])
        image = fetch_image({"image": Image.open(path)}, image_patch_size=PATCH)
    finally:
        IMAGE_MIN_TOKEN_NUM, IMAGE_MAX_TOKEN_NUM = saved
    return grid_of([image], do_resize=False)[0]


def llamafactory(path, lf):
    image = Image.open(path)
    if image.width * image.height > lf["image_max_pixels"]:
        f = math.sqrt(lf["image_max_pixels"] / (image.width * image.height))
        image = image.resize((int(image.width * f), int(image.height * f)))
    if image.width * image.height < lf["image_min_pixels"]:
        f = math.sqrt(lf["image_min_pixels"] / (image.width * image.height))
        image = image.resize((int(image.width * f), int(image.height * f)))
    if image.mode != "RGB":
        image = image.convert("RGB")
    if min(image.width, image.height) < 28:
        image = image.resize((max(image.width, 28), max(image.height, 28)))
    return grid_of([image])[0]


def easyr1(image, min_pixels, max_pixels):
    if isinstance(image, dict):
        image = Image.open(io.BytesIO(image["bytes"]))
    if (image.width * image.height) > max_pixels:
        f = math.sqrt(max_pixels / (image.width * image.height))
        image = image.resize((int(image.width * f), int(image.height * f)))
    if (image.width * image.height) < min_pixels:
        f = math.sqrt(min_pixels / (image.width * image.height))
        image = image.resize((int(image.width * f), int(image.height * f)))
    if image.mode != "RGB":
        image = image.convert("RGB")
    return image


result = {}
if "easyr1_build" in spec:
    import datasets

    b = spec["easyr1_build"]
    m = json.load(open(os.path.join(b, "manifest.json")))
    rows = []
    for s_ in m["shards"]:
        ds = datasets.load_dataset("parquet", data_files=os.path.join(b, s_["file"]), split="train")
        for r in ds:
            images = [easyr1(im, m["resize"]["minPixels"], m["resize"]["maxPixels"]) for im in r[m["columns"]["images"]]]
            rows.append({"answer": r[m["columns"]["answer"]], "grid": grid_of(images)})
    result["easyr1"] = rows
if "build" in spec:
    import datasets

    files = [os.path.join(spec["build"], s["file"]) for s in json.load(open(os.path.join(spec["build"], "manifest.json")))["shards"]]
    rows = []
    for f in files:
        ds = datasets.load_dataset("parquet", data_files=f, split="train")
        for r in ds:
            rows.append({"index": r["extra_info"]["index"], "split": r["extra_info"]["split"], "verl": verl_head(r["images"])})
    result["verl"] = rows
for exp in spec.get("exports", []):
    x = json.load(open(os.path.join(exp, "export.json")))
    s = x["images"]["settings"]
    grids = {}
    for split, f in x["files"].items():
        for i, line in enumerate(open(os.path.join(exp, f["file"]), encoding="utf-8")):
            obj = json.loads(line)
            paths = [os.path.join(exp, p) for p in obj["images"]]
            if x["trainer"] == "ms-swift":
                grids[f"{split}/{i}"] = [ms_swift(p, s["env"]) for p in paths]
            else:
                grids[f"{split}/{i}"] = [llamafactory(p, s["llamafactory"]) for p in paths]
    result[exp] = grids
print(json.dumps(result))
