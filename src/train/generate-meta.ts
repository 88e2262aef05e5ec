/**
 * `<answers>.generate.json`, written by `gad-data generate` beside its answer file, as the pre-flight reads it: who
 * answered and how many answers were kept. Every field may be missing (a file of an older gad-data).
 */
import { z } from 'zod';

export const generateMetaSchema = z.object({
  settings: z
    .object({ role: z.string().optional(), model: z.string().optional(), endpoint: z.string().optional() })
    .optional(),
  kept: z.number().optional(),
  dropped: z.record(z.string(), z.number()).optional(),
  files: z.array(z.object({ file: z.string().optional(), sha256: z.string().optional() })).optional(),
});

export type GenerateMeta = z.output<typeof generateMetaSchema>;
