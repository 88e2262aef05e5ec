/**
 * Child entry for the report's heap test: `node report-heap-child.js N` books N kept rows into a `ReportBuilder`
 * (prompt 200–1199 tokens, image 100) and builds the report, printing one JSON line of its total statistics and the
 * prompt histogram's row count. Run under a small `--max-old-space-size`, it fails if the report copies the rows'
 * numbers onto the JS heap.
 */
import { ReportBuilder } from '../../src/report/report-builder.js';

const n = Number(process.argv[2] ?? '0');
const b = new ReportBuilder();
for (let i = 0; i < n; i++) {
  const prompt = 200 + ((i * 7919) % 1000);
  b.add({ split: 'train', prompt_tokens: prompt, text_tokens: prompt - 100, image_tokens: 100, response_tokens: null });
}
const r = b.build({ maxPromptLength: 1024 });
const h = r.histograms.prompt;
const binned = h ? h.counts.reduce((a, c) => a + c, 0) + h.over : 0;
process.stdout.write(`${JSON.stringify({ total: r.total.tokens.prompt, rows: r.total.rows, binned })}\n`);
