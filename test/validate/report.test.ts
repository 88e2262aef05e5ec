import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { GadError } from '../../src/core/errors.js';
import { Tally } from '../../src/core/tally.js';
import { ReportBuilder } from '../../src/report/report-builder.js';
import { reportFromOutDir } from '../../src/report/report-from-out-dir.js';
import { renderReportHtml } from '../../src/report/report-html.js';
import { renderReportTerminal } from '../../src/report/terminal.js';
import { findChromium, screenshotHtml, syntheticReport } from '../helpers/validate.js';

function smallBuilder(): ReportBuilder {
  const b = new ReportBuilder();
  // train: prompts 300, 400, 500, 600, 2500 (the last dropped for length); test: 350, 450.
  for (const [p, t] of [
    [300, 40],
    [400, 60],
    [500, 80],
    [600, 100],
  ] as const)
    b.add({ split: 'train', prompt_tokens: p, text_tokens: t, image_tokens: p - t, response_tokens: p * 2 });
  b.addDrop({
    split: 'train',
    reason: 'prompt_too_long',
    value: 2500,
    limit: 2048,
    prompt_tokens: 2500,
    text_tokens: 100,
    image_tokens: 2400,
    response_tokens: 100,
  });
  b.addDrop({ split: 'train', reason: 'duplicate' });
  b.add({ split: 'test', prompt_tokens: 350, text_tokens: 50, image_tokens: 300, response_tokens: 3000 });
  b.add({ split: 'test', prompt_tokens: 450, text_tokens: 50, image_tokens: 400, response_tokens: 900 });
  b.addDrop({ split: 'test', reason: 'leak' });
  return b;
}

test('ReportBuilder: stats of kept rows, candidate table over measured rows, recommendation, drops', () => {
  const r = smallBuilder().build({ maxPromptLength: 2048, maxResponseLength: 2048, splitOrder: ['train', 'test'] });
  assert.deepEqual(Object.keys(r.splits), ['train', 'test']);
  const tr = r.splits.train!;
  assert.equal(tr.rows, 4);
  assert.equal(tr.dropped, 2);
  assert.equal(tr.measured, 5);
  // numpy.percentile([300,400,500,600], 50) = 450; p90: h = 2.7 → 500 + 0.7·100 = 570.
  assert.equal(tr.tokens.prompt.p50, 450);
  assert.ok(Math.abs(tr.tokens.prompt.p90 - 570) < 1e-9);
  assert.equal(tr.tokens.text.max, 100);
  assert.equal(tr.tokens.image.min, 260);
  assert.equal(tr.tokens.response!.max, 1200);
  assert.equal(r.total.rows, 6);
  assert.equal(r.total.responsesOverLimit, 1);
  // Candidates: 512 keeps 300, 400, 500 (train) + 350, 450 (test) = 5 of 7 measured.
  const c512 = r.candidates.find((c) => c.limit === 512)!;
  assert.deepEqual(c512.kept, { train: 3, test: 2 });
  assert.equal(c512.total, 5);
  assert.ok(Math.abs(c512.fraction - 5 / 7) < 1e-12);
  const c2048 = r.candidates.find((c) => c.limit === 2048)!;
  assert.equal(c2048.configured, true);
  assert.equal(c2048.total, 6);
  assert.equal(r.candidates.find((c) => c.limit === 8192)!.total, 7);
  // 7 measured rows: fewer than the 100 the 99% rule needs, so the 2500-token row dropped for length does not set
  // it: the kept rows (max 600) → 768; responses: kept max 3000 → 3072, capped at the configured 2048.
  assert.equal(r.recommendation.tooFew, true);
  assert.equal(r.recommendation.maxPromptLength, 768);
  assert.equal(r.recommendation.maxResponseLength, 2048);
  assert.ok(r.candidates.some((c) => c.limit === 768 && c.recommended && c.total === 6));
  assert.deepEqual(
    [r.drops.total.prompt_too_long, r.drops.total.duplicate, r.drops.total.leak, r.drops.count],
    [1, 1, 1, 3],
  );
  assert.equal(r.drops.bySplit.test!.leak, 1);
  // Histogram covers every measured row once.
  const h = r.histograms.prompt!;
  assert.equal(h.counts.reduce((a, b) => a + b, 0) + h.over, 7);
  assert.equal(h.textSum.reduce((a, b) => a + b, 0) + h.overTextSum, 40 + 60 + 80 + 100 + 100 + 50 + 50);
  // A configurable rule.
  const r2 = smallBuilder().build({ keep: 0.5, multiple: 128 });
  assert.equal(r2.recommendation.maxPromptLength, 512);
});

