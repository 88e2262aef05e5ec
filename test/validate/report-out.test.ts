/**
 * `gad-data report FILES... --out DIR`: report.html / report.json for parquet made elsewhere (e.g. a verl
 * user's existing data), self-contained, opened by headless Chromium.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { build } from '../../src/pipeline/build.js';
import { packagePath } from '../../src/core/paths.js';
import { ReportBuilder } from '../../src/report/report-builder.js';
import { runCli } from '../helpers/gad-cli.js';
import { findChromium, screenshotHtml } from '../helpers/validate.js';
import { pngOf, writeCraftedParquet } from '../helpers/validate-parquet.js';

test('report FILE.parquet --out DIR writes a self-contained report.html and report.json that Chromium renders', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'gad-report-out-'));
  try {
    // A verl file "made elsewhere": prompt message lists, embedded images of several sizes.
    const sizes: Array<[number, number]> = [
      [64, 64],
      [128, 96],
      [256, 192],
      [320, 240],
      [448, 336],
      [512, 384],
      [640, 480],
      [96, 400],
    ];
    const rows = await Promise.all(
      sizes.map(async ([w, h], i) => ({
        prompt: [
          { role: 'user', content: `<image>Problem ${i}: ${'what is the length of the side? '.repeat(1 + (i % 4))}` },
        ],
        images: [{ bytes: await pngOf(w, h), path: null }],
        answer: String(i),
      })),
    );
    const file = join(dir, 'train.parquet');
    await writeCraftedParquet(file, rows, 'verl');
    const out = join(dir, 'my report');
    const res = await runCli(['report', file, '--model', 'qwen2.5-vl', '--max-prompt-length', '512', '--out', out], {
      cwd: dir,
      timeoutMs: 540_000,
    });
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /max_prompt_length/, 'the terminal table is still printed');
    assert.match(res.stdout, /report\.html/);
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    assert.equal(json.format, 'gad-data-report');
    assert.equal(json.total.rows, sizes.length);
    assert.equal(json.target, 'verl');
    assert.equal(json.limits.maxPromptLength, 512);
    assert.ok(json.histograms.prompt, 'a prompt-length histogram');
    assert.deepEqual(
      json.input.files,
      ['train.parquet'],
      'files named relative to the working directory, no machine path',
    );
    assert.ok(!readFileSync(join(out, 'report.json'), 'utf8').includes(dir));
    const htmlFile = join(out, 'report.html');
    const html = readFileSync(htmlFile, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.doesNotMatch(
      html,
      /https?:|\/\/[a-z0-9]|url\(|<script|<link|<img|@import/i,
      'self-contained: no external assets',
    );
    assert.ok((html.match(/<svg /g) ?? []).length >= 1);
    assert.match(html, /max_prompt_length 512/);

    // --json prints report.json and still writes the files.
    const out2 = join(dir, 'second');
    const res2 = await runCli(['report', file, '--model', 'qwen2.5-vl', '--json', '--out', out2], {
      cwd: dir,
      timeoutMs: 540_000,
    });
    assert.equal(res2.status, 0, res2.stderr);
    assert.equal(JSON.parse(res2.stdout).total.rows, sizes.length);
    assert.ok(existsSync(join(out2, 'report.html')) && existsSync(join(out2, 'report.json')));

    const chromium = findChromium();
    if (!chromium) {
      t.skip(
        'Chromium not found (/usr/bin/chromium or chromium on PATH): install the Debian `chromium` package to run the rendering check',
      );
      return;
    }
    const png = join(dir, 'shot.png');
    await screenshotHtml(chromium, htmlFile, png, '1200,1400');
    const meta = await sharp(png).metadata();
    assert.equal(meta.width, 1200);
    const stats = await sharp(png).stats();
    assert.ok(
      stats.channels.some((c) => c.stdev > 10),
      'screenshot is a blank page',
    );
    assert.ok(
      stats.channels.some((c) => c.min < 100),
      'no dark pixels (no text?)',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("report OUT_DIR recommends with the build's keep_ratio: --json equals the build's own report.json", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gad-report-keep-'));
  try {
    const out = join(dir, 'out');
    const sample = packagePath('fixtures', 'sample');
    const r = await build({
      out,
      keep_ratio: 0.5,
      data: { train_files: join(sample, 'train.jsonl'), val_files: null },
    });
    assert.equal(r.exitCode, 0);
    const built = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    assert.equal(built.recommendation.keep, 0.5);
    const res = await runCli(['report', out, '--json'], { cwd: dir, timeoutMs: 540_000 });
    assert.equal(res.status, 0, res.stderr);
    const again = JSON.parse(res.stdout);
    // the default 0.99 would recommend another limit: the test proves the build's ratio is used
    const at99 = new ReportBuilder();
    for (const l of readFileSync(join(out, 'lengths.jsonl'), 'utf8').trim().split('\n')) at99.add(JSON.parse(l));
    assert.notEqual(at99.build({ keep: 0.99 }).recommendation.maxPromptLength, built.recommendation.maxPromptLength);
    assert.deepEqual(again.recommendation, built.recommendation);
    assert.deepEqual(again.candidates, built.candidates);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
