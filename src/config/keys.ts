/**
 * THE table of config keys: for each key its path (`data.max_prompt_length`), its type and default (zod),
 * whether it affects the output, its help text, its `build` flag and its line in `gad-data init`'s example.
 * Generated from it: the config schema (schema.ts), the build flags (flags.ts), the example config
 * (example.ts), the key table of docs/configuration.md (docs.ts, `npx tsx scripts/config-docs.ts`) and what
 * the resume hash covers (output.ts). The order is the schema's (parsed configs and error lists follow it): a
 * section (data, teacher, hub; their keys are in keys-sections.ts) sits where its keys are spread. To add a key:
 * add its entry here or to its section (docs/configuration.md says how).
 */
import { z } from 'zod';
import { MODEL_SOURCES, PIPELINE_NAMES, defaultPipelineFor } from '../core/defaults.js';
import { GadError } from '../core/errors.js';
import { INPUT_FORMAT_NAMES } from '../ingest/formats/input-format-table.js';
import { DATA_KEYS, HUB_KEYS, TEACHER_KEYS } from './keys-sections.js';
import { dflt, mb, type ConfigKey } from './key.js';
import { byteSize, parseByteSize, posInt } from './values.js';

export { SECTIONS, type Section } from './keys-sections.js';

const pipelineDefaults = `${defaultPipelineFor('verl')} for verl, ${defaultPipelineFor('easyr1')} for easyr1`;

