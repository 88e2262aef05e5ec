/**
 * Numbers as people read them (the terminal table, validate's summary, the dataset card, report.html): thousands
 * separators and at most one decimal; percentages. The files machines read round with `roundStat` (stats.ts).
 */

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
