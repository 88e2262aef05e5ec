/**
 * The config key table (src/config/keys.ts) and what is generated from it: the docs' table is the code's, the
 * resume hash's config is the one it was before the table (`{...config minus out, concurrency; hub minus token}`),
 * every key says whether it affects the output, every key flag is in `build --help`, and init's example parses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { Command } from 'commander';
import { z } from 'zod';
import {
  CONFIG_KEYS,
  EXAMPLE_CONFIG,
  parseConfig,
  resolveConfig,
  type ResolvedConfig,
} from '../../src/config/config.js';
import { outputConfigOf } from '../../src/config/output-config.js';
import { withKeyTable } from '../../src/config/docs.js';
import { BUILD_FLAG_ORDER, addKeyFlags, flagsToConfig, keyFlags } from '../../src/config/flags.js';
import type { ConfigKey } from '../../src/config/key.js';
import { keyEntries } from '../../src/config/keys.js';
import { stableStringify } from '../../src/core/hash.js';
import { packagePath } from '../../src/core/paths.js';

// @ts-expect-error a key without affectsOutput does not typecheck (every key must say)
const _noAffects: ConfigKey = { type: z.string().default('x'), help: 'a key that forgot affectsOutput' };

test('docs/configuration.md has the key table of the code (npx tsx scripts/config-docs.ts rewrites it)', () => {
  const doc = readFileSync(packagePath('docs', 'configuration.md'), 'utf8');
  assert.equal(withKeyTable(doc), doc);
  // the comparison can fail: a stale table is rewritten
  const stale = doc.replace('| `data.seed` |', '| `data.sed` |');
  assert.notEqual(withKeyTable(stale), stale);
});

test('every key says whether it affects the output', () => {
  for (const [path, key] of keyEntries())
    assert.equal(typeof (key as Partial<ConfigKey>).affectsOutput, 'boolean', `${path}: affectsOutput`);
});

/** What the resume hash covered before the table: the denylist of pipeline/build.ts's settingsOf. */
function denylist(cfg: ResolvedConfig): Record<string, unknown> {
  const { out: _out, concurrency: _concurrency, hub, ...config } = cfg;
  // the network's limits (how long to wait, how much a mirror may send, where the token may go) change whether a
  // download succeeds, never the bytes built from it
  const {
    token: _token,
    timeout: _timeout,
    max_answer_mb: _maxAnswer,
    max_pages: _maxPages,
    token_hosts: _tokenHosts,
    ...hubSettings
  } = hub;
  return { ...config, hub: hubSettings };
}

/** A value for every key of the table (none its default), and EasyR1's accepted keys. */
const EVERY_KEY: Record<string, Record<string, unknown>> = {
  data: {
    train_files: ['a.jsonl', 'b.jsonl'],
    val_files: ['c.jsonl', 'd.jsonl'],
    prompt_key: 'q',
    answer_key: 'ans',
    image_key: 'img',
    image_dir: 'imgs',
    max_prompt_length: 1000,
    max_response_length: 900,
    format_prompt: 'r1v',
    override_chat_template: 'template.jinja',
    min_pixels: 1024,
    max_pixels: 4096,
    filter_overlong_prompts: false,
    seed: 7,
    video_key: 'videos',
  },
  teacher: { file: 't.jsonl', id_key: 'tid', split_key: 'part', response_key: 'r', column: 'c', ending: 'strip' },
  hub: {
    revision: 'main',
    endpoint: 'http://127.0.0.1:1',
    cache_dir: 'cache',
    offline: true,
    token: 'hf_x',
    timeout: 3,
    max_answer_mb: 8,
    max_pages: 5,
    token_hosts: ['cdn.example'],
  },
};
const EVERY_TOP: Record<string, unknown> = {
  model: 'qwen2.5-vl',
  model_source: 'modelscope',
  target: 'easyr1',
  pipeline: 'processor',
  out: 'elsewhere',
  shard_size: '2GB',
  test_ratio: 0.1,
  id_key: 'id',
  image_bytes_key: 'bytes',
  license: 'cc-by-4.0',
  data_source: 'src',
  input_format: 'ms-swift',
  image_placement: 'append',
  image_format: 'png',
  resize: 'always',
  max_input_pixels: 1_000_000,
  image_timeout: 5,
  allow_outside_paths: true,
  single_image: false,
  require_image: true,
  passthrough: false,
  dedupe: false,
  max_drop_ratio: 0.9,
  max_split_drop_ratio: 0.8,
  keep_ratio: 0.5,
  concurrency: 3,
  trainer: { 'trainer.total_epochs': 2 },
  algorithm: { adv_estimator: 'grpo' },
  worker: { actor: { model: { model_path: 'x' } } },
};

