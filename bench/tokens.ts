/**
 * Token counting throughput, given image sizes (no image decoding): format prompt + chat template +
 * exact tokenization + the resize arithmetic, one row at a time on one core, for both bundled models.
 */
import { loadModelProfile } from '../src/model/model-profile.js';
import { loadFormatPrompt } from '../src/model/chat-template.js';
import { PromptCounter, countResponse } from '../src/model/token-counts.js';
import { encoderFor } from '../src/model/encoder.js';
import { resizeFor } from '../src/images/resize.js';

/** Seeded geometry-style problems (every text differs), with one image size each. */
function makeRows(n: number): Array<{ problem: string; size: [number, number] }> {
  let seed = 12345;
  const rnd = (k: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % k;
  };
  const shapes = [
    'triangle ABC',
    'quadrilateral ABCD',
    'circle O',
    'rectangle PQRS',
    'parallelogram WXYZ',
    'trapezoid EFGH',
    'rhombus KLMN',
  ];
  const asks = [
    'Find x.',
    'Find the area of the shaded region.',
    'Find m\\angle 2.',
    'Find the perimeter of the figure. Round to the nearest tenth.',
    'Find the length of AC.',
    'What is the value of y?',
  ];
  const facts = (i: number) =>
    [
      `AB = ${3 + rnd(40)}`,
      `BC = ${2 + rnd(60)}`,
      `m\\angle B = ${10 + rnd(160)}`,
      `the radius is ${1 + rnd(30)}.${rnd(10)} units`,
      `$\\frac{${1 + rnd(9)}}{${2 + rnd(9)}}$ of the side`,
      `x + ${rnd(20)} = ${rnd(90)}`,
    ]
      .filter((_, k) => (i + k) % 2 === 0 || rnd(3) === 0)
      .join(', ');
  const rows = [];
  for (let i = 0; i < n; i++) {
    const where = rnd(3);
    const body = `In ${shapes[rnd(shapes.length)]}, ${facts(i)}. ${asks[rnd(asks.length)]}`;
    const problem =
      where === 0 ? `<image>${body}` : where === 1 ? `${body}\n<image>` : `As shown in the figure <image>, ${body}`;
    rows.push({ problem, size: [200 + rnd(1400), 150 + rnd(1000)] as [number, number] });
  }
  return rows;
}

export async function benchTokens(opts: { rows?: number }): Promise<Array<Record<string, string | number>>> {
  const n = Math.max(1000, opts.rows ?? 10000);
  const rows = makeRows(n);
  const out: Array<Record<string, string | number>> = [];
  const fp = await loadFormatPrompt('math');
  for (const model of ['qwen2.5-vl', 'qwen3-vl']) {
    const profile = await loadModelProfile(model);
    const counter = new PromptCounter(profile, fp);
    const enc = encoderFor(profile.tokenizer);
    const countAll = () => {
      let total = 0;
      for (const r of rows) {
        const g = resizeFor(r.size[0], r.size[1], 'processor', profile.geometry);
        total += counter.count(r.problem, g.ok ? [g.tokens] : []).promptTokens;
      }
      return total;
    };
    enc.clearCache();
    let t = performance.now();
    const total = countAll();
    const cold = (performance.now() - t) / 1000;
    t = performance.now();
    const total2 = countAll();
    const warm = (performance.now() - t) / 1000;
    if (total !== total2) throw new Error('counts differ between passes');
    // The library's own encode on the same rendered texts (what the per-piece cache saves).
    const rendered = rows.slice(0, Math.min(n, 5000)).map((r) => counter.count(r.problem, [1]).rendered);
    t = performance.now();
    for (const s of rendered) profile.tokenizer.encode(s, { add_special_tokens: false });
    const lib = (performance.now() - t) / 1000;
    // Teacher-like responses.
    const responses = rows
      .slice(0, Math.min(n, 5000))
      .map(
        (r, i) =>
          `<think>\n${r.problem.replace('<image>', '')} Step ${i}: use the Pythagorean theorem.\n</think>\n\\boxed{${i % 97}}<|im_end|>`,
      );
    t = performance.now();
    for (const s of responses) countResponse(profile, s);
    const resp = (performance.now() - t) / 1000;
    out.push({
      model,
      rows: n,
      'rows/s (first pass)': Math.round(n / cold),
      'rows/s (second pass)': Math.round(n / warm),
      'library encode only, rows/s': Math.round(rendered.length / lib),
      'responses/s': Math.round(responses.length / resp),
      'mean prompt tokens': (total / n).toFixed(1),
    });
  }
  return out;
}
