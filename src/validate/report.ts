import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { displayPath } from '../core/paths.js';
import { createInterface } from 'node:readline';
import { GadError, describeError } from '../core/errors.js';
import { DROP_REASONS, type DropReason, type Manifest, type Stats, type Target } from '../core/types.js';
import type { DropRecord, LengthRecord } from './filters.js';
import { countAtMost, niceBinWidth, percentile, recommendLimit, sortedCopy, summarize } from './stats.js';

/** The limits always shown in the candidate table (plus the configured one). */
export const CANDIDATE_LIMITS = [512, 1024, 2048, 4096, 8192] as const;
export const PERCENTILE_METHOD = 'linear interpolation (numpy.percentile default, Hyndman-Fan type 7)';

export interface SplitReport {
  /** Rows kept (the rows of lengths.jsonl). */
  rows: number;
  /** Rows dropped, any reason. */
  dropped: number;
  /** Rows with a measured prompt length: kept + dropped for prompt/response length. */
  measured: number;
  /** Token statistics of the kept rows. `text` excludes the image placeholders: text + image = prompt. */
  tokens: { prompt: Stats; text: Stats; image: Stats; response: Stats | null };
  /** Of the teacher responses, how many are longer than the configured max_response_length (kept + dropped). */
  responsesOverLimit: number | null;
}

export interface CandidateRow {
  limit: number;
  configured: boolean;
  recommended: boolean;
  /** Rows (of the measured ones) with prompt tokens ≤ limit, per split. */
  kept: Record<string, number>;
  total: number;
  /** total / measured rows. */
  fraction: number;
}

export interface HistogramData {
  /** Bin width and lower edge of the first bin: bin i covers [start + i·width, start + (i+1)·width). */
  start: number;
  width: number;
  /** Rows per bin (kept + length-dropped). */
  counts: number[];
  /** Σ text tokens / Σ image tokens of the rows in each bin (for the stacked text/image view). */
  textSum: number[];
  imageSum: number[];
  /** Rows at or above `start + counts.length·width` (the long tail, drawn as one overflow bar). */
  over: number;
  overTextSum: number;
  overImageSum: number;
  /** Largest value (the overflow bar covers up to it). */
  max: number;
}

/** report.json */
export interface Report {
  format: 'gad-data-report';
  version: 1;
  title: string;
  input: { kind: 'build' | 'files'; outDir?: string; files?: string[] };
  target: Target | null;
  kind: 'gad' | 'grpo' | null;
  model: { name: string; family?: string; factor?: number; minPixels?: number; maxPixels?: number } | null;
  pipeline: { name: string; minPixels?: number; maxPixels?: number; trainer?: string } | null;
  limits: { maxPromptLength: number | null; maxResponseLength: number | null };
  percentileMethod: string;
  splits: Record<string, SplitReport>;
  total: SplitReport;
  candidates: CandidateRow[];
  recommendation: {
    maxPromptLength: number;
    maxResponseLength: number | null;
    keep: number;
    multiple: number;
    /** Over which rows the rule was applied. */
    basis: string;
    /**
     * Measured rows the keep rule needs, ceil(1 / (1 - keep)) (100 at 0.99): below it "keep ≥ 99%" can drop no
     * row, so the longest row alone would set the limit. Then `tooFew` is true and the recommendation keeps the
     * rows the build kept, capped at the configured limit (rows dropped for length do not raise it).
     */
    minRows?: number;
    tooFew?: boolean;
  };
  drops: { total: Record<DropReason, number>; bySplit: Record<string, Record<DropReason, number>>; count: number };
  histograms: { prompt: HistogramData | null; response: HistogramData | null };
  notes: string[];
}

/** What the caller knows about the build (everything optional). */
export interface ReportMeta {
  title?: string;
  input?: Report['input'];
  target?: Target | null;
  kind?: 'gad' | 'grpo' | null;
  model?: Report['model'];
  pipeline?: Report['pipeline'];
  maxPromptLength?: number | null;
  maxResponseLength?: number | null;
  keep?: number;
  multiple?: number;
  /** Extra limits for the candidate table. */
  candidates?: number[];
  /** Split order for display (others follow alphabetically). */
  splitOrder?: string[];
  notes?: string[];
}

