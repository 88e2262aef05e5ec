/**
 * Each command's --help shows the defaults the command actually uses: the help text is compared with the
 * values a build resolves, and with what validate / report compute when the flag is left out.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/config/config.js';
import { validateFiles } from '../../src/validate/files.js';
import { runCli } from '../helpers/gad-cli.js';
import { pngOf, writeCraftedParquet } from '../helpers/validate-parquet.js';

/** The "(default: X)" of an option in commander's --help output (the option's wrapped description joined). */
function helpDefault(help: string, flag: string): string | null {
  const lines = help.split('\n');
  const i = lines.findIndex((l) => new RegExp(`^\\s+(-\\w, )?${flag}\\b`).test(l));
  assert.ok(i >= 0, `${flag} not in the help:\n${help}`);
  let text = lines[i]!;
  for (let j = i + 1; j < lines.length && /^\s{20,}\S/.test(lines[j]!); j++) text += ' ' + lines[j]!.trim();
  const m = /\(default:? ([^)]*?)\)/.exec(text.replace(/\s+/g, ' '));
  return m ? m[1]!.replace(/^"|"$/g, '') : null;
}

async function help(cwd: string, cmd: string): Promise<string> {
  const r = await runCli([cmd, '--help'], { cwd });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('build --help shows the defaults a build resolves', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gad-help-'));
  try {
    const h = await help(dir, 'build');
    const cfg = resolveConfig({ flags: { data: { train_files: 'train.jsonl' } }, cwd: dir });
    const want: Record<string, unknown> = {
      '--format-prompt': cfg.data.format_prompt,
      '--model': cfg.model,
      '--target': cfg.target,
      '--out': 'gad-data-out',
      '--max-prompt-length': cfg.data.max_prompt_length,
      '--max-response-length': cfg.data.max_response_length,
      '--image-timeout': cfg.image_timeout,
      '--max-drop-ratio': cfg.max_drop_ratio,
      '--max-input-pixels': cfg.max_input_pixels,
      '--image-format': cfg.image_format,
      '--image-placement': cfg.image_placement,
      '--seed': cfg.data.seed,
      '--prompt-key': cfg.data.prompt_key,
      '--image-key': cfg.data.image_key,
    };
    for (const [flag, v] of Object.entries(want)) assert.equal(helpDefault(h, flag), String(v), `build ${flag}`);
    assert.equal(cfg.out, join(dir, helpDefault(h, '--out')!));
    assert.match(helpDefault(h, '--pipeline')!, new RegExp(`^${cfg.pipeline} for verl`));
    const easy = resolveConfig({ flags: { data: { train_files: 'train.jsonl' }, target: 'easyr1' }, cwd: dir });
    assert.match(helpDefault(h, '--pipeline')!, new RegExp(`${easy.pipeline} for easyr1$`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('validate and report --help name the format prompt and pipeline they count with when none is given', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gad-help-'));
  try {
    const rows = await Promise.all(
      [0, 1, 2].map(async (i) => ({
        prompt: `<image>Problem ${i}: find the length of the side.`,
        images: [{ bytes: await pngOf(96 + 64 * i, 96), path: null }],
        answer: String(i),
      })),
    );
    const file = join(dir, 'easyr1.parquet');
    await writeCraftedParquet(file, rows, 'easyr1');

    // validate: the CLI without -f/--pipeline counts what the library counts with the help's defaults.
    const vh = await help(dir, 'validate');
    const fp = helpDefault(vh, '--format-prompt')!;
    const pipe = /(\S+) for easyr1/.exec(helpDefault(vh, '--pipeline') ?? '')?.[1];
    assert.ok(fp && pipe, vh);
    const v = await runCli(['validate', file, '--target', 'easyr1', '--model', 'qwen3-vl', '--json'], {
      cwd: dir,
      timeoutMs: 540_000,
    });
    assert.equal(v.status, 0, v.stderr + v.stdout);
    const got = JSON.parse(v.stdout).summary;
    const want = await validateFiles([file], {
      target: 'easyr1',
      model: 'qwen3-vl',
      formatPrompt: fp,
      pipeline: pipe as 'easyr1',
    });
    assert.equal(got.pipeline, want.summary.pipeline);
    assert.deepEqual(
      got.files[0].tokens.prompt,
      want.summary.files[0]!.tokens!.prompt,
      `validate counts with format prompt "${fp}" as its help says`,
    );
    // A different format prompt would give other counts (so the comparison above can fail).
    const other = await validateFiles([file], {
      target: 'easyr1',
      model: 'qwen3-vl',
      formatPrompt: fp === 'math' ? 'none' : 'math',
      pipeline: pipe as 'easyr1',
    });
    assert.notDeepEqual(other.summary.files[0]!.tokens!.prompt, want.summary.files[0]!.tokens!.prompt);

    // report FILES: the same defaults.
    const rh = await help(dir, 'report');
    assert.equal(helpDefault(rh, '--format-prompt'), fp);
    const r = await runCli(['report', file, '--target', 'easyr1', '--json'], { cwd: dir, timeoutMs: 540_000 });
    assert.equal(r.status, 0, r.stderr);
    const rep = JSON.parse(r.stdout);
    assert.equal(rep.model.name, helpDefault(rh, '--model'));
    assert.equal(rep.total.tokens.prompt.max, want.summary.files[0]!.tokens!.prompt.max);
    assert.equal(rep.pipeline.name, pipe);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
