/**
 * The sections of the config key table (keys.ts): `data:` (EasyR1's `DataConfig` keys that gad-data reads, with
 * EasyR1's names, defaults and meaning; the other EasyR1 data keys are accepted and ignored, see schema.ts),
 * `teacher:` and `hub:`.
 */
import { z } from 'zod';
import { DEFAULT_FORMAT_PROMPT } from '../core/defaults.js';
import { dflt, type ConfigKey } from './key.js';
import { files, pixels, posInt } from './values.js';

export const DATA_KEYS = {
  'data.train_files': {
    type: files.optional(),
    affectsOutput: true,
    help: 'training data: source specs (see [sources.md](sources.md)), one or a list; none anywhere (and no config file): the bundled sample',
    flag: {
      flags: '--train <spec>',
      help: 'training data (repeatable): owner/name@split, file.parquet, dir, *.parquet, .jsonl',
      parse: 'repeat',
    },
    example: {
      value: 'hiyouga/geometry3k@train',
      comment: 'hub id@split, file.parquet, dir, *.parquet, .jsonl/.json; or a list',
    },
  },
  'data.val_files': {
    type: files.nullable().optional(),
    affectsOutput: true,
    help: 'test / validation data, as `train_files`',
    flag: { flags: '--val <spec>', help: 'test/validation data (repeatable)', parse: 'repeat' },
    example: { value: 'hiyouga/geometry3k@test' },
  },
  'data.prompt_key': {
    type: z.string().min(1).default('problem'),
    affectsOutput: true,
    help: "prompt column, as in EasyR1 (may be verl's `prompt` message list)",
    flag: { flags: '--prompt-key <col>', help: (d) => `prompt column (EasyR1 prompt_key) ${dflt(d)}` },
    example: "a text column, or verl's `prompt` message list",
  },
  'data.answer_key': {
    type: z.string().min(1).default('answer'),
    affectsOutput: true,
    help: 'answer column',
    flag: { flags: '--answer-key <col>', help: (d) => `answer column ${dflt(d)}` },
  },
  'data.image_key': {
    type: z.string().min(1).default('images'),
    affectsOutput: true,
    help: 'image column',
    flag: { flags: '--image-key <col>', help: (d) => `image column ${dflt(d)}` },
  },
  'data.image_dir': {
    type: z.string().nullable().default(null),
    affectsOutput: true,
    help: 'folder relative image paths are resolved against (never escaped with `..`)',
    flag: { flags: '--image-dir <dir>', help: 'folder relative image paths are resolved against' },
    example: 'folder that relative image paths are resolved against',
  },
  'data.max_prompt_length': {
    type: posInt.default(2048),
    affectsOutput: true,
    help: 'rows whose exact prompt length (image tokens included) is over it are dropped (`prompt_too_long`)',
    flag: {
      flags: '--max-prompt-length <n>',
      help: (d) => `drop rows whose exact prompt length is over n ${dflt(d)}`,
      parse: 'schema',
    },
    example: 'rows whose exact prompt length (image tokens included) is over this are dropped',
  },
  'data.max_response_length': {
    type: posInt.default(2048),
    affectsOutput: true,
    help: 'teacher responses over it are dropped (`response_too_long`)',
    flag: {
      flags: '--max-response-length <n>',
      help: (d) => `drop teacher responses over n tokens ${dflt(d)}`,
      parse: 'schema',
    },
    example: 'teacher responses over this are dropped (GAD)',
  },
  'data.format_prompt': {
    type: z.string().nullable().default(DEFAULT_FORMAT_PROMPT),
    affectsOutput: true,
    help: '`math`, `r1v`, `none` or a `.jinja` file (EasyR1 semantics: `content` variable); a verl message-list prompt gets none unless this is set',
    flag: {
      flags: '-f, --format-prompt <name|file>',
      help: (d) =>
        `math | r1v | none | path/to/prompt.jinja ${dflt(d ?? DEFAULT_FORMAT_PROMPT)}; a verl message-list prompt gets none unless given`,
    },
    example: {
      commented: true,
      comment:
        'math | r1v | none | path/to/format.jinja (EasyR1 semantics); unset: math for a text\n' +
        'prompt, none for a verl message-list prompt (set, it is applied to both)',
    },
  },
  /** EasyR1: a file whose text replaces the model's chat template (tokenizer and processor). */
  'data.override_chat_template': {
    type: z.string().min(1).nullable().default(null),
    affectsOutput: true,
    help: "a file whose text replaces the model's chat template, as EasyR1 does; the counts use it, the manifest records it and a copy goes to the output",
    example: "a file whose text replaces the model's chat template (EasyR1 semantics)",
  },
  'data.min_pixels': {
    type: pixels.default(null),
    affectsOutput: true,
    help: "lower pixel bound of the trainer's resize step for the chosen pipeline (null: the pipeline's own)",
    flag: {
      flags: '--min-pixels <n>',
      help: "the trainer's min pixels for the chosen pipeline",
      parse: 'schema',
    },
    example: "the trainer's pixel bounds for the chosen pipeline (null: its default)",
  },
  'data.max_pixels': {
    type: pixels.default(null),
    affectsOutput: true,
    help: "upper pixel bound of the trainer's resize step for the chosen pipeline (null: the pipeline's own)",
    flag: {
      flags: '--max-pixels <n>',
      help: "the trainer's max pixels for the chosen pipeline",
      parse: 'schema',
    },
  },
  'data.filter_overlong_prompts': {
    type: z.boolean().default(true),
    affectsOutput: true,
    help: 'false keeps overlong rows (still reported)',
    flag: { flags: '--no-filter-overlong', help: 'keep overlong prompts (they are still reported)', sets: false },
  },
  'data.seed': {
    type: z.number().int().default(1),
    affectsOutput: true,
    help: 'seeds the `test_ratio` split',
    flag: { flags: '--seed <n>', help: (d) => `seed of the test split hash ${dflt(d)}`, parse: 'schema' },
    example: 'seeds the --test-ratio split',
  },
} satisfies Record<`data.${string}`, ConfigKey>;