test('outputConfigOf is the old denylist, for the default config and for a config with every key set', () => {
  const every = { ...EVERY_TOP, ...EVERY_KEY };
  for (const [path] of keyEntries()) {
    const [a, b] = path.split('.') as [string, string | undefined];
    const set = b === undefined ? a in every : b in (every[a] as Record<string, unknown>);
    assert.ok(set, `${path}: give it a value in EVERY_KEY / EVERY_TOP`);
  }
  const cwd = packagePath();
  const configs = [
    resolveConfig({ cwd }),
    resolveConfig({ flags: { data: { train_files: 'train.jsonl' } }, cwd }),
    resolveConfig({ file: { raw: every, dir: cwd, path: 'gad-data.yaml' }, cwd }),
  ];
  for (const cfg of configs) {
    assert.deepEqual(outputConfigOf(cfg), denylist(cfg));
    assert.equal(stableStringify(outputConfigOf(cfg)), stableStringify(denylist(cfg)));
    assert.ok(!('out' in outputConfigOf(cfg)) && 'out' in cfg, 'the comparison can fail: out is removed');
  }
  assert.equal((configs[2]!.hub as { token: string }).token, 'hf_x', 'the config is not changed');
});

test('every key flag is in build --help, in BUILD_FLAG_ORDER; the flags are the table', () => {
  const flags = keyFlags();
  assert.deepEqual(
    flags.map((f) => f.option.long),
    [...BUILD_FLAG_ORDER],
  );
  const withFlag = keyEntries().filter(([, k]) => k.flag);
  assert.equal(flags.length, withFlag.length);
});

test("init's example config parses, and names every key it should", () => {
  const parsed = parseConfig(parseYaml(EXAMPLE_CONFIG));
  assert.equal(parsed.data.max_prompt_length, CONFIG_KEYS['data.max_prompt_length'].type.parse(undefined));
  for (const [path, key] of keyEntries()) {
    if (key.example === false) continue;
    const name = path.split('.').pop()!;
    assert.match(EXAMPLE_CONFIG, new RegExp(`^(  )?(# )?${name}: `, 'm'), `${path} is in the example`);
  }
});

/** `path` of a config object (`data.seed` → cfg.data.seed). */
const at = (cfg: Record<string, unknown>, path: string) =>
  path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | null)?.[k], cfg);

test('each build flag sets its key as the config file does; no flag sets nothing', async () => {
  const every = parseConfig({ ...EVERY_TOP, ...EVERY_KEY });
  const argv: string[] = [];
  for (const { path, spec, option } of keyFlags()) {
    const v = at({ ...EVERY_TOP, ...EVERY_KEY }, path);
    if (spec.sets !== undefined) {
      assert.equal(v, spec.sets, `${path}: EVERY_KEY / EVERY_TOP gives the value ${option.long} sets`);
      argv.push(option.long!);
    } else for (const x of [v].flat()) argv.push(option.long!, String(x));
  }
  const parse = async (args: string[]) => {
    const cmd = new Command().exitOverride();
    addKeyFlags(cmd);
    await cmd.parseAsync(args, { from: 'user' });
    return flagsToConfig(cmd.opts());
  };
  const fromFlags = parseConfig(await parse(argv));
  for (const { path } of keyFlags()) assert.deepEqual(at(fromFlags, path), at(every, path), path);
  assert.deepEqual(await parse([]), {});
});
