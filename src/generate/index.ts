/** `gad-data generate`: teacher and student answers from an OpenAI-compatible endpoint or an offline batch. */
export { generateAnswers, type GenerateOptions, type GenerateResult } from './run.js';
export { writeBatchFile, type BatchOptions, BATCH_URL, batchCustomId } from './batch.js';
export { importBatchResults, type ImportOptions, type ImportResult } from './import.js';
export type { GenerateManifest } from './finish.js';
export { GAD_ROLLOUT_TEMPERATURE } from './sampling.js';
export type { GenerateRole, Sampling, AnswerLine } from './types.js';
