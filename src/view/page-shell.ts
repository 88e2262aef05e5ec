/**
 * The viewer's page shell: one stylesheet, no script (the pages are forms and links; the Content-Security-Policy
 * forbids scripts, so even a prompt holding `<script>` could not run one), every value escaped with the
 * report's `esc`. Links carry the session token.
 */
import { esc } from '../report/escape.js';

export { esc };

export interface PageCtx {
  token: string;
  title: string;
}

/** A link to `path` with `params` (empty values left out) and the token. */
export function href(
  ctx: PageCtx,
  path: string,
  params: Record<string, string | number | boolean | null> = {},
): string {
  const u = new URLSearchParams({ token: ctx.token });
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== '' && v !== false) u.set(k, String(v));
  return `${path}?${u.toString()}`;
}

const NUMBER = new Intl.NumberFormat('en-US'); // one formatter: toLocaleString builds one per call

export function fmt(n: number | null | undefined): string {
  return n === null || n === undefined || n < 0 ? '—' : NUMBER.format(n);
}

export function size(s: unknown): string {
  return Array.isArray(s) && s.length === 2 ? `${s[0]}×${s[1]}` : '—';
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#1d2433;background:#f6f7f9}
header{background:#1d2433;color:#fff;padding:8px 16px;display:flex;gap:18px;align-items:baseline;flex-wrap:wrap}
header a{color:#cfe0ff;text-decoration:none}header b{font-size:16px}
main{padding:12px 16px;max-width:1400px}
table{border-collapse:collapse;background:#fff;width:100%}
th,td{border-bottom:1px solid #e3e6ec;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f6;position:sticky;top:0}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
th a{color:inherit}img.thumb{max-width:72px;max-height:56px;display:block;background:#ddd}
form.filters{display:flex;gap:10px;align-items:center;flex-wrap:wrap;margin:0 0 10px}
.pager{margin:10px 0;display:flex;gap:12px;align-items:center}
.muted{color:#6b7385}.reason{font-family:ui-monospace,monospace;background:#fde8e8;color:#9b1c1c;padding:1px 5px;border-radius:3px}
.changed{color:#a15c00}.card{background:#fff;border:1px solid #e3e6ec;border-radius:6px;padding:10px 14px;margin:0 0 12px}
pre.prompt{white-space:pre-wrap;word-break:break-word;font:13px/1.5 ui-monospace,Menlo,Consolas,monospace;margin:0}
.img-tok{background:#dbeafe;color:#1e3a8a;border-radius:3px;padding:0 4px}
.cut{background:#dc2626;color:#fff;border-radius:3px;padding:0 4px;font-weight:600}
.over{background:#fee2e2}.images{display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap}
.images figure{margin:0}.images img{border:1px solid #ccd;background:#fff;image-rendering:auto}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0}dl.kv dt{color:#6b7385}dl.kv dd{margin:0}
`;

export function page(ctx: PageCtx, title: string, body: string, nav = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)} · gad-data view</title>
<style>${CSS}</style></head>
<body><header><b><a href="${esc(href(ctx, '/'))}">gad-data view</a></b><span>${esc(ctx.title)}</span>${nav}</header>
<main>${body}</main></body></html>
`;
}

/** `<select name=...>` of values (the first labelled `all` when `any`). */
export function select(name: string, values: string[], current: string, any: string | null = null): string {
  const opts = [...(any !== null ? [`<option value="">${esc(any)}</option>`] : [])];
  for (const v of values) opts.push(`<option value="${esc(v)}"${v === current ? ' selected' : ''}>${esc(v)}</option>`);
  return `<select name="${esc(name)}">${opts.join('')}</select>`;
}
