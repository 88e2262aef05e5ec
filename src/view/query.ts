/**
 * The rows a table page shows: a split's rows (or the dropped rows), filtered (drop reason, split, image changed,
 * text search), sorted by a token count, one page of them. Unfiltered, unsorted pages of a build need only the
 * lines they show (the first page of a million-row build shows at once); anything else waits for the whole index.
 * Results are row numbers: within the split for kept rows, the dropped.jsonl line for dropped ones.
 */
import { promptText } from '../ingest/prompt.js';
import { NONE, type JsonlIndex } from './jsonl-index.js';
import { readRow, type ViewSource, type ViewSplit } from './source.js';
import { must } from '../core/guards.js';

export const SORT_KEYS = ['prompt_tokens', 'text_tokens', 'image_tokens', 'response_tokens'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface TableQuery {
  page: number;
  size: number;
  sort: SortKey | null;
  desc: boolean;
  changed: boolean;
  q: string;
  /** Dropped rows: the split ('' any) and the reason ('' any). */
  split: string;
  reason: string;
}

export interface TablePage {
  rows: number[];
  total: number;
}

/** Filtered / sorted row lists of each source, the last few queries. */
const caches = new WeakMap<ViewSource, Map<string, Uint32Array>>();
function cacheOf(src: ViewSource): Map<string, Uint32Array> {
  let c = caches.get(src);
  if (!c) caches.set(src, (c = new Map()));
  return c;
}
function remember(cache: Map<string, Uint32Array>, key: string, v: Uint32Array): Uint32Array {
  cache.set(key, v);
  for (const oldest of cache.keys()) {
    if (cache.size <= 8) break;
    cache.delete(oldest);
  }
  return v;
}

/** Row numbers of a split whose prompt or id holds `q` (case-insensitive), scanning the shards' text columns. */
async function search(src: ViewSource, split: ViewSplit, q: string): Promise<Uint32Array> {
  const cache = cacheOf(src);
  const key = `q|${split.name}|${q}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const needle = q.toLowerCase();
  const out: number[] = [];
  const cols = [src.columns.prompt, ...(src.columns.id ? [src.columns.id] : [])];
  for (const f of split.files) {
    for await (const { start, rows } of f.file.scan(cols)) {
      rows.forEach((r, i) => {
        const p = promptText(r[src.columns.prompt]);
        const text = 'error' in p ? '' : (p.messages?.map((m) => m.content).join('\n') ?? p.text ?? '');
        const id = src.columns.id ? String(r[src.columns.id] ?? '') : '';
        if (text.toLowerCase().includes(needle) || id.toLowerCase().includes(needle)) out.push(f.start + start + i);
      });
    }
  }
  return remember(cache, key, Uint32Array.from(out));
}

function sortRows(rows: Uint32Array, idx: JsonlIndex, base: number, key: SortKey, desc: boolean): Uint32Array {
  const v = must(idx.numbers[key], `the lengths index without ${key}`);
  const arr = Array.from(rows);
  // rows without the count (NONE) last either way; ties in row order
  arr.sort((a, b) => {
    const x = v[base + a] ?? NONE;
    const y = v[base + b] ?? NONE;
    if (x === y) return a - b;
    if (x === NONE) return 1;
    if (y === NONE) return -1;
    return desc ? y - x : x - y;
  });
  return Uint32Array.from(arr);
}

function pageOf(rows: ArrayLike<number>, q: TableQuery): TablePage {
  const from = (q.page - 1) * q.size;
  return { rows: Array.from(Array.prototype.slice.call(rows, from, from + q.size) as number[]), total: rows.length };
}

/** One page of a split's kept rows. */
export async function splitPage(src: ViewSource, split: ViewSplit, q: TableQuery): Promise<TablePage> {
  const idx = src.lengths;
  const from = (q.page - 1) * q.size;
  if (!q.q && !q.changed && !q.sort) {
    const rows: number[] = [];
    for (let n = from; n < Math.min(split.rows, from + q.size); n++) rows.push(n);
    return { rows, total: split.rows };
  }
  let rows: Uint32Array;
  if (q.q) rows = await search(src, split, q.q);
  else rows = Uint32Array.from({ length: split.rows }, (_, i) => i);
  if (idx && (q.changed || q.sort)) {
    await idx.finished;
    const cache = cacheOf(src);
    const key = `k|${split.name}|${q.q}|${q.changed}|${q.sort}|${q.desc}`;
    const hit = cache.get(key);
    if (hit) return pageOf(hit, q);
    const base = split.lengthsStart;
    if (q.changed) rows = rows.filter((n) => idx.flags[base + n] === 1);
    if (q.sort) rows = sortRows(rows, idx, base, q.sort, q.desc);
    remember(cache, key, rows);
  }
  return pageOf(rows, q);
}

/** One page of dropped rows (dropped.jsonl lines). */
export async function droppedPage(src: ViewSource, q: TableQuery): Promise<TablePage> {
  const idx = src.dropped;
  if (!idx) return { rows: [], total: 0 };
  await idx.finished;
  if (idx.error) throw idx.error;
  const cache = cacheOf(src);
  const key = `d|${q.split}|${q.reason}|${q.sort}|${q.desc}|${q.q}`;
  let rows = cache.get(key);
  if (!rows) {
    const split = q.split ? (idx.values.split?.indexOf(q.split) ?? -1) : -1;
    const reason = q.reason ? (idx.values.reason?.indexOf(q.reason) ?? -1) : -1;
    const out: number[] = [];
    const needle = q.q.toLowerCase();
    for (let i = 0; i < idx.count; i++) {
      if (q.split && idx.codes.split?.[i] !== split) continue;
      if (q.reason && idx.codes.reason?.[i] !== reason) continue;
      if (
        needle &&
        !JSON.stringify(await idx.read(i))
          .toLowerCase()
          .includes(needle)
      )
        continue;
      out.push(i);
    }
    rows = Uint32Array.from(out);
    if (q.sort) rows = sortRows(rows, idx, 0, q.sort, q.desc);
    remember(cache, key, rows);
  }
  return pageOf(rows, q);
}

/** The start of a row's prompt text, for the table. */
export async function promptStart(src: ViewSource, split: ViewSplit, n: number, chars = 120): Promise<string> {
  const cols = [src.columns.prompt, ...(src.columns.id ? [src.columns.id] : [])];
  const r = await readRow(split, n, cols);
  const p = promptText(r[src.columns.prompt]);
  if ('error' in p) return `(${p.error})`;
  const t = p.text ?? p.messages?.map((m) => m.content).join(' ') ?? '';
  return t.length > chars ? `${t.slice(0, chars)}…` : t;
}
