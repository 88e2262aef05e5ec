/** report.html: one self-contained page (inline CSS and SVG) of a Report. */
import { DROP_REASONS, type DropReason, type Stats } from '../core/types.js';
import { fmtNum, fmtPct } from './numbers.js';
import type { Report } from './report.js';
import { esc } from './escape.js';
import { histogramSvg, type Line } from './histogram-svg.js';
import { CONFIGURED_LEVEL_TEXT, configuredLevel } from './levels.js';
import { COLORS as C, CSS } from './style.js';

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

function statsRow(label: string, s: Stats | null, strong = false): string {
  if (!s || s.count === 0) return `<tr><th>${esc(label)}</th><td colspan="7" class="muted">–</td></tr>`;
  const cells = [s.min, s.p50, s.p90, s.p95, s.p99, s.max, s.mean].map((v) => `<td>${fmtNum(v)}</td>`).join('');
  return `<tr${strong ? ' class="strong"' : ''}><th>${esc(label)}</th>${cells}</tr>`;
}

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
