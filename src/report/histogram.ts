/** The histograms of report.json: token lengths binned with a "nice" width, text/image sums per bin. */
import type { HistogramData } from './report.js';
import { niceBinWidth, percentile, sortedCopy } from './stats.js';
import { must } from '../core/guards.js';
import type { Nums } from './num-list.js';

/**
 * Bins values (and optionally the text/image sums per bin) with a "nice" width, about `targetBins` bins.
 * The range ends a little after max(p99.5, the `marks` (limits to draw)); longer values are counted in `over`,
 * so one extreme row does not squeeze the plot.
 */
export function histogram(params: {
  values: Nums;
  /** Text / image tokens of each value's row (same order), summed per bin; null: no stacked view. */
  text: Nums | null;
  image: Nums | null;
  marks?: number[];
  targetBins?: number;
}): HistogramData | null {
  const { values, text, image, marks = [], targetBins = 48 } = params;
  if (values.length === 0) return null;
  const s = sortedCopy(values);
  const min = must(s[0], 'histogram: the smallest value');
  const max = must(s[s.length - 1], 'histogram: the largest value');
  let hiEnd = Math.max(percentile(s, 99.5), ...marks.filter((m) => Number.isFinite(m) && m <= max * 4));
  hiEnd = Math.min(max, hiEnd * 1.08);
  const width = niceBinWidth(min, hiEnd, targetBins);
  const start = Math.floor(min / width) * width;
  let nb = Math.max(1, Math.floor((hiEnd - start) / width) + 1);
  if (start + nb * width > max) nb = Math.max(1, Math.floor((max - start) / width) + 1);
  const end = start + nb * width;
  const counts = new Array<number>(nb).fill(0);
  const textSum = new Array<number>(nb).fill(0);
  const imageSum = new Array<number>(nb).fill(0);
  let over = 0;
  let overTextSum = 0;
  let overImageSum = 0;
  for (const [i, v] of values.entries()) {
    if (v >= end) {
      over++;
      overTextSum += text?.[i] ?? 0;
      overImageSum += image?.[i] ?? 0;
      continue;
    }
    const b = Math.min(nb - 1, Math.floor((v - start) / width));
    addAt(counts, b, 1);
    if (text) addAt(textSum, b, text[i] ?? 0);
    if (image) addAt(imageSum, b, image[i] ?? 0);
  }
  return { start, width, counts, textSum, imageSum, over, overTextSum, overImageSum, max };
}

/** Adds `by` to bin `b` of `bins` (every bin starts at 0). */
function addAt(bins: number[], b: number, by: number): void {
  bins[b] = (bins[b] ?? 0) + by;
}
