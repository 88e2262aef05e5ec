/**
 * The fix every message that involves a Hugging Face download gives: a mirror (`HF_ENDPOINT`, what most users in
 * mainland China use, e.g. https://hf-mirror.com) and the cache-only mode (`HF_HUB_OFFLINE=1`), as huggingface_hub
 * reads them. One wording, so every fix line names both.
 */

/** The mirror named in fix lines (the one most users in mainland China set). */
export const HF_MIRROR_EXAMPLE = 'https://hf-mirror.com';

/** `to download through a mirror: HF_ENDPOINT=https://hf-mirror.com; ...cache only: HF_HUB_OFFLINE=1` */
export function hfDownloadHint(): string {
  return `to download through a mirror set HF_ENDPOINT=${HF_MIRROR_EXAMPLE}; to use only what is already in the local cache set HF_HUB_OFFLINE=1`;
}