export const TEACHER_KEYS = {
  'teacher.file': {
    type: z.string().nullable().default(null),
    affectsOutput: true,
    help: 'GAD teacher responses: a jsonl or parquet file, joined on `teacher.id_key` (or the row index)',
    flag: { flags: '--teacher <file>', help: 'GAD teacher responses (jsonl/parquet), joined on --id-key' },
    example: 'jsonl or parquet; joined on id_key (or row index when there is none)',
  },
  'teacher.id_key': {
    type: z.string().nullable().default(null),
    affectsOutput: true,
    help: 'id field in the teacher file (null: `id_key`)',
    flag: { flags: '--teacher-id-key <col>', help: 'id field in the teacher file (default: --id-key)' },
  },
  'teacher.split_key': {
    type: z.string().nullable().default('split'),
    affectsOutput: true,
    help: "split field in the teacher file: when the file has it, responses join on (split, id), so ids need only be unique per split (verl's `extra_info.index` counts from 0 in each split); null: join on the id alone",
    flag: {
      flags: '--teacher-split-key <col>',
      help: (d) => `split field in the teacher file, used when present: joins on (split, id) ${dflt(d)}`,
    },
    example: "used when the teacher file has it: 'train' / 'test' per response",
  },
  'teacher.response_key': {
    type: z.string().nullable().default(null),
    affectsOutput: true,
    help: 'response field in the teacher file (null: `response` or `teacher_response`)',
    flag: {
      flags: '--teacher-key <col>',
      help: 'response field in the teacher file (default response / teacher_response)',
    },
    example: 'default: response or teacher_response',
  },
  'teacher.column': {
    type: z.string().nullable().default(null),
    affectsOutput: true,
    help: 'or: a column of the source holding the teacher response',
    flag: { flags: '--teacher-column <col>', help: 'take teacher responses from this column of the source instead' },
    example: 'or: a column of the source holding the response',
  },
  'teacher.ending': {
    type: z.enum(['keep', 'strip', 'append']).default('keep'),
    affectsOutput: true,
    help: '`keep`, `strip` or `append` a trailing `<|im_end|>` of the teacher responses',
    flag: {
      flags: '--teacher-ending <policy>',
      help: (d) => `trailing <|im_end|> of teacher responses ${dflt(d)}`,
      choices: ['keep', 'strip', 'append'],
    },
    example: 'keep | strip | append: what to do with a trailing <|im_end|>',
  },
} satisfies Record<`teacher.${string}`, ConfigKey>;

