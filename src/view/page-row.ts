/**
 * A row page: the image at the size the trainer's processor gives it (beside the stored image when that differs),
 * the prompt rendered by the chat template with each image placeholder shown as its token count and the
 * max_prompt_length boundary, the teacher (and student) response with its length, and the row's other cells.
 */
import { countResponse } from '../model/token-counts.js';
import { esc, fmt, href, page, size, type PageCtx } from './page-shell.js';
import { measureImages } from './measure.js';
import { originalFigures } from './original-file.js';
import type { ViewModel } from './model.js';
import { renderPrompt, type RenderedPrompt } from './prompt-render.js';
import { lengthRecord, readRow, type ViewSource, type ViewSplit } from './source.js';
import { cellJson } from './row-json.js';

function promptHtml(r: RenderedPrompt, limit: number | null): string {
  const out: string[] = [];
  const cutMark = `<span class="cut" id="limit-cut">✂ max_prompt_length ${fmt(limit)}</span>`;
  r.pieces.forEach((p, i) => {
    const cut = r.cut && r.cut.piece === i ? r.cut.char : -1;
    if ('text' in p) {
      if (cut < 0) out.push(esc(p.text));
      else out.push(esc(p.text.slice(0, cut)), cutMark, `<span class="over">${esc(p.text.slice(cut))}</span>`);
    } else {
      if (cut >= 0) out.push(cutMark);
      out.push(`<span class="img-tok" title="the image's tokens">&lt;|image_pad|&gt; × ${fmt(p.imageTokens)}</span>`);
    }
  });
  return `<pre class="prompt" id="prompt">${out.join('')}</pre>`;
}

function limitLine(tokens: number, limit: number | null): string {
  if (limit === null) return '';
  return tokens > limit
    ? `<p class="reason">${fmt(tokens)} tokens: ${fmt(tokens - limit)} over max_prompt_length ${fmt(limit)} (marked ✂)</p>`
    : `<p class="muted">max_prompt_length ${fmt(limit)}: the prompt ends ${fmt(limit - tokens)} tokens before it.</p>`;
}

function responseHtml(title: string, text: unknown, tokens: number | null): string {
  if (typeof text !== 'string') return '';
  const [firstWord = ''] = title.split(' ');
  return `<div class="card"><h3>${esc(title)} · <span id="${esc(firstWord)}-tokens">${fmt(tokens)}</span> tokens</h3><pre class="prompt">${esc(text)}</pre></div>`;
}

/** A `[width, height]` pair of a lengths.jsonl line, else undefined. */
function sizePair(v: unknown): [number, number] | undefined {
  return Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number'
    ? [v[0], v[1]]
    : undefined;
}

function sizeAt(list: unknown, i: number): [number, number] | undefined {
  return Array.isArray(list) ? sizePair(list[i]) : undefined;
}

function sizeList(list: unknown): Array<[number, number]> {
  return Array.isArray(list) ? list.map(sizePair).filter((s) => s !== undefined) : [];
}

function numOrNull(v: unknown): number | null {
  return typeof v === 'number' ? v : null;
}