interface SplitAcc {
  prompt: number[];
  text: number[];
  image: number[];
  response: number[];
  /** Lengths of rows dropped for prompt/response length: measured but not kept. */
  mPrompt: number[];
  mText: number[];
  mImage: number[];
  mResponse: number[];
  dropped: number;
  drops: Record<DropReason, number>;
}

function zeroDrops(): Record<DropReason, number> {
  const o = {} as Record<DropReason, number>;
  for (const r of DROP_REASONS) o[r] = 0;
  return o;
}

/**
 * Builds a Report from lengths.jsonl / dropped.jsonl records as they stream by. Memory: four numbers per
 * row (no text, no images).
 */
export class ReportBuilder {
  private readonly acc = new Map<string, SplitAcc>();

  private split(name: string): SplitAcc {
    let a = this.acc.get(name);
    if (!a) {
      a = {
        prompt: [],
        text: [],
        image: [],
        response: [],
        mPrompt: [],
        mText: [],
        mImage: [],
        mResponse: [],
        dropped: 0,
        drops: zeroDrops(),
      };
      this.acc.set(name, a);
    }
    return a;
  }

  /** A kept row (a lengths.jsonl line). */
  add(rec: Pick<LengthRecord, 'split' | 'text_tokens' | 'image_tokens' | 'prompt_tokens' | 'response_tokens'>): void {
    const a = this.split(rec.split);
    a.prompt.push(rec.prompt_tokens);
    a.text.push(rec.text_tokens);
    a.image.push(rec.image_tokens);
    if (rec.response_tokens !== null && rec.response_tokens !== undefined) a.response.push(rec.response_tokens);
  }

  /** A dropped row (a dropped.jsonl line). Rows dropped for length keep their measured lengths for the candidate table. */
  addDrop(rec: Pick<DropRecord, 'split' | 'reason'> & Partial<DropRecord>): void {
    const a = this.split(rec.split);
    a.dropped++;
    a.drops[rec.reason] = (a.drops[rec.reason] ?? 0) + 1;
    if (
      (rec.reason === 'prompt_too_long' || rec.reason === 'response_too_long') &&
      typeof rec.prompt_tokens === 'number'
    ) {
      a.mPrompt.push(rec.prompt_tokens);
      a.mText.push(rec.text_tokens ?? rec.prompt_tokens - (rec.image_tokens ?? 0));
      a.mImage.push(rec.image_tokens ?? 0);
      if (typeof rec.response_tokens === 'number') a.mResponse.push(rec.response_tokens);
    } else if (rec.reason === 'prompt_too_long' && typeof rec.value === 'number') {
      // Older record without token columns: the length is known, its text/image split is not.
      a.mPrompt.push(rec.value);
      a.mText.push(0);
      a.mImage.push(0);
    } else if (rec.reason === 'response_too_long' && typeof rec.value === 'number') {
      a.mResponse.push(rec.value);
    }
  }

