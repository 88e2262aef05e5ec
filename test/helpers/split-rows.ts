/** Test helper: every row an opened ingest yields, split by split (each split read to its end, in order). */
import type { OpenedIngest } from '../../src/ingest/ingest.js';
import type { Sample } from '../../src/core/types.js';

export async function splitRows({
  ing,
  splits,
}: {
  ing: OpenedIngest;
  splits: ReadonlyArray<{ split: string }>;
}): Promise<Record<string, Sample[]>> {
  const out: Record<string, Sample[]> = {};
  for (const s of splits) {
    out[s.split] = [];
    for await (const r of ing.rows(s.split)) out[s.split]!.push(r);
  }
  return out;
}
