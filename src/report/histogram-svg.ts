/** report.html's charts: an inline SVG histogram with the limits drawn as vertical lines. */
import { fmtNum, fmtPct } from './numbers.js';
import type { HistogramData } from './report.js';
import { esc } from './escape.js';
import { COLORS as C } from './style.js';

export interface Line {
  x: number;
  label: string;
  color: string;
  dash?: string;
}

/** Inline SVG histogram; stacked text/image shares when the sums are given. */
export function histogramSvg(
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
