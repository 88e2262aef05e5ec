/**
 * Test helper: prose-like text of at least `bytes` bytes, made of `words` in a varied order (so nothing about it is
 * special to a tokenizer), for prompts and answers far over a length limit.
 */
export function proseText({ bytes, words }: { bytes: number; words: readonly string[] }): string {
  const parts: string[] = [];
  for (let i = 0, n = 0; n < bytes; i++) {
    const w = words[(i * 7 + (i >> 3)) % words.length]!;
    parts.push(w);
    n += w.length + 1;
  }
  return parts.join(' ');
}
