import { DROP_REASONS, type DropReason, type Stats } from '../core/types.js';
import type { HistogramData, Report } from './report.js';

/** What each reason code means, for the report tables. */
export const REASON_TEXT: Record<DropReason, string> = {
  prompt_too_long: 'prompt tokens (text + image) above max_prompt_length',
  response_too_long: 'teacher response tokens above max_response_length',
  image_undecodable: 'image bytes missing or not decodable',
  image_too_large: 'image above the pixel limit',
  aspect_ratio: 'long side / short side above 200 (the processor raises)',
  image_too_small: 'image below the minimum size',
  image_count_mismatch: '<image> placeholders ≠ number of images',
  multi_image: 'more than one image (single-image build)',
  no_image: 'no image',
  no_teacher_response: 'no teacher response (GAD needs one)',
  empty_prompt: 'prompt text is empty',
  duplicate: 'same normalized prompt + image hash as an earlier row of the split',
  leak: 'same normalized prompt + image hash as a row of another split',
  bad_row: 'row could not be read',
  image_outside_root: 'image path leads outside image_dir / the data folder (allow_outside_paths is off)',
  duplicate_id: 'row id (id_key) already used by an earlier row',
};

export function esc(s: unknown): string {
  return String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** 1234567 → "1,234,567"; non-integers get `digits` decimals (default 1). Locale-independent. */
export function fmtNum(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  const neg = n < 0;
  const abs = Math.round(Math.abs(n) * 10 ** digits) / 10 ** digits;
  const fixed = Number.isInteger(abs) ? abs.toFixed(0) : abs.toFixed(digits);
  const [int, frac] = fixed.split('.');
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (neg ? '-' : '') + grouped + (frac ? '.' + frac : '');
}

export function fmtPct(f: number, digits = 1): string {
  if (!Number.isFinite(f)) return '–';
  const p = f * 100;
  if (p > 99.9 && p < 100) return (100 - 10 ** -2 > p ? p.toFixed(2) : '>99.99') + '%';
  return p.toFixed(digits) + '%';
}

/**
 * How the configured max_prompt_length row is coloured: `fine` when it keeps every measured row, `warn` when
 * it loses rows but keeps at least `keep` (keep_ratio, the share the recommendation aims at), `error` when it
 * keeps less than that.
 */
export type ConfiguredLevel = 'fine' | 'warn' | 'error';
export function configuredLevel(row: { total: number; fraction: number }, keep: number): ConfiguredLevel {
  if (row.fraction >= 1) return 'fine';
  return row.fraction >= keep ? 'warn' : 'error';
}
export const CONFIGURED_LEVEL_TEXT: Record<ConfiguredLevel, string> = {
  fine: 'keeps every row whose length was measured',
  warn: 'loses some rows but keeps at least keep_ratio of them',
  error: 'keeps less than keep_ratio of the rows',
};

const C = {
  text: '#3b6fd8',
  image: '#f0a33a',
  limit: '#d8343b',
  warn: '#c98a00',
  fine: '#4a5163',
  rec: '#1f9d63',
  grid: '#e6e8ee',
  axis: '#8a90a0',
  resp: '#7c5cd6',
};

interface Line {
  x: number;
  label: string;
  color: string;
  dash?: string;
}

/** Inline SVG histogram; stacked text/image shares when the sums are given. */
function histogramSvg(
  h: HistogramData,
  opts: { stacked: boolean; color?: string; lines: Line[]; xLabel: string; width?: number; height?: number },
): string {
  const W = opts.width ?? 1080;
  const H = opts.height ?? 300;
  const m = { l: 56, r: 20, t: 34, b: 44 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const nb = h.counts.length;
  const overflow = h.over > 0;
  const end = h.start + nb * h.width;
  let x0 = h.start;
  // One extra slot (a gap and a bar) for the overflow when the tail was cut.
  let x1 = end + (overflow ? 2 * h.width : 0);
  for (const ln of opts.lines) {
    if (ln.x > x1 && ln.x <= x1 + (x1 - x0) * 0.6) x1 = ln.x + h.width;
    if (ln.x < x0 && ln.x >= x0 - (x1 - x0) * 0.6) x0 = Math.max(0, ln.x - h.width);
  }
  const maxC = Math.max(1, h.over, ...h.counts);
  const yTicks = niceTicks(0, maxC, 5);
  const yMax = yTicks[yTicks.length - 1]!;
  const sx = (v: number) => m.l + ((v - x0) / (x1 - x0)) * pw;
  const sy = (v: number) => m.t + ph - (v / yMax) * ph;
  const out: string[] = [];
  out.push(
    `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(opts.xLabel)} histogram" class="chart">`,
  );
  for (const t of yTicks) {
    out.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="${C.grid}"/>`,
    );
    out.push(`<text x="${m.l - 8}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" class="tick">${fmtNum(t)}</text>`);
  }
  for (const t of niceTicks(x0, x1, 8)) {
    if (t < x0 || t > (overflow ? end : x1)) continue;
    out.push(
      `<line x1="${sx(t).toFixed(1)}" x2="${sx(t).toFixed(1)}" y1="${m.t + ph}" y2="${m.t + ph + 5}" stroke="${C.axis}"/>`,
    );
    out.push(
      `<text x="${sx(t).toFixed(1)}" y="${m.t + ph + 19}" text-anchor="middle" class="tick">${fmtNum(t)}</text>`,
    );
  }
  out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${m.t + ph}" y2="${m.t + ph}" stroke="${C.axis}"/>`);
  out.push(`<text x="${m.l + pw / 2}" y="${H - 6}" text-anchor="middle" class="axis-label">${esc(opts.xLabel)}</text>`);
  for (let i = 0; i < nb; i++) {
    const c = h.counts[i]!;
    if (c === 0) continue;
    const lo = h.start + i * h.width;
    const xa = sx(lo) + 0.5;
    const bw = Math.max(1, sx(lo + h.width) - sx(lo) - 1);
    const y = sy(c);
    const full = m.t + ph - y;
    const tip = `${fmtNum(lo)}–${fmtNum(lo + h.width - 1)} tokens: ${fmtNum(c)} rows`;
    if (opts.stacked) {
      const t = h.textSum[i] ?? 0;
      const im = h.imageSum[i] ?? 0;
      const share = t + im > 0 ? t / (t + im) : 1;
      const th = full * share;
      out.push(
        `<g><title>${esc(tip)}; text ${fmtPct(share, 0)} / image ${fmtPct(1 - share, 0)} of tokens</title>` +
          `<rect x="${xa.toFixed(1)}" y="${(y + full - th).toFixed(1)}" width="${bw.toFixed(1)}" height="${th.toFixed(1)}" fill="${C.text}"/>` +
          `<rect x="${xa.toFixed(1)}" y="${y.toFixed(1)}" width="${bw.toFixed(1)}" height="${(full - th).toFixed(1)}" fill="${C.image}"/></g>`,
      );
    } else {
      out.push(
        `<g><title>${esc(tip)}</title><rect x="${xa.toFixed(1)}" y="${y.toFixed(1)}" width="${bw.toFixed(1)}" height="${full.toFixed(1)}" fill="${opts.color ?? C.resp}"/></g>`,
      );
    }
  }
  if (overflow) {
    const xa = sx(end + h.width) + 0.5;
    const bw = Math.max(1, sx(end + 2 * h.width) - sx(end + h.width) - 1);
    const y = sy(h.over);
    const full = m.t + ph - y;
    const tip = `${fmtNum(end)}–${fmtNum(h.max)} tokens (tail): ${fmtNum(h.over)} rows`;
    const t = h.overTextSum;
    const share = opts.stacked && t + h.overImageSum > 0 ? t / (t + h.overImageSum) : 1;
    const th = full * share;
    out.push(
      `<g><title>${esc(tip)}</title><rect x="${xa.toFixed(1)}" y="${(y + full - th).toFixed(1)}" width="${bw.toFixed(1)}" height="${th.toFixed(1)}" fill="${opts.stacked ? C.text : (opts.color ?? C.resp)}" opacity="0.75"/>` +
        (opts.stacked
          ? `<rect x="${xa.toFixed(1)}" y="${y.toFixed(1)}" width="${bw.toFixed(1)}" height="${(full - th).toFixed(1)}" fill="${C.image}" opacity="0.75"/>`
          : '') +
        `</g>`,
    );
    out.push(
      `<text x="${(xa + bw / 2).toFixed(1)}" y="${m.t + ph + 19}" text-anchor="middle" class="tick">&gt; ${fmtNum(end)}</text>`,
    );
    out.push(
      `<text x="${(xa + bw / 2).toFixed(1)}" y="${(y - 5).toFixed(1)}" text-anchor="middle" class="tick">${fmtNum(h.over)}</text>`,
    );
  }
  // Vertical limit lines, labels staggered so that close lines stay legible.
  const lines = opts.lines.filter((l) => l.x >= x0 && l.x <= x1).sort((a, b) => a.x - b.x);
  lines.forEach((ln, k) => {
    const x = sx(ln.x);
    const anchor = x > m.l + pw * 0.8 ? 'end' : 'start';
    const dx = anchor === 'end' ? -6 : 6;
    out.push(
      `<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${m.t - 6}" y2="${m.t + ph}" stroke="${ln.color}" stroke-width="2"${ln.dash ? ` stroke-dasharray="${ln.dash}"` : ''}/>`,
    );
    out.push(
      `<text x="${(x + dx).toFixed(1)}" y="${m.t + 8 + k * 16}" text-anchor="${anchor}" class="line-label" fill="${ln.color}">${esc(ln.label)}</text>`,
    );
  });
  const off = opts.lines.filter((l) => l.x > x1 || l.x < x0);
  if (off.length)
    out.push(
      `<text x="${W - m.r}" y="${m.t - 18}" text-anchor="end" class="tick">${esc(off.map((l) => `${l.label} (off scale)`).join(' · '))}</text>`,
    );
  out.push('</svg>');
  return out.join('');
}

/** About `n` round tick values covering [lo, hi]. */
function niceTicks(lo: number, hi: number, n: number): number[] {
  const span = Math.max(1, hi - lo);
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = mag;
  for (const k of [1, 2, 2.5, 5, 10]) {
    if (k * mag >= raw) {
      step = k * mag;
      break;
    }
  }
  step = Math.max(1, step);
  const out: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 0.999; v += step) out.push(Math.round(v));
  return out;
}

function statsRow(label: string, s: Stats | null, strong = false): string {
  if (!s || s.count === 0) return `<tr><th>${esc(label)}</th><td colspan="7" class="muted">–</td></tr>`;
  const cells = [s.min, s.p50, s.p90, s.p95, s.p99, s.max, s.mean].map((v) => `<td>${fmtNum(v)}</td>`).join('');
  return `<tr${strong ? ' class="strong"' : ''}><th>${esc(label)}</th>${cells}</tr>`;
}

const CSS = `
:root{--fg:#1d2330;--muted:#6b7385;--line:#e6e8ee;--bg:#f6f7fb;--card:#fff;--accent:#3b6fd8}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1160px;margin:0 auto;padding:28px 28px 48px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:17px;margin:0 0 12px}
.sub{color:var(--muted);margin:0 0 20px}
.sub b{color:var(--fg);font-weight:600}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:14px;margin-bottom:18px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px}
.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:26px;font-weight:650;margin-top:2px;font-variant-numeric:tabular-nums}
.card .d{color:var(--muted);font-size:12.5px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 20px;margin-bottom:18px}
.legend{display:flex;gap:18px;flex-wrap:wrap;color:var(--muted);font-size:12.5px;margin:-4px 0 6px}
.legend i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;vertical-align:-2px}
.legend i.ln{height:3px;vertical-align:3px}
.chart{display:block}
.chart .tick{font-size:11px;fill:#6b7385}
.chart .axis-label{font-size:12px;fill:#4a5163}
.chart .line-label{font-size:12px;font-weight:600}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
thead th{color:var(--muted);font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.03em}
tbody th{font-weight:500}
tr.strong th,tr.strong td{font-weight:650}
tr.split td{background:#fafbfd;text-align:left;font-weight:650;padding-top:10px}
tr.hl td,tr.hl th{background:#eef8f2}
tr.cfg-fine td,tr.cfg-fine th{background:#eef8f2}
tr.cfg-warn td,tr.cfg-warn th{background:#fdf6e7}
tr.cfg-error td,tr.cfg-error th{background:#fdf0f0}
.bar{display:inline-block;height:9px;border-radius:5px;background:var(--accent);vertical-align:top}
.bar-bg{display:inline-block;margin-right:10px;width:160px;height:9px;border-radius:5px;background:#edf0f6;vertical-align:middle;text-align:left;line-height:0}
.tag{display:inline-block;font-size:11px;font-weight:650;border-radius:4px;padding:1px 6px;margin-left:6px}
.tag.cfg-fine{background:#dcf3e6;color:#15784a}.tag.cfg-warn{background:#fbeccb;color:#8a5a00}.tag.cfg-error{background:#fbe3e3;color:#b3262c}.tag.rec{background:#dcf3e6;color:#15784a}
.muted{color:var(--muted)}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f0f2f7;border-radius:4px;padding:1px 5px}
.grid2{display:grid;grid-template-columns:7fr 6fr;gap:18px;align-items:start}
.grid2 section{margin-bottom:18px}
footer{color:var(--muted);font-size:12px;margin-top:8px}
`;

/** A self-contained HTML page: inline CSS and SVG, no script, no external URL of any kind. */
export function renderReportHtml(report: Report): string {
  const r = report;
  const splits = Object.keys(r.splits);
  const total = r.total;
  const rowsIn = total.rows + total.dropped;
  const cfg = r.limits.maxPromptLength;
  const cfgRow = cfg !== null ? r.candidates.find((c) => c.limit === cfg) : undefined;
  const recRow = r.candidates.find((c) => c.recommended);
  const cfgColor = cfgRow
    ? { fine: C.fine, warn: C.warn, error: C.limit }[configuredLevel(cfgRow, r.recommendation.keep)]
    : C.limit;
  const sub: string[] = [];
  if (r.model) sub.push(`model <b>${esc(r.model.name)}</b>${r.model.factor ? ` (factor ${r.model.factor})` : ''}`);
  if (r.target) sub.push(`target <b>${esc(r.target)}</b>`);
  if (r.kind) sub.push(`<b>${esc(r.kind.toUpperCase())}</b> data`);
  if (r.pipeline)
    sub.push(
      `resize pipeline <b>${esc(r.pipeline.name)}</b>${r.pipeline.minPixels && r.pipeline.maxPixels ? ` (${fmtNum(r.pipeline.minPixels)}–${fmtNum(r.pipeline.maxPixels)} px)` : ''}`,
    );
  if (r.input.files?.length)
    sub.push(`${r.input.files.length} file(s): ${esc(r.input.files.map((f) => f.split(/[\\/]/).pop()).join(', '))}`);

  const cards: string[] = [];
  cards.push(
    card(
      'Rows kept',
      fmtNum(total.rows),
      `${fmtNum(total.dropped)} dropped of ${fmtNum(rowsIn)} · ${splits.map((s) => `${esc(s)} ${fmtNum(r.splits[s]!.rows)}`).join(' · ')}`,
    ),
  );
  cards.push(
    card(
      'Prompt tokens p50 / p99',
      `${fmtNum(total.tokens.prompt.p50, 0)} / ${fmtNum(total.tokens.prompt.p99, 0)}`,
      `max ${fmtNum(total.tokens.prompt.max)} · image share ${fmtPct(total.tokens.image.mean / Math.max(1, total.tokens.prompt.mean), 0)}`,
    ),
  );
  cards.push(
    card(
      'Recommended max_prompt_length',
      fmtNum(r.recommendation.maxPromptLength),
      `keeps ${recRow ? fmtPct(recRow.fraction) : '–'} (rule: ≥ ${fmtPct(r.recommendation.keep, 0)}, multiple of ${r.recommendation.multiple})${cfgRow ? ` · configured ${fmtNum(cfg)} keeps ${fmtPct(cfgRow.fraction)}` : ''}`,
    ),
  );
  const resp = total.tokens.response;
  cards.push(
    card(
      'Recommended max_response_length',
      r.recommendation.maxResponseLength !== null ? fmtNum(r.recommendation.maxResponseLength) : '–',
      resp
        ? `teacher p50 ${fmtNum(resp.p50, 0)} · p99 ${fmtNum(resp.p99, 0)}${r.limits.maxResponseLength !== null && total.responsesOverLimit !== null ? ` · ${fmtNum(total.responsesOverLimit)} over ${fmtNum(r.limits.maxResponseLength)}` : ''}`
        : 'no teacher responses',
    ),
  );

  const parts: string[] = [];
  parts.push(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(r.title)}</title><style>${CSS}</style></head><body><main>`,
  );
  parts.push(`<h1>${esc(r.title)}</h1><p class="sub">${sub.join(' · ') || 'token lengths and drops'}</p>`);
  parts.push(`<div class="cards">${cards.join('')}</div>`);

  // Prompt length histogram.
  if (r.histograms.prompt) {
    const lines: Line[] = [];
    if (cfg !== null) lines.push({ x: cfg, label: `max_prompt_length ${fmtNum(cfg)}`, color: cfgColor, dash: '6 4' });
    if (r.recommendation.maxPromptLength !== cfg)
      lines.push({
        x: r.recommendation.maxPromptLength,
        label: `recommended ${fmtNum(r.recommendation.maxPromptLength)}`,
        color: C.rec,
      });
    parts.push(
      `<section><h2>Prompt length (tokens)</h2><div class="legend"><span><i style="background:${C.text}"></i>text tokens</span><span><i style="background:${C.image}"></i>image tokens</span>` +
        `${cfg !== null ? `<span><i class="ln" style="background:${cfgColor}"></i>configured limit</span>` : ''}<span><i class="ln" style="background:${C.rec}"></i>recommended</span>` +
        `<span>bar height = rows; colours = share of text vs image tokens in the bin; includes rows dropped for length</span></div>` +
        histogramSvg(r.histograms.prompt, {
          stacked: true,
          lines,
          xLabel: 'prompt tokens (chat template text + image tokens)',
        }) +
        `</section>`,
    );
  }
  if (r.histograms.response) {
    const lines: Line[] = [];
    if (r.limits.maxResponseLength !== null)
      lines.push({
        x: r.limits.maxResponseLength,
        label: `max_response_length ${fmtNum(r.limits.maxResponseLength)}`,
        color: C.limit,
        dash: '6 4',
      });
    if (
      r.recommendation.maxResponseLength !== null &&
      r.recommendation.maxResponseLength !== r.limits.maxResponseLength
    )
      lines.push({
        x: r.recommendation.maxResponseLength,
        label: `recommended ${fmtNum(r.recommendation.maxResponseLength)}`,
        color: C.rec,
      });
    parts.push(
      `<section><h2>Teacher response length (tokens)</h2>` +
        histogramSvg(r.histograms.response, { stacked: false, lines, xLabel: 'response tokens', height: 240 }) +
        `</section>`,
    );
  }

  // Stats per split.
  const statRows: string[] = [];
  for (const s of [...splits, ...(splits.length > 1 ? ['all'] : [])]) {
    const sr = s === 'all' ? total : r.splits[s]!;
    statRows.push(
      `<tr class="split"><td colspan="8">${esc(s)} <span class="muted">· ${fmtNum(sr.rows)} rows kept, ${fmtNum(sr.dropped)} dropped</span></td></tr>`,
    );
    statRows.push(
      statsRow('prompt', sr.tokens.prompt, true),
      statsRow('text', sr.tokens.text),
      statsRow('image', sr.tokens.image),
    );
    if (sr.tokens.response) statRows.push(statsRow('response', sr.tokens.response));
  }
  parts.push(
    `<section><h2>Token statistics of kept rows</h2><table><thead><tr><th></th><th>min</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>max</th><th>mean</th></tr></thead><tbody>${statRows.join('')}</tbody></table></section>`,
  );

  // Candidate limits and drops side by side.
  const candRows = r.candidates
    .map((c) => {
      const level = c.configured ? configuredLevel(c, r.recommendation.keep) : null;
      const cls = level ? ` class="cfg cfg-${level}"` : c.recommended ? ' class="hl"' : '';
      const tags =
        (level ? `<span class="tag cfg-${level}" title="${esc(CONFIGURED_LEVEL_TEXT[level])}">configured</span>` : '') +
        (c.recommended ? '<span class="tag rec">recommended</span>' : '');
      const per = splits.length > 1 ? splits.map((s) => `<td>${fmtNum(c.kept[s] ?? 0)}</td>`).join('') : '';
      return `<tr${cls}><th>${fmtNum(c.limit)}${tags}</th>${per}<td>${fmtNum(c.total)}</td><td><span class="bar-bg"><span class="bar" style="width:${(c.fraction * 160).toFixed(1)}px"></span></span>${fmtPct(c.fraction)}</td></tr>`;
    })
    .join('');
  const candHead = `<tr><th>max_prompt_length</th>${splits.length > 1 ? splits.map((s) => `<th>${esc(s)}</th>`).join('') : ''}<th>rows kept</th><th>kept</th></tr>`;
  const reasons = DROP_REASONS.filter((x) => r.drops.total[x] > 0);
  const dropHead = `<tr><th>reason</th>${splits.map((s) => `<th>${esc(s)}</th>`).join('')}${splits.length > 1 ? '<th>total</th>' : ''}</tr>`;
  const dropRows = reasons.length
    ? reasons
        .map(
          (x) =>
            `<tr><th><code>${esc(x)}</code><div class="muted" style="font-size:12px;white-space:normal">${esc(REASON_TEXT[x])}</div></th>${splits.map((s) => `<td>${fmtNum(r.drops.bySplit[s]?.[x] ?? 0)}</td>`).join('')}${splits.length > 1 ? `<td>${fmtNum(r.drops.total[x])}</td>` : ''}</tr>`,
        )
        .join('')
    : `<tr><td colspan="${splits.length + 2}" class="muted">no rows dropped</td></tr>`;
  parts.push(
    `<div class="grid2"><section><h2>What a max_prompt_length keeps</h2><table><thead>${candHead}</thead><tbody>${candRows}</tbody></table>` +
      `<p class="muted" style="margin:10px 0 0;font-size:12.5px">Out of ${fmtNum(total.measured)} rows whose prompt length was measured (kept + dropped for length). A trainer keeps a row when prompt tokens ≤ the limit.</p></section>` +
      `<section><h2>Dropped rows (${fmtNum(r.drops.count)})</h2><table><thead>${dropHead}</thead><tbody>${dropRows}</tbody></table></section></div>`,
  );

  const foot: string[] = [
    `Percentiles: ${esc(r.percentileMethod)}.`,
    `Recommendation: smallest multiple of ${r.recommendation.multiple} keeping ≥ ${fmtPct(r.recommendation.keep, 0)} of ${esc(r.recommendation.basis)}.`,
  ];
  for (const n of r.notes) foot.push(esc(n));
  parts.push(`<footer>${foot.join('<br>')}<br>Generated by gad-data.</footer></main></body></html>\n`);
  return parts.join('\n');
}

function card(k: string, v: string, d: string): string {
  return `<div class="card"><div class="k">${esc(k)}</div><div class="v">${v}</div><div class="d">${d}</div></div>`;
}
