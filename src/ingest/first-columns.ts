/** The columns of a build's first input file (parquet footer, or the first readable JSON row): what `auto` detects from. */
import { readJsonRows, readJsonlRows } from './jsonl.js';
import type { PlannedSource } from './source-plan.js';

export async function firstColumns(plans: Iterable<PlannedSource[]>): Promise<{ have: string[]; where: string }> {
  for (const list of plans) {
    for (const src of list) {
      for (const f of src.files) {
        if (f.kind === 'parquet') return { have: (f.schema ?? []).map((c) => c.name), where: src.spec.spec };
        for await (const r of f.kind === 'jsonl' ? readJsonlRows(f.path) : readJsonRows(f.path)) {
          if (r.ok) return { have: Object.keys(r.row), where: src.spec.spec };
        }
      }
    }
  }
  return { have: [], where: '(no rows)' };
}