  build(meta: ReportMeta = {}): Report {
    const keep = meta.keep ?? 0.99;
    const multiple = meta.multiple ?? 256;
    const order = [...(meta.splitOrder ?? ['train', 'validation', 'val', 'test'])];
    const names = [...this.acc.keys()].sort((x, y) => {
      const ix = order.indexOf(x);
      const iy = order.indexOf(y);
      if (ix !== -1 || iy !== -1) return (ix === -1 ? 1e9 : ix) - (iy === -1 ? 1e9 : iy);
      return x < y ? -1 : x > y ? 1 : 0;
    });
    const maxResp = meta.maxResponseLength ?? null;
    const maxPrompt = meta.maxPromptLength ?? null;

    const all: SplitAcc = {
      prompt: [],
      text: [],
      image: [],
      response: [],
      mPrompt: [],
      mText: [],
      mImage: [],
      mResponse: [],
      dropped: 0,
      drops: zeroDrops(),
    };
    const splits: Record<string, SplitReport> = {};
    const bySplit: Record<string, Record<DropReason, number>> = {};
    for (const name of names) {
      const a = this.acc.get(name)!;
      splits[name] = splitReport(a, maxResp);
      bySplit[name] = { ...a.drops };
      for (const k of ['prompt', 'text', 'image', 'response', 'mPrompt', 'mText', 'mImage', 'mResponse'] as const)
        for (const v of a[k]) all[k].push(v);
      all.dropped += a.dropped;
      for (const r of DROP_REASONS) all.drops[r] += a.drops[r];
    }
    const total = splitReport(all, maxResp);

    const measuredPrompt = [...all.prompt, ...all.mPrompt];
    const measuredResponse = [...all.response, ...all.mResponse];
    // Too few rows for the keep rule: one outlier (say a 60,000-token row dropped as prompt_too_long out of 17)
    // would set it. Then only the rows the build kept count, and the configured limit caps the result.
    const minRows = keep >= 1 ? 1 : Math.ceil(1 / (1 - keep) - 1e-9);
    const tooFew = measuredPrompt.length < minRows;
    // capped at the configured limit, rounded up to the multiple (a recommendation is always a multiple)
    const capAt = (v: number, cap: number | null) =>
      cap !== null && cap > 0 ? Math.min(v, Math.max(multiple, Math.ceil(cap / multiple) * multiple)) : v;
    const recPrompt = tooFew
      ? capAt(recommendLimit(all.prompt, { keep, multiple }), maxPrompt)
      : recommendLimit(measuredPrompt, { keep, multiple });
    const recResponse = !measuredResponse.length
      ? null
      : measuredResponse.length < minRows
        ? capAt(recommendLimit(all.response.length ? all.response : measuredResponse, { keep, multiple }), maxResp)
        : recommendLimit(measuredResponse, { keep, multiple });

    const limitSet = new Set<number>([...CANDIDATE_LIMITS, ...(meta.candidates ?? [])]);
    if (maxPrompt !== null) limitSet.add(maxPrompt);
    limitSet.add(recPrompt);
    const sortedPerSplit = new Map(
      names.map((n) => [n, sortedCopy([...this.acc.get(n)!.prompt, ...this.acc.get(n)!.mPrompt])]),
    );
    const candidates: CandidateRow[] = [...limitSet]
      .sort((x, y) => x - y)
      .map((limit) => {
        const kept: Record<string, number> = {};
        let t = 0;
        for (const n of names) {
          kept[n] = countAtMost(sortedPerSplit.get(n)!, limit);
          t += kept[n];
        }
        return {
          limit,
          configured: limit === maxPrompt,
          recommended: limit === recPrompt,
          kept,
          total: t,
          fraction: measuredPrompt.length ? t / measuredPrompt.length : 0,
        };
      });

    const notes = [...(meta.notes ?? [])];
    if (tooFew) {
      const over = all.mPrompt.length;
      notes.push(
        `Only ${measuredPrompt.length} row(s) measured: the ${Math.round(keep * 100)}% rule needs at least ${minRows}, so the recommendation keeps the rows the build kept` +
          (maxPrompt !== null ? `, capped at the configured limit ${maxPrompt}` : '') +
          (over
            ? `; ${over} row(s) dropped for length (longest ${Math.max(...all.mPrompt)} tokens) do not raise it.`
            : '.'),
      );
    }
    if (all.mPrompt.length === 0 && all.drops.prompt_too_long > 0)
      notes.push(
        'dropped.jsonl has no token counts for prompt_too_long rows: the candidate table counts kept rows only.',
      );

    return {
      format: 'gad-data-report',
      version: 1,
      title: meta.title ?? 'gad-data report',
      input: meta.input ?? { kind: 'build' },
      target: meta.target ?? null,
      kind: meta.kind ?? null,
      model: meta.model ?? null,
      pipeline: meta.pipeline ?? null,
      limits: { maxPromptLength: maxPrompt, maxResponseLength: maxResp },
      percentileMethod: PERCENTILE_METHOD,
      splits,
      total,
      candidates,
      recommendation: {
        maxPromptLength: recPrompt,
        maxResponseLength: recResponse,
        keep,
        multiple,
        basis: tooFew
          ? `kept rows only, capped at the configured limit (fewer than ${minRows} rows measured)`
          : 'kept rows + rows dropped for prompt/response length (all rows whose length was measured)',
        minRows,
        tooFew,
      },
      drops: { total: all.drops, bySplit, count: all.dropped },
      histograms: {
        prompt: histogram(
          [...all.prompt, ...all.mPrompt],
          [...all.text, ...all.mText],
          [...all.image, ...all.mImage],
          [maxPrompt ?? 0, recPrompt],
        ),
        response: measuredResponse.length
          ? histogram(measuredResponse, null, null, [maxResp ?? 0, recResponse ?? 0])
          : null,
      },
      notes,
    };
  }
}

