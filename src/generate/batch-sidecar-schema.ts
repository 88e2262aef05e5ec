/** The schema of `<base>.gad-data.json`, the sidecar `generate --batch-out` writes and `generate import` reads back. */
import { z } from 'zod';
import type { BatchSidecar } from './batch.js';
import { samplingSchema } from './generate-schemas.js';

/** `<base>.gad-data.json` beside a batch input file. */
export const batchSidecarSchema: z.ZodType<BatchSidecar> = z.object({
  format: z.literal('gad-data-generate-batch'),
  version: z.literal(1),
  options: z.object({
    role: z.enum(['teacher', 'student']),
    from: z.string(),
    model: z.string(),
    endpoint: z.string().optional(),
    out: z.string(),
    sampling: samplingSchema.optional(),
    tokenizerModel: z.string().optional(),
  }),
  files: z.array(z.string()),
  requests: z.number(),
});