export const HUB_KEYS = {
  'hub.revision': {
    type: z.string().nullable().default(null),
    affectsOutput: true,
    help: 'branch, tag or commit of Hub datasets (recorded as a commit in the manifest)',
    flag: { flags: '--revision <rev>', help: 'hub dataset revision (branch, tag or commit)' },
    example: 'branch, tag or commit of hub datasets (recorded as a commit in the manifest)',
  },
  'hub.endpoint': {
    type: z.string().nullable().default(null),
    affectsOutput: true,
    help: 'Hub endpoint (null: `$HF_ENDPOINT` or https://huggingface.co)',
    example: 'default: $HF_ENDPOINT or https://huggingface.co',
  },
  'hub.cache_dir': {
    type: z.string().nullable().default(null),
    affectsOutput: true,
    help: "Hugging Face cache (null: `$HF_HUB_CACHE` or `$HF_HOME/hub`, shared with Python's huggingface_hub)",
    example: "default: $HF_HUB_CACHE or $HF_HOME/hub (shared with Python's huggingface_hub)",
  },
  'hub.offline': {
    type: z.boolean().nullable().default(null),
    affectsOutput: true,
    help: 'use the Hugging Face cache only (null: `$HF_HUB_OFFLINE`)',
    flag: { flags: '--offline', help: 'use the Hugging Face cache only (like HF_HUB_OFFLINE=1)', sets: true },
    example: 'default: $HF_HUB_OFFLINE',
  },
  'hub.token': {
    type: z.string().nullable().default(null),
    affectsOutput: false,
    help: 'Hub token (prefer `$HF_TOKEN`); never written to any output',
    example: 'prefer $HF_TOKEN; never written to any output',
  },
  'hub.timeout': {
    type: z.number().positive().nullable().default(null),
    affectsOutput: false,
    help: 'seconds the Hub may stay silent (to answer, then between two pieces of an answer) before it is given up and the cache used (null: `$HF_HUB_ETAG_TIMEOUT` for API answers, `$HF_HUB_DOWNLOAD_TIMEOUT` for files, else 10, as huggingface_hub)',
    example: 'default: $HF_HUB_ETAG_TIMEOUT / $HF_HUB_DOWNLOAD_TIMEOUT, else 10 (seconds)',
  },
  'hub.max_answer_mb': {
    type: z.number().positive().default(64),
    affectsOutput: false,
    help: 'largest JSON answer, or file listing (all its pages together), taken from the Hub, in MB (a file may never exceed its listed size)',
    example: 'largest JSON answer or file listing taken from the Hub (MB)',
  },
  'hub.max_pages': {
    type: posInt.default(1000),
    affectsOutput: false,
    help: 'most pages of one file listing (the Hub sends 1000 files a page)',
    example: 'most pages of one file listing (1000 files a page)',
  },
  'hub.token_hosts': {
    type: z.array(z.string().min(1)).default([]),
    affectsOutput: false,
    help: "hosts (`host` or `host:port`) besides the endpoint's that may receive the token when the Hub names them (a `Link` header: xet, the next listing page); none by default",
    example: "hosts besides the endpoint's that may receive the token",
  },
} satisfies Record<`hub.${string}`, ConfigKey>;

/** The sections (nested mappings) and what the example config says beside their name. */
export const SECTIONS: Record<'data' | 'teacher' | 'hub', { help: string; comment?: string }> = {
  data: { help: "EasyR1's `data:` keys as they are" },
  teacher: { help: "GAD: the teacher's responses", comment: "GAD: the teacher's responses" },
  hub: { help: 'Hub access (environment variables preferred, see [sources.md](sources.md#hub-access))' },
};
export type Section = keyof typeof SECTIONS;