function splitReport(a: SplitAcc, maxResp: number | null): SplitReport {
  const hasResp = a.response.length > 0 || a.mResponse.length > 0;
  let over: number | null = null;
  if (hasResp && maxResp !== null) {
    over = 0;
    for (const v of a.response) if (v > maxResp) over++;
    for (const v of a.mResponse) if (v > maxResp) over++;
  }
  return {
    rows: a.prompt.length,
    dropped: a.dropped,
    measured: a.prompt.length + a.mPrompt.length,
    tokens: {
      prompt: summarize(a.prompt),
      text: summarize(a.text),
      image: summarize(a.image),
      response: a.response.length ? summarize(a.response) : null,
    },
    responsesOverLimit: over,
  };
}

/**
 * Bins values (and optionally the text/image sums per bin) with a "nice" width, about `targetBins` bins.
 * The range ends a little after max(p99.5, the `marks` (limits to draw)); longer values are counted in `over`,
 * so one extreme row does not squeeze the plot.
 */
export function histogram(
  values: number[],
  text: number[] | null,
  image: number[] | null,
  marks: number[] = [],
  targetBins = 48,
): HistogramData | null {
  if (values.length === 0) return null;
  const s = sortedCopy(values);
  const min = s[0]!;
  const max = s[s.length - 1]!;
  let hiEnd = Math.max(percentile(s, 99.5), ...marks.filter((m) => Number.isFinite(m) && m <= max * 4));
  hiEnd = Math.min(max, hiEnd * 1.08);
  const width = niceBinWidth(min, hiEnd, targetBins);
  const start = Math.floor(min / width) * width;
  let nb = Math.max(1, Math.floor((hiEnd - start) / width) + 1);
  if (start + nb * width > max) nb = Math.max(1, Math.floor((max - start) / width) + 1);
  const end = start + nb * width;
  const counts = new Array<number>(nb).fill(0);
  const textSum = new Array<number>(nb).fill(0);
  const imageSum = new Array<number>(nb).fill(0);
  let over = 0;
  let overTextSum = 0;
  let overImageSum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v >= end) {
      over++;
      overTextSum += text?.[i] ?? 0;
      overImageSum += image?.[i] ?? 0;
      continue;
    }
    const b = Math.min(nb - 1, Math.floor((v - start) / width));
    counts[b]!++;
    if (text) textSum[b]! += text[i] ?? 0;
    if (image) imageSum[b]! += image[i] ?? 0;
  }
  return { start, width, counts, textSum, imageSum, over, overTextSum, overImageSum, max };
}

// The records are checked field by field where they are read.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function* jsonLines(path: string): AsyncGenerator<{ line: number; value: any }> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new GadError(`${path}: line ${n} is not valid JSON (${describeError(e)})`, {
        hint: 'The file is damaged: rebuild the output folder.',
        exitCode: 2,
      });
    }
    yield { line: n, value };
  }
}

