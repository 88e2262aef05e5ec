/**
 * The fix every message that involves a Hugging Face download gives: a mirror (`HF_ENDPOINT`, what most users in
 * mainland China use, e.g. https://hf-mirror.com) and the cache-only mode (`HF_HUB_OFFLINE=1`), as huggingface_hub
 * reads them. One wording, so every fix line names both; for models also ModelScope, where ms-swift users' models
 * already are.
 */

/** The mirror named in fix lines (the one most users in mainland China set). */
export const HF_MIRROR_EXAMPLE = 'https://hf-mirror.com';

/** `to download through a mirror: HF_ENDPOINT=https://hf-mirror.com; ...cache only: HF_HUB_OFFLINE=1` */
export function hfDownloadHint(): string {
  return `to download through a mirror set HF_ENDPOINT=${HF_MIRROR_EXAMPLE}; to use only what is already in the local cache set HF_HUB_OFFLINE=1`;
}

/** The files a build reads from a model repo (never the weights). */
export const MODEL_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'preprocessor_config.json',
  'chat_template.json',
  'config.json',
] as const;

/** How to put a model's tokenizer and processor files into a cache gad-data reads. */
export function modelDownloadHint(repo: string): string {
  const files = MODEL_FILES.join(' ');
  return (
    `download its tokenizer and processor files: \`hf download ${repo} ${files}\` ` +
    `(through a mirror: \`HF_ENDPOINT=${HF_MIRROR_EXAMPLE} hf download …\`), ` +
    `or from ModelScope: \`modelscope download --model ${repo} ${files}\`; ` +
    'then train with HF_HUB_OFFLINE=1 so the trainer reads the cache'
  );
}
