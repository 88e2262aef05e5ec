/**
 * Numbers as people write them: percentiles and means are rounded to STATS_DECIMALS (2) decimals in the
 * machine-readable fields (report.json, manifest.json, validate --json) and shown with at most one decimal in
 * what people read (validate's summary, the dataset card, the terminal table, report.html).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReportBuilder } from '../../src/report/report-builder.js';
import { percentile, summarize, STATS_DECIMALS } from '../../src/report/stats.js';
import { validateFiles } from '../../src/validate/files.js';
import { renderReportHtml } from '../../src/report/report-html.js';
import { renderDatasetCard } from '../../src/output/manifest.js';
import type { Stats } from '../../src/core/types.js';
import { pngOf, writeCraftedParquet } from '../helpers/validate-parquet.js';
import { makeManifest, VERL_GAD } from '../helpers/export-samples.js';

/** Decimals of a number as JSON writes it (396.39999999999986 → 14). */
const decimals = (v: number) => (String(v).split('.')[1] ?? '').length;
/** Every number of a Stats with at most `d` decimals. */
function assertRounded(s: Stats, d: number, where: string) {
  for (const [k, v] of Object.entries(s))
    assert.ok(decimals(v) <= d, `${where}.${k} = ${v} has more than ${d} decimals`);
}
/** Numbers with 3 or more decimals in a text (what a reader should never see). */
const longDecimals = (text: string) => text.match(/\d\.\d{3,}/g) ?? [];

// Lengths whose exact percentiles and mean are binary-float noise (checked below, so the test keeps its power).
const VALUES = [101, 173, 208, 255, 262, 301, 322, 339, 342, 350, 352, 359, 360, 396, 397, 401, 2053];

test('summarize rounds percentiles and mean to 2 decimals (min, max, count exact)', () => {
  const sorted = [...VALUES].sort((a, b) => a - b);
  const raw = [50, 90, 95, 99].map((p) => percentile(sorted, p));
  const rawMean = VALUES.reduce((a, b) => a + b, 0) / VALUES.length;
  assert.ok(
    [...raw, rawMean].some((v) => decimals(v) > 2),
    'precondition: the exact values have float noise',
  );
  const s = summarize(VALUES);
  assert.equal(STATS_DECIMALS, 2);
  assertRounded(s, 2, 'summarize');
  assert.ok(Math.abs(s.p99 - raw[3]!) <= 0.005 + 1e-12);
  assert.ok(Math.abs(s.mean - rawMean) <= 0.005 + 1e-12);
  assert.equal(s.min, 101);
  assert.equal(s.max, 2053);
  assert.equal(s.count, VALUES.length);
});

test('report.json stats are rounded; report.html shows no long decimals', () => {
  const b = new ReportBuilder();
  VALUES.forEach((p, i) =>
    b.add({
      split: i % 3 ? 'train' : 'test',
      prompt_tokens: p,
      text_tokens: 40 + (i % 7),
      image_tokens: p - 40 - (i % 7),
      response_tokens: 10 + i * 3,
    }),
  );
  const r = b.build({ maxPromptLength: 2048, maxResponseLength: 1024 });
  const json = JSON.parse(JSON.stringify(r));
  for (const [name, sr] of [...Object.entries(json.splits), ['total', json.total]] as Array<[string, any]>) {
    for (const k of ['prompt', 'text', 'image', 'response']) assertRounded(sr.tokens[k], 2, `${name}.tokens.${k}`);
  }
  const html = renderReportHtml(r).replace(/<svg[\s\S]*?<\/svg>/g, '');
  assert.deepEqual(longDecimals(html.replace(/<[^>]+>/g, ' ')), []);
});

test('the dataset card writes percentiles as people write them', () => {
  const noisy: Stats = {
    count: 180,
    min: 134,
    p50: 325.50000000000006,
    p90: 849,
    p95: 359.34999999999997,
    p99: 396.39999999999986,
    max: 1149,
    mean: 412.26666666666665,
  };
  const m = makeManifest(VERL_GAD, [], { train: 180 });
  m.tokens = { train: { prompt: noisy, text: noisy, image: noisy, response: noisy } };
  const card = renderDatasetCard(m);
  assert.deepEqual(longDecimals(card), []);
  assert.match(card, /\| train \| 325\.5 \| 359\.3 \| 1,149 \|/);
});

test('validate prints rounded percentiles and returns rounded stats', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gad-display-'));
  try {
    const sizes: Array<[number, number]> = [
      [64, 64],
      [96, 64],
      [128, 96],
      [160, 128],
      [200, 150],
      [240, 180],
      [300, 200],
    ];
    const rows = await Promise.all(
      sizes.map(async ([w, h], i) => ({
        prompt: `<image>Question ${i}: ${'how long is this side? '.repeat(i + 1)}`,
        images: [{ bytes: await pngOf(w, h), path: null }],
      })),
    );
    const file = join(dir, 'easyr1.parquet');
    await writeCraftedParquet(file, rows, 'easyr1');
    const r = await validateFiles([file], { target: 'easyr1', model: 'qwen3-vl', pipeline: 'processor' });
    const t = r.summary.files[0]!.tokens!;
    for (const k of ['prompt', 'text', 'image'] as const) assertRounded(t[k], 2, `tokens.${k}`);
    const line = r.text.split('\n').find((l) => l.includes('prompt tokens'))!;
    assert.ok(line, r.text);
    assert.deepEqual(longDecimals(line), [], line);
    assert.match(line, /p99 [\d,]+(\.\d)? /);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
