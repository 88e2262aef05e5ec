/** The `<image>` placeholder of EasyR1 / verl prompts, shared by every stage. */
export const IMAGE_TAG = '<image>';

/** Number of literal `<image>` placeholders in a text. */
export function countImageTags(text: string): number {
  let n = 0;
  for (let i = text.indexOf(IMAGE_TAG); i !== -1; i = text.indexOf(IMAGE_TAG, i + IMAGE_TAG.length)) n++;
  return n;
}
