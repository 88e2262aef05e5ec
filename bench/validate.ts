import type { Sample } from '../src/core/types.js';
import { FilterChain, lengthRecord } from '../src/rules/filter-chain.js';
import { ReportBuilder } from '../src/report/report-builder.js';
import { renderReportHtml } from '../src/report/report-html.js';

/** Filter chain + streaming report over synthetic formatted rows: rows/s and heap growth; report build and HTML render time. */
export async function benchValidate(opts: { rows?: number } = {}): Promise<Array<Record<string, string | number>>> {
  const rows = opts.rows ?? 200_000;
  const chain = FilterChain.standard({
    maxPromptLength: 2048,
    maxResponseLength: 2048,
    singleImage: true,
    requireImage: true,
    requireTeacher: true,
    dedupe: true,
    leakCheck: true,
  });
  const builder = new ReportBuilder();
  globalThis.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  for (let i = 0; i < rows; i++) {
    const img = 334 + ((i * 7919) % 1500);
    const text = 90 + ((i * 104729) % 300);
    const s: Sample = {
      split: i % 10 === 0 ? 'test' : 'train',
      index: i,
      id: `bench#${i}`,
      source: 'bench',
      dataSource: 'bench',
      problem: `<image>Find the value of x in triangle ${i}.`,
      answer: '1',
      images: [{ bytes: null, path: `img${i}.png` }],
      teacherResponse: 'ok',
      extra: {},
      formatted: {
        formatted: '',
        textTokens: text + 1,
        imageTokens: img,
        promptTokens: text + img,
        images: [
          {
            bytes: new Uint8Array(0),
            path: null,
            format: 'png',
            origWidth: 1,
            origHeight: 1,
            width: 448,
            height: 448,
            resized: [448, 448],
            tokens: img,
            reencoded: false,
            sha256: `h${i}`,
          },
        ],
        responseTokens: 200 + ((i * 31) % 2500),
        teacherResponse: 'ok',
      },
    };
    if (!chain.apply(s)) builder.add(lengthRecord(s));
    else
      builder.addDrop({
        split: s.split,
        reason: s.drop!.reason,
        prompt_tokens: s.formatted!.promptTokens,
        text_tokens: text,
        image_tokens: img,
        response_tokens: s.formatted!.responseTokens,
      });
  }
  const t1 = performance.now();
  const heap1 = process.memoryUsage().heapUsed;
  const report = builder.build({ maxPromptLength: 2048, maxResponseLength: 2048 });
  const t2 = performance.now();
  const html = renderReportHtml(report);
  const t3 = performance.now();
  return [
    {
      bench: 'validate: filter chain + report add',
      rows,
      'rows/s': Math.round(rows / ((t1 - t0) / 1000)),
      'heap MB': +((heap1 - heap0) / 1e6).toFixed(1),
    },
    { bench: 'validate: report build (percentiles, candidates, histograms)', rows, ms: +(t2 - t1).toFixed(1) },
    {
      bench: 'validate: report.html render',
      rows,
      ms: +(t3 - t2).toFixed(1),
      'html KB': +(html.length / 1024).toFixed(1),
    },
  ];
}
