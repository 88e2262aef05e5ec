/**
 * The fix lines that tell a user how to get files gad-data will not download itself. Every one names a mirror
 * (`HF_ENDPOINT`, which most users in mainland China need: huggingface.co is often unreachable there), offline
 * mode (`HF_HUB_OFFLINE=1`, so the trainer reads the cache instead of waiting on the network) and, for models,
 * ModelScope, where ms-swift users' models already are.
 */

/** A public Hugging Face mirror, as its users set it. */
export const HF_MIRROR_EXAMPLE = 'https://hf-mirror.com';

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
