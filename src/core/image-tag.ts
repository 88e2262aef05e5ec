/** The `<image>` placeholder of EasyR1 / verl prompts, shared by every stage. */
export const IMAGE_TAG = '<image>';

/** Number of literal `<image>` placeholders in a text. */
export function countImageTags(text: string): number {
  let n = 0;
  for (let i = text.indexOf(IMAGE_TAG); i !== -1; i = text.indexOf(IMAGE_TAG, i + IMAGE_TAG.length)) n++;
  return n;
}

/**
 * `<image>` placeholders of a row: every turn of a message list (verl fills them in order over all messages),
 * else the prompt text. Ingest (placement), format and the image-count rule (rules/row-rules.ts) count with it.
 */
export function rowImageTags(problem: string, messages?: ReadonlyArray<{ content: string }> | null): number {
  return messages ? messages.reduce((n, m) => n + countImageTags(m.content), 0) : countImageTags(problem);
}