test('reportFromOutDir reads lengths.jsonl, dropped.jsonl and manifest.json', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gad-report-'));
  try {
    const lengths = [300, 700, 900].map((p, i) =>
      JSON.stringify({
        split: 'train',
        index: i,
        id: `r${i}`,
        text_tokens: 100,
        image_tokens: p - 100,
        prompt_tokens: p,
        response_tokens: null,
        resized: [[448, 448]],
      }),
    );
    await writeFile(join(dir, 'lengths.jsonl'), lengths.join('\n') + '\n');
    await writeFile(
      join(dir, 'dropped.jsonl'),
      JSON.stringify({
        split: 'train',
        source: 's',
        index: 3,
        id: 'r3',
        reason: 'prompt_too_long',
        detail: 'x',
        value: 5000,
        limit: 4096,
        prompt_tokens: 5000,
        text_tokens: 200,
        image_tokens: 4800,
      }) + '\n',
    );
    await writeFile(
      join(dir, 'manifest.json'),
      JSON.stringify({
        target: 'easyr1',
        kind: 'grpo',
        model: { name: 'qwen3-vl', family: 'qwen3-vl', factor: 32, minPixels: 65536, maxPixels: 16777216 },
        resize: { pipeline: 'easyr1', minPixels: 262144, maxPixels: 4194304, trainer: 'EasyR1' },
        limits: { maxPromptLength: 4096, maxResponseLength: 2048 },
      }),
    );
    const r = await reportFromOutDir(dir);
    assert.equal(r.target, 'easyr1');
    assert.equal(r.model!.name, 'qwen3-vl');
    assert.equal(r.limits.maxPromptLength, 4096);
    assert.equal(r.splits.train!.rows, 3);
    assert.equal(r.splits.train!.measured, 4);
    assert.equal(r.drops.total.prompt_too_long, 1);
    assert.equal(r.candidates.find((c) => c.limit === 4096)!.total, 3);
    // 4 measured rows (too few for the 99% rule): the kept rows (max 900) → 1024, not the 5000-token dropped row
    assert.equal(r.recommendation.maxPromptLength, 1024);
    assert.equal(r.recommendation.maxResponseLength, null);
    const term = renderReportTerminal(r);
    assert.match(term, /recommended max_prompt_length 1,024/);
    assert.match(term, /too few rows for the 99% rule/);
    assert.match(term, /prompt_too_long 1/);
    assert.doesNotMatch(term, /\x1b\[/);
    assert.match(renderReportTerminal(r, { color: true }), /\x1b\[/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const empty = await mkdtemp(join(tmpdir(), 'gad-report-'));
  try {
    await assert.rejects(
      reportFromOutDir(empty),
      (e: unknown) => e instanceof GadError && e.exitCode === 2 && /lengths\.jsonl/.test(e.message),
    );
    await writeFile(join(empty, 'lengths.jsonl'), '{"split": "train", "prompt_tokens": 3}\nnot json\n');
    await assert.rejects(reportFromOutDir(empty), (e: unknown) => e instanceof GadError && /line 2/.test(e.message));
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});

test('report.html is self-contained: no external URL, inline SVG, the limits and tables drawn', () => {
  const r = syntheticReport(600, 3);
  const html = renderReportHtml(r);
  assert.doesNotMatch(html, /https?:|\/\/[a-z0-9]|url\(|<script|<link|<img|@import/i);
  assert.match(html, /^<!doctype html>/);
  assert.ok((html.match(/<svg /g) ?? []).length >= 2, 'two histograms');
  assert.match(html, /max_prompt_length 2,048/);
  assert.match(html, new RegExp(`recommended ${r.recommendation.maxPromptLength.toLocaleString('en-US')}`));
  assert.match(html, /<code>prompt_too_long<\/code>/);
  // Text that could break the markup is escaped.
  const r2 = { ...r, title: '<script>alert(1)</script> & "x"' };
  const h2 = renderReportHtml(r2);
  assert.doesNotMatch(h2, /<script>/);
  assert.match(h2, /&lt;script&gt;/);
});

test('report.html renders in headless Chromium (screenshot is a real page)', async (t) => {
  const chromium = findChromium();
  if (!chromium) {
    t.skip(
      'Chromium not found (/usr/bin/chromium or chromium on PATH): install the Debian `chromium` package to run this check',
    );
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'gad-shot-'));
  try {
    const html = join(dir, 'report.html');
    const png = join(dir, 'report.png');
    await writeFile(html, renderReportHtml(syntheticReport(2000)));
    await screenshotHtml(chromium, html, png, '1200,1600');
    const meta = await sharp(png).metadata();
    assert.equal(meta.width, 1200);
    assert.equal(meta.height, 1600);
    const stats = await sharp(png).stats();
    // Not a single colour: the page has text, bars and lines.
    assert.ok(
      stats.channels.some((c) => c.stdev > 10),
      'screenshot is a blank page',
    );
    assert.ok(!stats.isOpaque || stats.channels.some((c) => c.min < 100), 'no dark pixels (no text?)');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('report: the configured limit row is coloured by what it loses (fine / warn / error against keep_ratio)', () => {
  // 200 measured rows: 199 at 300..498 tokens, one at 3000.
  const build = (maxPromptLength: number) => {
    const b = new ReportBuilder();
    for (let i = 0; i < 199; i++)
      b.add({ split: 'train', prompt_tokens: 300 + i, text_tokens: 50, image_tokens: 250 + i, response_tokens: null });
    b.addDrop({
      split: 'train',
      reason: 'prompt_too_long',
      value: 3000,
      limit: maxPromptLength,
      prompt_tokens: 3000,
      text_tokens: 50,
      image_tokens: 2950,
    });
    return b.build({ maxPromptLength, keep: 0.99 });
  };
  const rowOf = (html: string) => /<tr class="(cfg[^"]*)"><th>([\d,]+)<span class="tag ([^"]+)"/.exec(html);
  const cases: Array<[number, string, RegExp]> = [
    [4096, 'cfg-fine', /\x1b\[32m4,096: 100\.0% \(configured\)/],
    [2048, 'cfg-warn', /\x1b\[33m2,048: 99\.5% \(configured\)/],
    [400, 'cfg-error', /\x1b\[31m400: 50\.5% \(configured\)/],
  ];
  for (const [limit, cls, term] of cases) {
    const r = build(limit);
    const html = renderReportHtml(r);
    const m = rowOf(html);
    assert.ok(m, `configured row of ${limit}`);
    assert.equal(m![1], `cfg ${cls}`, `limit ${limit}: ${m![1]}`);
    assert.equal(m![3], cls);
    assert.match(renderReportTerminal(r, { color: true }), term);
  }
  // The warn colour is not the error colour.
  const css = renderReportHtml(build(2048));
  const bg = (c: string) => new RegExp(`tr\\.${c} td,tr\\.${c} th\\{background:(#[0-9a-f]+)\\}`).exec(css)?.[1];
  assert.ok(bg('cfg-warn') && bg('cfg-error') && bg('cfg-fine'));
  assert.notEqual(bg('cfg-warn'), bg('cfg-error'));
  assert.notEqual(bg('cfg-fine'), bg('cfg-error'));
});

test("ReportBuilder with a build's tally: the drops come from the tally alone (counted once), lengths from addMeasured", () => {
  const tally = new Tally();
  const b = new ReportBuilder(tally);
  tally.book('train', null);
  b.add({ split: 'train', prompt_tokens: 300, text_tokens: 40, image_tokens: 260, response_tokens: 10 });
  tally.book('train', 'prompt_too_long');
  b.addMeasured({ split: 'train', reason: 'prompt_too_long', value: 2500, limit: 2048, prompt_tokens: 2500 });
  tally.book('test', 'leak'); // a split with only a drop
  const r = b.build({ maxPromptLength: 2048, splitOrder: ['train', 'test'] });
  assert.equal(r.drops.count, 2);
  assert.equal(r.drops.total.prompt_too_long, 1);
  assert.equal(r.drops.bySplit.test!.leak, 1);
  assert.equal(r.splits.train!.dropped, 1);
  assert.equal(r.splits.test!.dropped, 1);
  assert.equal(r.splits.train!.measured, 2); // the dropped row's length is in the candidate table
});
