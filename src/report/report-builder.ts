/** `ReportBuilder`: the numbers of report.json (statistics, candidate limits, recommendation, drops, histograms). */
import { DROP_REASONS, type DropReason } from '../core/types.js';
import { Tally } from '../core/tally.js';
import type { DropRecord, LengthRecord } from '../rules/filter-chain.js';
import { histogram } from './histogram.js';
import {
  CANDIDATE_LIMITS,
  PERCENTILE_METHOD,
  type CandidateRow,
  type Report,
  type ReportMeta,
  type SplitReport,
} from './report.js';
import { NumList, concatNums, type Nums } from './num-list.js';
import { countAtMost, recommendLimit, sortedCopy, summarize } from './stats.js';

interface SplitAcc<L = Nums> {
  prompt: L;
  text: L;
  image: L;
  response: L;
  /** Lengths of rows dropped for prompt/response length: measured but not kept. */
  mPrompt: L;
  mText: L;
  mImage: L;
  mResponse: L;
}

function zeroDrops(): Record<DropReason, number> {
  const o = {} as Record<DropReason, number>;
  for (const r of DROP_REASONS) o[r] = 0;
  return o;
}

const ACC_KEYS = ['prompt', 'text', 'image', 'response', 'mPrompt', 'mText', 'mImage', 'mResponse'] as const;

/** A split's accumulator while rows stream by: the numbers in typed arrays (num-list.ts), off the JS heap. */
function emptyLists(): SplitAcc<NumList> {
  const a = {} as SplitAcc<NumList>;
  for (const k of ACC_KEYS) a[k] = new NumList();
  return a;
}

/** The lists' numbers without copies (views of their typed arrays), read while nothing is pushed. */
function views(l: SplitAcc<NumList>): SplitAcc {
  const a = {} as SplitAcc;
  for (const k of ACC_KEYS) a[k] = l[k].values();
  return a;
}

/** Each list of the splits' lists one after the other, in split order. */
function joined(accs: SplitAcc[]): SplitAcc {
  const a = {} as SplitAcc;
  for (const k of ACC_KEYS) a[k] = concatNums(accs.map((x) => x[k]));
  return a;
}

/**
 * Builds a Report from lengths.jsonl / dropped.jsonl records as they stream by. Memory: four numbers per
 * row (no text, no images), in typed arrays until `build`. The drop counts are not kept here but read from a `Tally` (src/core/tally.ts): its
 * own, booked by `addDrop`, or a build's, booked once by the filter chain (then the build passes each drop to
 * `addMeasured` only, for its lengths).
 */
export class ReportBuilder {
  private readonly acc = new Map<string, SplitAcc<NumList>>();

  constructor(private readonly tally: Tally = new Tally()) {}

  private split(name: string): SplitAcc<NumList> {
    let a = this.acc.get(name);
    if (!a) {
      a = emptyLists();
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

  /** A dropped row (a dropped.jsonl line): counted in the tally, then `addMeasured`. */
  addDrop(rec: Pick<DropRecord, 'split' | 'reason'> & Partial<DropRecord>): void {
    this.tally.book(rec.split, rec.reason);
    this.addMeasured(rec);
  }

  /**
   * What the report keeps of a dropped row besides its count (which the tally has): rows dropped for length keep
   * their measured lengths for the candidate table.
   */
  addMeasured(rec: Pick<DropRecord, 'split' | 'reason'> & Partial<DropRecord>): void {
    const a = this.split(rec.split);
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
    for (const name of this.tally.splits()) this.split(name);
    const names = [...this.acc.keys()].sort((x, y) => {
      const ix = order.indexOf(x);
      const iy = order.indexOf(y);
      if (ix !== -1 || iy !== -1) return (ix === -1 ? 1e9 : ix) - (iy === -1 ? 1e9 : iy);
      return x < y ? -1 : x > y ? 1 : 0;
    });
    const maxResp = meta.maxResponseLength ?? null;
    const maxPrompt = meta.maxPromptLength ?? null;

    const allDrops = zeroDrops();
    let allDropped = 0;
    const splits: Record<string, SplitReport> = {};
    const bySplit: Record<string, Record<DropReason, number>> = {};
    // the numbers are read where they are (typed views, not copies), so the report of a long build does not hold
    // several copies of every row's counts at once
    const accs = new Map(names.map((n) => [n, views(this.acc.get(n)!)]));
    for (const name of names) {
      const a = accs.get(name)!;
      const drops = this.tally.drops(name);
      const dropped = DROP_REASONS.reduce((n, r) => n + drops[r], 0);
      splits[name] = splitReport(a, dropped, maxResp);
      bySplit[name] = drops;
      allDropped += dropped;
      for (const r of DROP_REASONS) allDrops[r] += drops[r];
    }
    const all = joined([...accs.values()]); // in split order
    const total = splitReport(all, allDropped, maxResp);

    const measuredPrompt = concatNums([all.prompt, all.mPrompt]);
    const measuredResponse = concatNums([all.response, all.mResponse]);
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
      names.map((n) => [n, sortedCopy(concatNums([accs.get(n)!.prompt, accs.get(n)!.mPrompt]))]),
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
    if (all.mPrompt.length === 0 && allDrops.prompt_too_long > 0)
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
      drops: { total: allDrops, bySplit, count: allDropped },
      histograms: {
        prompt: histogram({
          values: measuredPrompt,
          text: concatNums([all.text, all.mText]),
          image: concatNums([all.image, all.mImage]),
          marks: [maxPrompt ?? 0, recPrompt],
        }),
        response: measuredResponse.length
          ? histogram({ values: measuredResponse, text: null, image: null, marks: [maxResp ?? 0, recResponse ?? 0] })
          : null,
      },
      notes,
    };
  }
}

function splitReport(a: SplitAcc, dropped: number, maxResp: number | null): SplitReport {
  const hasResp = a.response.length > 0 || a.mResponse.length > 0;
  let over: number | null = null;
  if (hasResp && maxResp !== null) {
    over = 0;
    for (const v of a.response) if (v > maxResp) over++;
    for (const v of a.mResponse) if (v > maxResp) over++;
  }
  return {
    rows: a.prompt.length,
    dropped,
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