export const CONFIG_KEYS = {
  ...DATA_KEYS,
  model: {
    type: z.string().min(1).default('qwen3-vl'),
    affectsOutput: true,
    help: "`qwen3-vl`, `qwen2.5-vl` (bundled), a model folder, or a Hub id in the Hugging Face or ModelScope cache; without `model`/`--model`, EasyR1's `worker.actor.model.model_path` is used",
    flag: {
      flags: '-m, --model <name|dir>',
      help: (d) => `qwen3-vl | qwen2.5-vl | a model folder or checkpoint ${dflt(d)}`,
    },
    example: 'qwen3-vl | qwen2.5-vl (bundled) | path to a model folder / checkpoint',
  },
  model_source: {
    type: z.enum(MODEL_SOURCES).default('auto'),
    affectsOutput: true,
    help: 'where a Hub id given as `model` is looked up: `auto` (the Hugging Face cache, then the ModelScope cache), `hf` or `modelscope`; nothing is downloaded',
    flag: {
      flags: '--model-source <source>',
      help: (d) => `where a Hub model id is found: auto | hf | modelscope ${dflt(d)}`,
      choices: MODEL_SOURCES,
    },
    example: 'auto (HF cache, then ModelScope cache) | hf | modelscope',
  },
  target: {
    type: z.enum(['verl', 'easyr1']).default('verl'),
    affectsOutput: true,
    help: 'output schema: `verl` (GAD rows carry `teacher_response`) or `easyr1`',
    flag: { flags: '--target <target>', help: (d) => `output schema ${dflt(d)}`, choices: ['verl', 'easyr1'] },
    example: 'verl (GAD rows carry teacher_response) | easyr1',
  },
  pipeline: {
    type: z.enum(PIPELINE_NAMES).nullable().default(null),
    affectsOutput: true,
    help: `which trainer resize the images and counts are made for (null: ${pipelineDefaults})`,
    flag: {
      flags: '--pipeline <name>',
      help: () => `resize pipeline the trainer runs (default: ${pipelineDefaults})`,
      choices: PIPELINE_NAMES,
    },
    example: `processor | easyr1 | qwen-vl-utils (null: ${pipelineDefaults})`,
  },
  ...TEACHER_KEYS,
  out: {
    type: z.string().min(1).default('gad-data-out'),
    affectsOutput: false,
    help: 'output folder',
    flag: { flags: '-o, --out <dir>', help: (d) => `output folder ${dflt(d)}` },
    example: 'output folder (a valid HF dataset repo: data/*.parquet, README.md, manifest.json)',
  },
  shard_size: {
    type: byteSize.default(500_000_000),
    affectsOutput: true,
    help: 'shard size (bytes or `500MB`, `2GB`)',
    flag: {
      flags: '--shard-size <size>',
      help: (d) => `shard size, e.g. 2GB ${dflt(mb(d as number))}`,
      parse: (v) => {
        const n = parseByteSize(v);
        if (n === null) throw new GadError(`--shard-size: not a size: "${v}" (write e.g. 500MB)`, { exitCode: 2 });
        return n;
      },
    },
    example: { value: '500MB' },
  },
  test_ratio: {
    type: z.number().min(0).max(0.9).nullable().default(null),
    affectsOutput: true,
    help: 'carve a test split from train by a seeded hash of the row id (`data.seed`)',
    flag: {
      flags: '--test-ratio <r>',
      help: 'carve a test split from train by a seeded hash of the row id',
      parse: 'schema',
    },
    example: 'e.g. 0.05 carves a test split from train by a seeded hash of the row id',
  },
  id_key: {
    type: z.string().nullable().default(null),
    affectsOutput: true,
    help: 'row id column, or a nested field (`extra_info.index`): the teacher join and reports',
    flag: { flags: '--id-key <col>', help: 'row id column, or a nested field such as extra_info.index' },
    example: 'column holding a row id (for the teacher join and reports)',
  },
  image_bytes_key: {
    type: z.string().nullable().default(null),
    affectsOutput: true,
    help: 'a separate `list<binary>` column holding the image bytes',
    flag: { flags: '--image-bytes-key <col>', help: 'a separate list<binary> column holding the image bytes' },
    example: 'a separate list<binary> column holding the image bytes (data-juicer style)',
  },
  /** Licence of the data, for the dataset card (an SPDX id such as apache-2.0 or cc-by-4.0). */
  license: {
    type: z.string().min(1).nullable().default(null),
    affectsOutput: true,
    help: 'licence of the data, written to the dataset card (`--license apache-2.0`)',
    flag: { flags: '--license <id>', help: 'licence of the data for the dataset card (e.g. apache-2.0)' },
    example: 'licence of the data for the dataset card (e.g. apache-2.0, cc-by-4.0)',
  },
  /** The data_source value written on every row (verl picks the reward function by it); null: the source's own column, the hub repo id, or the file name. */
  data_source: {
    type: z.string().min(1).nullable().default(null),
    affectsOutput: true,
    help: "`data_source` written on every row (verl picks the reward function by it); null: the source's own column, the Hub repo id, or the file name",
    flag: {
      flags: '--data-source <name>',
      help: 'data_source written on every row (verl picks the reward function by it)',
    },
    example: 'data_source written on every row (verl picks its reward function by it, e.g. hiyouga/geometry3k)',
  },
  input_format: {
    type: z.enum(['auto', ...INPUT_FORMAT_NAMES] as [string, ...string[]]).default('auto'),
    affectsOutput: true,
    help: "how rows are read: `gad` (verl / EasyR1 columns), `ms-swift` (`messages` or `query`/`response`), `llamafactory` (sharegpt `conversations` or alpaca `instruction`/`output`), `data-juicer` (`text` with `<__dj__image>` / `<|__dj__eoc|>`, `[[human]]:` / `[[gpt]]:` dialogs): the last assistant turn is the teacher response with `teacher.column` set to that column, else left out of the prompt; `auto`: detected from the first file's columns, printed first",
    flag: {
      flags: '--input-format <name>',
      help: (d) =>
        `how rows are read: ${['auto', ...INPUT_FORMAT_NAMES].join(' | ')} (auto: detected from the columns) ${dflt(d)}`,
      choices: ['auto', ...INPUT_FORMAT_NAMES],
    },
    example: 'how rows are read: auto | ms-swift | llamafactory | data-juicer | gad (see docs/sources.md)',
  },
  image_placement: {
    type: z.enum(['prepend', 'append', 'none']).default('prepend'),
    affectsOutput: true,
    help: 'where `<image>` goes when the text has none',
    flag: {
      flags: '--image-placement <where>',
      help: (d) => `where <image> goes when the text has none ${dflt(d)}`,
      choices: ['prepend', 'append', 'none'],
    },
    example: 'where <image> goes when the text has none: prepend | append | none',
  },
  image_format: {
    type: z.enum(['keep', 'png', 'jpeg']).default('keep'),
    affectsOutput: true,
    help: 'encoding of converted images (`keep`: the original bytes when nothing changes)',
    flag: {
      flags: '--image-format <fmt>',
      help: (d) => `encoding of converted images ${dflt(d)}`,
      choices: ['keep', 'png', 'jpeg'],
    },
    example: 'keep (original bytes when nothing changes) | png | jpeg',
  },
  /** When images are resized before they are written (auto: only those over the trainer's first-step max_pixels). */
  resize: {
    type: z.enum(['auto', 'always', 'never']).default('auto'),
    affectsOutput: true,
    help: "when images are resized before they are written ([images.md](images.md)); `auto`: only those over the trainer's first-step max_pixels",
    flag: {
      flags: '--resize <when>',
      help: (d) =>
        `resize images before writing: auto (only those over the trainer's first-step max_pixels), always, never ${dflt(d)}`,
      choices: ['auto', 'always', 'never'],
    },
    example: "auto (only images over the trainer's max_pixels, shrunk as it would) | always | never",
  },
  max_input_pixels: {
    type: posInt.default(178_956_970),
    affectsOutput: true,
    help: 'larger input images are dropped (decompression bombs)',
    flag: {
      flags: '--max-input-pixels <n>',
      help: (d) => `drop larger input images (decompression bombs) ${dflt(d)}`,
      parse: 'schema',
    },
    example: 'larger images are dropped (decompression bombs)',
  },
  /** Seconds one image may take to decode and resize before its row is dropped. */
  image_timeout: {
    type: z.number().positive().default(60),
    affectsOutput: true,
    help: 'seconds one image may take to decode and resize before its row is dropped',
    flag: {
      flags: '--image-timeout <seconds>',
      help: (d) => `drop an image that takes longer to decode and resize ${dflt(d)}`,
      parse: 'schema',
    },
    example: 'seconds one image may take to decode and resize; slower ones are dropped',
  },
  /** Read image paths that lead (also through symlinks) outside image_dir / the data file's folder / the Hub cache. */
  allow_outside_paths: {
    type: z.boolean().default(false),
    affectsOutput: true,
    help: "read image paths that lead (absolute, `..`, or through a symlink) outside `image_dir` / the data file's folder; off: such rows are `image_outside_root` drops",
    flag: {
      flags: '--allow-outside-paths',
      help: 'read image paths that lead outside --image-dir / the data folder (absolute paths, symlinks)',
      sets: true,
    },
    example: "true reads image paths leading outside image_dir / the data file's folder (absolute, symlinks)",
  },
  single_image: {
    type: z.boolean().default(true),
    affectsOutput: true,
    help: 'drop rows with more than one image (`multi_image`)',
    flag: { flags: '--multi-image', help: 'keep rows with more than one image', sets: false },
    example: 'drop rows with more than one image',
  },
  /** Drop rows without an image (`no_image`); false keeps text-only rows (counted without image tokens). */
  require_image: {
    type: z.boolean().default(false),
    affectsOutput: true,
    help: 'drop rows without an image (`no_image`); false keeps them as text-only rows',
    flag: {
      flags: '--require-image',
      help: 'drop rows without an image (no_image); default: text-only rows are kept',
      sets: true,
    },
    example: 'drop rows without an image (no_image); false keeps text-only rows',
  },
  /** verl target: pass every other input column and every extra_info field through unchanged. */
  passthrough: {
    type: z.boolean().default(true),
    affectsOutput: true,
    help: 'verl: keep every other input column and `extra_info` field unchanged',
    flag: {
      flags: '--no-passthrough',
      help: 'verl: leave out the input columns and extra_info fields the build does not use (default: kept unchanged)',
      sets: false,
    },
    example: 'verl: keep every other input column and extra_info field unchanged',
  },
  dedupe: {
    type: z.boolean().default(true),
    affectsOutput: true,
    help: 'drop duplicate rows (same prompt text and image) and test rows equal to train rows',
    flag: { flags: '--no-dedupe', help: 'keep duplicate rows and test rows equal to train rows', sets: false },
    example: 'drop duplicate rows (same prompt text and image) and test rows equal to train rows',
  },
  max_drop_ratio: {
    type: z.number().min(0).max(1).default(0.5),
    affectsOutput: true,
    help: 'exit 1 when a larger share of rows is dropped (the output is still written)',
    flag: {
      flags: '--max-drop-ratio <r>',
      help: (d) => `exit 1 when a larger share of rows is dropped ${dflt(d)}`,
      parse: 'schema',
    },
    example: 'exit 1 when a larger share of rows is dropped',
  },
  max_split_drop_ratio: {
    type: z.number().min(0).max(1).default(0.5),
    affectsOutput: true,
    help: 'exit 1 when one reason drops a larger share of one split, or a split ends up empty (the output is still written; the reason, the first dropped row and the fix are printed)',
    flag: {
      flags: '--max-split-drop-ratio <r>',
      help: (d) => `exit 1 when one reason drops a larger share of a split, or a split ends up empty ${dflt(d)}`,
      parse: 'schema',
    },
    example: 'exit 1 when one reason drops a larger share of a split (or it ends up empty)',
  },
  keep_ratio: {
    type: z.number().gt(0).max(1).default(0.99),
    affectsOutput: true,
    help: 'the report recommends the smallest `max_prompt_length` (a multiple of 256) keeping this share of rows',
    example: 'the report recommends the smallest max_prompt_length (multiple of 256) keeping this share',
  },
  concurrency: {
    type: posInt.nullable().default(null),
    affectsOutput: false,
    help: 'images processed at once (null: the cores and the libuv pool)',
    flag: {
      flags: '--concurrency <n>',
      help: 'images processed at once (default: cores and libuv pool)',
      parse: 'schema',
    },
    example: false,
  },
  ...HUB_KEYS,
  /** Overrides for `gad-data train` (Hydra keys for verl, EasyR1 config sections for easyr1). */
  trainer: {
    type: z.record(z.string(), z.unknown()).default({}),
    affectsOutput: true,
    help: 'overrides for `gad-data train` (Hydra keys for verl, EasyR1 config sections for easyr1; see [train.md](train.md)); recorded in the manifest',
    example: 'overrides for `gad-data train` (e.g. trainer.total_epochs: 2)',
  },
  /** EasyR1 config sections that gad-data does not use but accepts, so an EasyR1 config file loads as is. */
  algorithm: {
    type: z.unknown().optional(),
    affectsOutput: true,
    help: "EasyR1's section, accepted so an EasyR1 config loads as is (not used)",
    example: false,
  },
  worker: {
    type: z.unknown().optional(),
    affectsOutput: true,
    help: "EasyR1's section, accepted so an EasyR1 config loads as is; only `worker.actor.model.model_path` is read (the model, when `model` is not set)",
    example: false,
  },
} satisfies Record<string, ConfigKey>;

/** A key's path: `data.max_prompt_length`, `model`. */
export type KeyPath = keyof typeof CONFIG_KEYS;

/** [section or '', key] of a path. */
export function splitPath(path: string): [string, string] {
  const i = path.indexOf('.');
  return i < 0 ? ['', path] : [path.slice(0, i), path.slice(i + 1)];
}

/** The table as a list of [path, key], in table order. */
export function keyEntries(): Array<[KeyPath, ConfigKey]> {
  return Object.entries(CONFIG_KEYS) as Array<[KeyPath, ConfigKey]>;
}
