/** The table of a split's rows: filters, sortable token columns, thumbnails, paging. */
import { esc, fmt, href, page, select, size, type PageCtx } from './page-shell.js';
import { SORT_KEYS, promptStart, splitPage, type TableQuery } from './query.js';
import { lengthRecord, readRow, type ViewSource, type ViewSplit } from './source.js';

const LABEL: Record<string, string> = {
  prompt_tokens: 'prompt',
  text_tokens: 'text',
  image_tokens: 'image',
  response_tokens: 'response',
};

export function pager(
  ctx: PageCtx,
  path: string,
  params: Record<string, string | number | boolean | null>,
  q: TableQuery,
  total: number,
): string {
  const pages = Math.max(1, Math.ceil(total / q.size));
  const prev =
    q.page > 1
      ? `<a rel="prev" href="${esc(href(ctx, path, { ...params, page: q.page - 1 }))}">← previous</a>`
      : '<span class="muted">← previous</span>';
  const next =
    q.page < pages
      ? `<a rel="next" href="${esc(href(ctx, path, { ...params, page: q.page + 1 }))}">next →</a>`
      : '<span class="muted">next →</span>';
  return `<div class="pager">${prev}<span id="page-info">page ${fmt(q.page)} of ${fmt(pages)} · ${fmt(total)} row(s)</span>${next}</div>`;
}

function sortHeader(
  ctx: PageCtx,
  params: Record<string, string | number | boolean | null>,
  q: TableQuery,
  key: string,
  path: string,
): string {
  const on = q.sort === key;
  const desc = on ? !q.desc : true;
  const arrow = on ? (q.desc ? ' ▼' : ' ▲') : '';
  return `<th class="n"><a href="${esc(href(ctx, path, { ...params, sort: key, desc: desc ? 1 : 0, page: 1 }))}">${LABEL[key]}${arrow}</a></th>`;
}

async function rowHtml(ctx: PageCtx, src: ViewSource, split: ViewSplit, n: number): Promise<string> {
  const link = href(ctx, '/row', { split: split.name, n });
  const prompt = await promptStart(src, split, n);
  const img = `<img class="thumb" alt="" src="${esc(href(ctx, '/image', { split: split.name, n, i: 0 }))}">`;
  if (src.kind === 'files') {
    const id = src.columns.id ? String((await readRow(split, n, [src.columns.id]))[src.columns.id] ?? '') : '';
    return `<tr data-n="${n}"><td class="n"><a href="${esc(link)}">${n}</a></td><td>${esc(id)}</td><td>${img}</td><td>${esc(prompt)}</td><td class="n" colspan="5"><span class="muted">see the row</span></td></tr>`;
  }
  const rec = await lengthRecord(src, split, n);
  const written: unknown[] = Array.isArray(rec.written) ? rec.written : [];
  const resized: unknown[] = Array.isArray(rec.resized) ? rec.resized : [];
  const sizes = written.map((w, i) => {
    const same = size(w) === size(resized[i]);
    return `<span${same ? '' : ' class="changed"'}>${size(w)}${same ? '' : ` → ${size(resized[i])}`}</span>`;
  });
  const num = (k: string) => `<td class="n">${fmt(rec[k] as number | null)}</td>`;
  return `<tr data-n="${n}" data-id="${esc(rec.id)}"><td class="n"><a href="${esc(link)}">${n}</a></td><td><a href="${esc(link)}">${esc(rec.id)}</a></td><td>${written.length ? img : ''}</td><td>${esc(prompt)}</td>${SORT_KEYS.map(num).join('')}<td>${sizes.join('<br>') || '<span class="muted">no image</span>'}</td></tr>`;
}

export async function splitTable(ctx: PageCtx, src: ViewSource, split: ViewSplit, q: TableQuery): Promise<string> {
  const res = await splitPage(src, split, q);
  const params = {
    split: split.name,
    q: q.q,
    changed: q.changed ? 1 : null,
    sort: q.sort,
    desc: q.sort ? (q.desc ? 1 : 0) : null,
  };
  const rows = await Promise.all(res.rows.map((n) => rowHtml(ctx, src, split, n)));
  const build = src.kind === 'build';
  const form = `<form class="filters" method="get" action="/rows">
<input type="hidden" name="token" value="${esc(ctx.token)}">
<label>split ${select(
    'split',
    src.splits.map((s) => s.name),
    split.name,
  )}</label>
<label>search <input type="search" name="q" value="${esc(q.q)}" placeholder="prompt or id"></label>
${
  build
    ? `<label><input type="checkbox" name="changed" value="1"${q.changed ? ' checked' : ''}> image resized by the processor (stored ≠ model size)</label>
<label>sort ${select('sort', [...SORT_KEYS], q.sort ?? '', 'row order')}</label>
<label><input type="checkbox" name="desc" value="1"${q.desc ? ' checked' : ''}> descending</label>`
    : ''
}
<button type="submit">apply</button></form>`;
  const head = build
    ? SORT_KEYS.map((k) => sortHeader(ctx, params, q, k, '/rows')).join('') + '<th>image stored → model</th>'
    : '<th colspan="5">tokens</th>';
  const table = `<table id="rows"><thead><tr><th class="n">#</th><th>id</th><th>image</th><th>prompt</th>${head}</tr></thead>
<tbody>${rows.join('\n') || `<tr><td colspan="10" class="muted">no rows</td></tr>`}</tbody></table>`;
  const note = build
    ? '<p class="muted">Token counts from lengths.jsonl; the model size is the size the processor resizes the stored image to (its tokens).</p>'
    : '<p class="muted">Parquet files made elsewhere: token counts are measured on the row page.</p>';
  const pg = pager(ctx, '/rows', params, q, res.total);
  return page(ctx, `${split.name}`, `<h2>split ${esc(split.name)}</h2>${form}${pg}${table}${pg}${note}`);
}
