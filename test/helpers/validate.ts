import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DropReason } from '../../src/core/types.js';
import { ReportBuilder } from '../../src/report/report-builder.js';
import { type Report } from '../../src/report/report.js';
import { chromiumArgs } from './chromium-args.js';

/** Seeded PRNG (mulberry32): reproducible synthetic data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(r: () => number): number {
  const u = Math.max(1e-12, r());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

/**
 * A realistic report of a geometry-like GAD build (~`rows` rows, train/test), with synthetic lengths:
 * text ≈ 90–300 tokens, image tokens of diagrams resized for Qwen2.5-VL under EasyR1's pre-resize
 * (≥ 334 tokens), teacher responses log-normal around 700 tokens, a few drops of each kind.
 */
export function syntheticReport(rows = 2000, seed = 7): Report {
  const r = rng(seed);
  const b = new ReportBuilder();
  const maxPrompt = 2048;
  const maxResp = 2048;
  for (let i = 0; i < rows; i++) {
    const split = r() < 0.12 ? 'test' : 'train';
    const u = r();
    if (u < 0.004) {
      b.addDrop({ split, reason: 'image_undecodable' as DropReason });
      continue;
    }
    if (u < 0.007) {
      b.addDrop({ split, reason: 'image_count_mismatch' as DropReason });
      continue;
    }
    if (u < 0.015) {
      b.addDrop({ split, reason: 'duplicate' as DropReason });
      continue;
    }
    if (u < 0.017) {
      b.addDrop({ split, reason: 'leak' as DropReason });
      continue;
    }
    const text = Math.round(Math.exp(4.9 + 0.35 * normal(r)) + 40);
    // Diagram sizes: mostly small (upscaled to EasyR1's 262144 px minimum: 334 tokens), a spread of
    // larger figures and a tail of big scans.
    const big = r();
    const px = big < 0.35 ? 262144 : 262144 * Math.exp(0.75 * Math.abs(normal(r)) + (big > 0.985 ? 1.1 : 0));
    const image = Math.max(334, Math.round(px / 784));
    const prompt = text + image;
    const response = Math.round(Math.exp(6.5 + 0.55 * normal(r)));
    const rec = { split, text_tokens: text, image_tokens: image, prompt_tokens: prompt, response_tokens: response };
    if (prompt > maxPrompt) b.addDrop({ ...rec, reason: 'prompt_too_long', value: prompt, limit: maxPrompt });
    else if (response > maxResp) b.addDrop({ ...rec, reason: 'response_too_long', value: response, limit: maxResp });
    else b.add(rec);
  }
  return b.build({
    title: 'gad-data build report: geometry3k-gad',
    target: 'verl',
    kind: 'gad',
    model: { name: 'qwen2.5-vl', family: 'qwen2.5-vl', factor: 28, minPixels: 3136, maxPixels: 12845056 },
    pipeline: { name: 'easyr1', minPixels: 262144, maxPixels: 4194304 },
    maxPromptLength: maxPrompt,
    maxResponseLength: maxResp,
    splitOrder: ['train', 'test'],
  });
}

/** Headless Chromium, when installed: /usr/bin/chromium or `chromium` / `chromium-browser` / `google-chrome` on PATH. */
export function findChromium(): string | null {
  const names = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const n of names) {
      const p = join(dir, n);
      if (dir && existsSync(p)) return p;
    }
  }
  return null;
}

/** Screenshots a local HTML file with headless Chromium (network features off, throwaway profile). */
export async function screenshotHtml(
  chromium: string,
  htmlFile: string,
  pngFile: string,
  size = '1200,2000',
): Promise<void> {
  const profile = await mkdtemp(join(tmpdir(), 'gad-chromium-'));
  try {
    const args = chromiumArgs({
      profile,
      rest: [`--screenshot=${pngFile}`, `--window-size=${size}`, pathToFileURL(htmlFile).href],
    });
    await new Promise<void>((resolve, reject) => {
      const child = spawn(chromium, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => (err += String(d)));
      const timer = setTimeout(() => child.kill('SIGKILL'), 540_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code === 0 && existsSync(pngFile)) resolve();
        else reject(new Error(`chromium exited with ${code}: ${err.slice(-800)}`));
      });
    });
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}
