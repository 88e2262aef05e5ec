/** Dropped rows (dropped.jsonl): a filterable table (split, reason, text) and a page per row with its reason, measured value and limit. */
import { esc, fmt, href, page, select, type PageCtx } from './page-shell.js';
import { SORT_KEYS, droppedPage, type TableQuery } from './query.js';
import { pager } from './page-table.js';
import type { ViewSource } from './source.js';

function value(v: unknown): string {
  return v === null || v === undefined ? '—' : typeof v === 'number' ? fmt(v) : esc(v);
}

export async function droppedTable(ctx: PageCtx, src: ViewSource, q: TableQuery): Promise<string> {
  const idx = src.dropped;
  const res = await droppedPage(src, q);
  const recs = idx ? await Promise.all(res.rows.map((i) => idx.read(i))) : [];
  const params = { split: q.split, reason: q.reason, q: q.q, sort: q.sort, desc: q.sort ? (q.desc ? 1 : 0) : null };
  const form = `<form class="filters" method="get" action="/dropped">
<input type="hidden" name="token" value="${esc(ctx.token)}">
<label>split ${select('split', idx?.values.split ?? [], q.split, 'all splits')}</label>
<label>reason ${select('reason', idx?.values.reason ?? [], q.reason, 'all reasons')}</label>
<label>search <input type="search" name="q" value="${esc(q.q)}" placeholder="id, detail, source"></label>
<label>sort ${select('sort', [...SORT_KEYS], q.sort ?? '', 'file order')}</label>
<label><input type="checkbox" name="desc" value="1"${q.desc ? ' checked' : ''}> descending</label>
<button type="submit">apply</button></form>`;
  const rows = recs.map((r, k) => {
    const link = href(ctx, '/dropped-row', { line: res.rows[k]! });
    return `<tr data-line="${res.rows[k]}"><td><a href="${esc(link)}">${esc(r.id)}</a></td><td>${esc(r.split)}</td><td><span class="reason">${esc(r.reason)}</span></td><td class="n">${value(r.value)}</td><td class="n">${value(r.limit)}</td><td class="n">${fmt(r.prompt_tokens as number | undefined)}</td><td>${esc(r.detail)}</td></tr>`;
  });
  const table = `<table id="dropped"><thead><tr><th>id</th><th>split</th><th>reason</th><th class="n">value</th><th class="n">limit</th><th class="n">prompt tokens</th><th>detail</th></tr></thead>
<tbody>${rows.join('\n') || '<tr><td colspan="7" class="muted">no dropped rows</td></tr>'}</tbody></table>`;
  const pg = pager(ctx, '/dropped', params, q, res.total);
  return page(ctx, 'dropped rows', `<h2>dropped rows</h2>${form}${pg}${table}${pg}`);
}

export async function droppedRow(ctx: PageCtx, src: ViewSource, line: number): Promise<string> {
  const idx = src.dropped!;
  const r = await idx.read(line);
  const kv = Object.entries(r)
    .map(
      ([k, v]) =>
        `<dt>${esc(k)}</dt><dd id="drop-${esc(k)}">${k === 'reason' ? `<span class="reason">${esc(v)}</span>` : typeof v === 'object' && v !== null ? esc(JSON.stringify(v)) : value(v)}</dd>`,
    )
    .join('');
  const nav = [
    line > 0 ? `<a href="${esc(href(ctx, '/dropped-row', { line: line - 1 }))}">← previous</a>` : '',
    `<a href="${esc(href(ctx, '/dropped'))}">all dropped rows</a>`,
    line + 1 < idx.count ? `<a href="${esc(href(ctx, '/dropped-row', { line: line + 1 }))}">next →</a>` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const body = `<p>${nav}</p><h2>dropped: ${esc(r.id)} <span class="reason">${esc(r.reason)}</span></h2>
<div class="card"><dl class="kv">${kv}</dl></div>
<p class="muted">A dropped row is not in the shards: this is what dropped.jsonl records (the measured value, the limit, and the token counts when the row was counted before it was dropped). Row ${esc(r.index)} of ${esc(r.source)}.</p>`;
  return page(ctx, `dropped ${String(r.id)}`, body);
}

export function homePage(ctx: PageCtx, src: ViewSource): string {
  const splits = src.splits
    .map(
      (s) =>
        `<li><a href="${esc(href(ctx, '/rows', { split: s.name }))}">${esc(s.name)}</a> · ${fmt(s.rows)} rows</li>`,
    )
    .join('');
  let dropped = '';
  if (src.manifest) {
    const by = new Map<string, number>();
    for (const s of Object.values(src.manifest.splits ?? {}))
      for (const [k, v] of Object.entries(s.dropped ?? {})) by.set(k, (by.get(k) ?? 0) + v);
    const items = [...by]
      .map(([k, v]) => `<li><a href="${esc(href(ctx, '/dropped', { reason: k }))}">${esc(k)}</a> · ${fmt(v)}</li>`)
      .join('');
    dropped = `<div class="card"><h3><a href="${esc(href(ctx, '/dropped'))}">dropped rows</a></h3><ul>${items || '<li class="muted">none</li>'}</ul></div>`;
  }
  const m = src.manifest;
  const info = m
    ? `<p class="muted">model ${esc(m.model?.name)} · target ${esc(m.target)} · pipeline ${esc(m.resize?.pipeline)} · max_prompt_length ${fmt(m.limits?.maxPromptLength)} · <a href="${esc(href(ctx, '/file/report.html'))}">report.html</a> · <a href="${esc(href(ctx, '/file/manifest.json'))}">manifest.json</a></p>`
    : '';
  return page(
    ctx,
    'overview',
    `<h2>${esc(src.title)}</h2>${info}<div class="card"><h3>splits</h3><ul>${splits}</ul></div>${dropped}`,
  );
}