/** Report metadata from a manifest.json (as export writes it). */
export function metaFromManifest(m: Partial<Manifest>): ReportMeta {
  const cfg = (m.config ?? {}) as Record<string, unknown>;
  const rep = (cfg.report ?? {}) as Record<string, unknown>;
  return {
    target: m.target ?? null,
    kind: m.kind ?? null,
    model: m.model
      ? {
          name: m.model.name,
          family: m.model.family,
          factor: m.model.factor,
          minPixels: m.model.minPixels,
          maxPixels: m.model.maxPixels,
        }
      : null,
    pipeline: m.resize
      ? {
          name: m.resize.pipeline,
          minPixels: m.resize.minPixels,
          maxPixels: m.resize.maxPixels,
          trainer: m.resize.trainer,
        }
      : null,
    maxPromptLength: m.limits?.maxPromptLength ?? null,
    maxResponseLength: m.limits?.maxResponseLength ?? null,
    keep: typeof rep.keep === 'number' ? rep.keep : undefined,
    multiple: typeof rep.multiple === 'number' ? rep.multiple : undefined,
  };
}

/**
 * `gad-data report OUT_DIR`: reads OUT_DIR/lengths.jsonl, OUT_DIR/dropped.jsonl (optional) and
 * OUT_DIR/manifest.json (optional: model, pipeline and limits).
 */
export async function reportFromOutDir(
  outDir: string,
  opts: { keep?: number; multiple?: number } = {},
): Promise<Report> {
  const lengths = join(outDir, 'lengths.jsonl');
  if (!existsSync(lengths))
    throw new GadError(`${outDir}: no lengths.jsonl here, so this is not a gad-data output folder`, {
      hint: 'Pass the folder a `gad-data build` wrote, or use `gad-data report FILES... --model M` for parquet files made elsewhere.',
      exitCode: 2,
    });
  let meta: ReportMeta = {};
  const manifestPath = join(outDir, 'manifest.json');
  if (existsSync(manifestPath)) {
    try {
      meta = metaFromManifest(JSON.parse(await readFile(manifestPath, 'utf8')) as Partial<Manifest>);
    } catch (e) {
      throw new GadError(`${manifestPath}: cannot read it (${describeError(e)})`, {
        hint: 'Rebuild the output folder.',
        exitCode: 2,
      });
    }
  }
  const b = new ReportBuilder();
  for await (const { line, value } of jsonLines(lengths)) {
    if (!value || typeof value.split !== 'string' || typeof value.prompt_tokens !== 'number')
      throw new GadError(`${lengths}: line ${line} is not a lengths record (needs split and prompt_tokens)`, {
        exitCode: 2,
      });
    b.add({
      split: value.split,
      prompt_tokens: value.prompt_tokens,
      text_tokens:
        typeof value.text_tokens === 'number' ? value.text_tokens : value.prompt_tokens - (value.image_tokens ?? 0),
      image_tokens: typeof value.image_tokens === 'number' ? value.image_tokens : 0,
      response_tokens: typeof value.response_tokens === 'number' ? value.response_tokens : null,
    });
  }
  const dropped = join(outDir, 'dropped.jsonl');
  if (existsSync(dropped)) {
    for await (const { line, value } of jsonLines(dropped)) {
      if (!value || typeof value.split !== 'string' || !(DROP_REASONS as readonly string[]).includes(value.reason))
        throw new GadError(`${dropped}: line ${line} is not a drop record (needs split and a known reason)`, {
          exitCode: 2,
        });
      b.addDrop(value as DropRecord);
    }
  }
  return b.build({
    ...meta,
    keep: opts.keep ?? meta.keep,
    multiple: opts.multiple ?? meta.multiple,
    title: `gad-data report: ${outDir.split(/[\\/]/).filter(Boolean).pop() ?? outDir}`,
    input: { kind: 'build', outDir: displayPath(resolve(outDir)) },
  });
}

/**
 * `gad-data report ... --out DIR`: writes DIR/report.json and DIR/report.html (the same files a build writes),
 * creating DIR. Returns the two paths.
 */
export async function writeReportFiles(
  dir: string,
  report: Report,
  renderHtml: (r: Report) => string,
): Promise<{ json: string; html: string }> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new GadError(`cannot create the report folder ${dir} (${describeError(e)})`, {
      hint: 'pass --out a folder you can write to',
      exitCode: 2,
    });
  }
  const json = join(dir, 'report.json');
  const html = join(dir, 'report.html');
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(html, renderHtml(report));
  return { json, html };
}
