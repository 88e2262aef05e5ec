import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { planTraining } from '../../src/train/plan.js';
import { makeFakeBuild } from '../helpers/train.js';
import { ensurePythonVenv } from '../helpers/python.js';

// The data paths written for EasyR1 are loaded the way EasyR1's RLHFDataset loads them (`path@split`;
// a folder → load_dataset("parquet", data_dir=...), a file → data_files=...), with real HF datasets.
// Python with `datasets` comes from the test venv (.venv, installed by the tests); $GAD_TEST_PYTHON overrides it.
// Skipped with a message only where no Python/pip is available.
const python = process.env.GAD_TEST_PYTHON || (await ensurePythonVenv(['pyarrow', 'datasets', 'pillow'])) || 'python3';
const hasDatasets = spawnSync(python, ['-c', 'import datasets, pyarrow'], { stdio: 'ignore' }).status === 0;

const LOADER = `
import os, sys, json
import pyarrow as pa, pyarrow.parquet as pq
from datasets import load_dataset
shards = json.loads(sys.argv[1])
for s in shards:
    pq.write_table(pa.table({"problem": [f"{s['split']}:{s['file']}:{i}" for i in range(s["rows"])], "answer": ["x"] * s["rows"]}), s["path"])
def load(spec):
    path, split = spec.split("@") if "@" in spec else (spec, "train")
    if os.path.isdir(path):
        return load_dataset("parquet", data_dir=path, split=split)
    return load_dataset("parquet", data_files=path, split=split)
print(json.dumps({k: sorted(load(v)["problem"]) for k, v in json.loads(sys.argv[2]).items()}))
`;

describe(
  'EasyR1 data paths load with HF datasets',
  { skip: hasDatasets ? false : `${python} has no datasets/pyarrow (set GAD_TEST_PYTHON)` },
  () => {
    const cases: Array<Record<string, number>> = [
      { train: 3, validation: 2 },
      { train: 2, test: 1 },
      { train: 1, val: 2 },
    ];
    for (const splits of cases) {
      it(`splits ${JSON.stringify(splits)}: each split loads exactly its own rows`, async () => {
        const b = makeFakeBuild({ target: 'easyr1', kind: 'grpo', splits, rowsPerShard: 3 });
        try {
          const plan = await planTraining({ profile: 'easyr1', data: b.outDir, env: { PATH: process.env.PATH } });
          const data = YAML.parse(plan.configFile!.text).data as { train_files: string; val_files: string };
          const shards = b.manifest.shards.map((s) => ({ ...s, path: `${b.outDir}/${s.file}` }));
          const out = execFileSync(
            python,
            ['-c', LOADER, JSON.stringify(shards), JSON.stringify({ train: data.train_files, val: data.val_files })],
            {
              env: {
                ...process.env,
                HF_DATASETS_OFFLINE: '1',
                HF_HOME: `${b.root}/hf`,
                HF_DATASETS_DISABLE_PROGRESS_BARS: '1',
              },
              stdio: ['ignore', 'pipe', 'ignore'],
            },
          ).toString();
          const got = JSON.parse(out.trim().split('\n').pop()!) as { train: string[]; val: string[] };
          const valSplit = Object.keys(splits).find((k) => k !== 'train')!;
          const want = (split: string) =>
            shards
              .filter((s) => s.split === split)
              .flatMap((s) => Array.from({ length: s.rows }, (_, i) => `${split}:${s.file}:${i}`))
              .sort();
          assert.deepEqual(got.train, want('train'));
          assert.deepEqual(got.val, want(valSplit));
        } finally {
          b.cleanup();
        }
      });
    }
  },
);
