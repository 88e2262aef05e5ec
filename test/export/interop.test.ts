/**
 * Interop with the Python side: pyarrow.parquet and HF `datasets` load our shards exactly as verl
 * (data_files list) and EasyR1 (data_dir) do. Runs in a venv made by ensurePythonVenv.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openOutput } from '../../src/output/out-dir.js';
import { renderDatasetCard, writeManifest } from '../../src/output/manifest.js';
import { ShardWriter } from '../../src/output/shards.js';
import { type SchemaOptions } from '../../src/output/parquet-schema.js';
import type { Sample, ShardInfo } from '../../src/core/types.js';
import { EASYR1_GAD, makeManifest, makeSamples, VERL_GAD } from '../helpers/export-samples.js';
import { ensurePythonVenv, runPython } from '../helpers/python.js';

const python = await ensurePythonVenv(['pyarrow', 'datasets', 'Pillow']);

async function build(out: string, opts: SchemaOptions, samples: Sample[]): Promise<ShardInfo[]> {
  const s = await openOutput(out, { settingsHash: 'interop' });
  const w = new ShardWriter({
    ...opts,
    dir: join(s.workDir, 'data'),
    split: 'train',
    shardSize: 60_000,
    rowGroupRows: 4,
    session: s,
  });
  for (const x of samples) await w.write(x);
  const shards = await w.close();
  const m = makeManifest(opts, shards, { train: samples.length });
  await writeManifest(s.workDir, m);
  await writeFile(join(s.workDir, 'README.md'), renderDatasetCard(m));
  await s.commit();
  return shards;
}

/** What each row must read back as (images as sha256 + size of the decoded image). */
function expected(samples: Sample[], opts: SchemaOptions) {
  return samples.map((s) => {
    const im = s.formatted!.images[0]!;
    const base =
      opts.target === 'verl'
        ? {
            data_source: s.dataSource,
            prompt: [{ role: 'user', content: s.formatted!.formatted }],
            ability: typeof s.extra.ability === 'string' ? s.extra.ability : 'math',
            reward_model: { style: 'rule', ground_truth: s.answer },
            extra_info: { split: s.split, index: s.index, answer: s.answer, question: s.problem },
          }
        : { problem: s.problem, answer: s.answer };
    return {
      ...base,
      teacher_response: s.formatted!.teacherResponse,
      images: [{ sha256: im.sha256, size: [im.width, im.height], path: im.path }],
    };
  });
}

const SCRIPT = String.raw`
import sys, json, hashlib, io, os
import pyarrow.parquet as pq
import datasets
from PIL import Image
mode, out, files = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
res = {}
sch = pq.read_schema(files[0])
res["arrow"] = {f.name: str(f.type) for f in sch}
res["hf_meta"] = json.loads(sch.metadata[b"huggingface"])
t = pq.read_table(files[0])
res["pq_rows"] = sum(pq.read_metadata(f).num_rows for f in files)
res["pq_first_image_sha"] = hashlib.sha256(t.column("images")[0].as_py()[0]["bytes"]).hexdigest()
if mode == "verl":
    ds = datasets.load_dataset("parquet", data_files=files)["train"]
else:
    ds = datasets.load_dataset("parquet", data_dir=out, split="train")
res["features"] = str(ds.features)
rows = []
for r in ds:
    imgs = []
    for im in r["images"]:
        assert isinstance(im, Image.Image), type(im)
        imgs.append({"size": list(im.size), "mode": im.mode})
    r2 = {k: v for k, v in r.items() if k != "images"}
    r2["images"] = imgs
    rows.append(r2)
raw = ds.cast_column("images", datasets.List(datasets.Image(decode=False)))
for i, r in enumerate(raw):
    for j, im in enumerate(r["images"]):
        rows[i]["images"][j]["sha256"] = hashlib.sha256(im["bytes"]).hexdigest()
        rows[i]["images"][j]["path"] = im["path"]
res["rows"] = rows
print(json.dumps(res))
`;

test(
  'verl: pyarrow and datasets.load_dataset("parquet", data_files=[...]) read every row; images decode to PIL (metadata trusted)',
  { skip: python ? false : 'python venv unavailable (see log)' },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gad-interop-'));
    try {
      const samples = await makeSamples(11, { teacher: true, nullAnswer: true });
      const out = join(dir, 'out');
      const shards = await build(out, VERL_GAD, samples);
      assert.ok(shards.length >= 2);
      const files = shards.map((s) => join(out, s.file));
      const res = JSON.parse(
        await runPython(python!, SCRIPT, ['verl', out, JSON.stringify(files)], { HF_HOME: join(dir, 'hf') }),
      );
      assert.deepEqual(res.arrow, {
        data_source: 'string',
        prompt: 'list<element: struct<role: string, content: string>>',
        images: 'list<element: struct<bytes: binary, path: string>>',
        ability: 'string',
        reward_model: 'struct<style: string, ground_truth: string>',
        extra_info: 'struct<split: string, index: int64, answer: string, question: string>',
        teacher_response: 'string',
      });
      assert.deepEqual(res.hf_meta.info.features.images, [{ _type: 'Image' }]);
      assert.equal(res.pq_rows, samples.length);
      assert.equal(res.pq_first_image_sha, samples[0]!.formatted!.images[0]!.sha256);
      assert.match(res.features, /'images': List\(Image\(/, 'datasets trusted the Image feature');
      const want = expected(samples, VERL_GAD);
      assert.equal(res.rows.length, want.length);
      for (let i = 0; i < want.length; i++) {
        const got = res.rows[i];
        for (const im of got.images) assert.equal(im.mode, 'RGB');
        got.images = got.images.map((im: Record<string, unknown>) => ({
          sha256: im.sha256,
          size: im.size,
          path: im.path,
        }));
        assert.deepEqual(got, want[i], `row ${i}`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test(
  'easyr1: load_dataset("parquet", data_dir=OUT, split="train") as EasyR1 does; every field and image',
  { skip: python ? false : 'python venv unavailable (see log)' },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gad-interop-'));
    try {
      const samples = await makeSamples(9, { teacher: true });
      const out = join(dir, 'out');
      const shards = await build(out, EASYR1_GAD, samples);
      const files = shards.map((s) => join(out, s.file));
      const res = JSON.parse(
        await runPython(python!, SCRIPT, ['easyr1', out, JSON.stringify(files)], { HF_HOME: join(dir, 'hf') }),
      );
      assert.deepEqual(res.arrow, {
        problem: 'string',
        answer: 'string',
        images: 'list<element: struct<bytes: binary, path: string>>',
        teacher_response: 'string',
      });
      assert.match(res.features, /'images': List\(Image\(/);
      const want = expected(samples, EASYR1_GAD);
      assert.equal(res.rows.length, want.length);
      for (let i = 0; i < want.length; i++) {
        const got = res.rows[i];
        got.images = got.images.map((im: Record<string, unknown>) => ({
          sha256: im.sha256,
          size: im.size,
          path: im.path,
        }));
        assert.deepEqual(got, want[i], `row ${i}`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