export async function rowPage(p: {
  ctx: PageCtx;
  src: ViewSource;
  split: ViewSplit;
  n: number;
  model: ViewModel;
  modelName: string;
}): Promise<string> {
  const { ctx, src, split, n, model } = p;
  const row = await readRow(split, n, undefined, true);
  const cols = src.columns;
  const rec = src.kind === 'build' ? await lengthRecord(src, split, n) : null;
  const cell = row[cols.images];
  const count = Array.isArray(cell) ? cell.length : 0;
  const measured = rec ? null : await measureImages(src, p.modelName, cell);
  const imageTokens: number[] = [];
  const figures: string[] = [];
  for (let i = 0; i < count; i++) {
    const url = href(ctx, '/image', { split: split.name, n, i });
    const stored = rec ? sizeAt(rec.written, i) : measured?.[i]?.size;
    const model = rec ? sizeAt(rec.resized, i) : null;
    const problem = measured?.[i]?.problem;
    const differs = !!model && !!stored && size(model) !== size(stored);
    const shown = model ?? stored;
    const dims = shown ? ` width="${shown[0]}" height="${shown[1]}"` : '';
    figures.push(
      `<figure><img id="image-${i}" src="${esc(url)}"${dims} alt="image ${i}"><figcaption>${
        model ? `as the trainer's processor sees it: ${size(model)}` : `stored ${size(stored)}`
      }${problem ? ` · <span class="reason">${esc(problem)}</span>` : ''}</figcaption></figure>`,
    );
    if (differs && stored)
      figures.push(
        `<figure><img id="stored-${i}" src="${esc(url)}" width="${stored[0]}" height="${stored[1]}" alt="stored image ${i}"><figcaption>stored in the shard: ${size(stored)}</figcaption></figure>`,
      );
  }
  figures.push(...(await originalFigures(ctx, src, split, n, rec)));
  // Image tokens: lengths.jsonl holds the row's total; per image they follow from the processor size.
  if (rec) {
    const merge =
      src.manifest?.model.patchSize && src.manifest.model.mergeSize
        ? src.manifest.model.patchSize * src.manifest.model.mergeSize
        : null;
    for (const r of sizeList(rec.resized)) imageTokens.push(merge ? (r[0] / merge) * (r[1] / merge) : 0);
  } else for (const m of measured ?? []) imageTokens.push(m.tokens ?? 0);
  let prompt = '';
  let promptTokens: number | null = typeof rec?.prompt_tokens === 'number' ? rec.prompt_tokens : null;
  let response: number | null = typeof rec?.response_tokens === 'number' ? rec.response_tokens : null;
  if ('error' in model) prompt = `<p class="reason">${esc(model.error)}</p>`;
  else {
    const r = renderPrompt({
      profile: model.profile,
      formatPrompt: model.formatPrompt,
      target: src.target,
      cell: row[cols.prompt],
      imageTokens,
      limit: src.maxPromptLength,
    });
    if ('error' in r) prompt = `<p class="reason">${esc(r.error)}</p>`;
    else {
      const agrees = promptTokens === null || promptTokens === r.promptTokens;
      promptTokens ??= r.promptTokens;
      prompt =
        (model.note ? `<p class="reason">${esc(model.note)}</p>` : '') +
        (agrees
          ? ''
          : `<p class="reason">rendered here: ${fmt(r.promptTokens)} tokens, but lengths.jsonl says ${fmt(promptTokens)}</p>`) +
        limitLine(promptTokens, src.maxPromptLength) +
        promptHtml(r, src.maxPromptLength);
    }
    const teacher = cols.teacher ? row[cols.teacher] : undefined;
    if (response === null && typeof teacher === 'string') response = countResponse(model.profile, teacher);
  }
  const studentText = cols.student ? row[cols.student] : undefined;
  const student =
    typeof studentText === 'string' && !('error' in model) ? countResponse(model.profile, studentText) : null;
  const shown = new Set([cols.prompt, cols.images, cols.teacher, cols.student]);
  const others = Object.keys(row)
    .filter((k) => !shown.has(k))
    .map((k) => `<dt>${esc(k)}</dt><dd><code>${esc(JSON.stringify(cellJson(row[k])))}</code></dd>`);
  const id = rec?.id ?? (cols.id ? row[cols.id] : null);
  const nav = [
    n > 0 ? `<a href="${esc(href(ctx, '/row', { split: split.name, n: n - 1 }))}">← row ${n - 1}</a>` : '',
    `<a href="${esc(href(ctx, '/rows', { split: split.name, page: Math.floor(n / 50) + 1 }))}">split ${esc(split.name)}</a>`,
    n + 1 < split.rows ? `<a href="${esc(href(ctx, '/row', { split: split.name, n: n + 1 }))}">row ${n + 1} →</a>` : '',
    `<a href="${esc(href(ctx, '/row.json', { split: split.name, n }))}" download>export as JSON</a>`,
  ]
    .filter(Boolean)
    .join(' · ');
  const counts = `<dl class="kv" id="counts"><dt>prompt tokens</dt><dd id="prompt-tokens">${fmt(promptTokens)}</dd>${
    rec
      ? `<dt>text tokens</dt><dd id="text-tokens">${fmt(numOrNull(rec.text_tokens))}</dd><dt>image tokens</dt><dd id="image-tokens">${fmt(numOrNull(rec.image_tokens))}</dd>`
      : ''
  }<dt>response tokens</dt><dd>${fmt(response)}</dd>${rec ? '<dt>counts from</dt><dd>lengths.jsonl</dd>' : ''}</dl>`;
  const body = `<p>${nav}</p><h2>${esc(split.name)} · row ${n}${id !== null && id !== undefined ? ` · <span id="row-id">${esc(id)}</span>` : ''}</h2>
<div class="card">${counts}</div>
<div class="card"><h3>image${count === 1 ? '' : 's'}</h3><div class="images">${figures.join('') || '<span class="muted">no image</span>'}</div></div>
<div class="card"><h3>prompt as the chat template renders it</h3>${prompt}</div>
${cols.teacher ? responseHtml('teacher response', row[cols.teacher], response) : ''}
${cols.student ? responseHtml('student response', row[cols.student], student) : ''}
<div class="card"><h3>other columns</h3><dl class="kv">${others.join('') || '<span class="muted">none</span>'}</dl></div>`;
  return page(ctx, `${split.name} row ${n}`, body);
}
