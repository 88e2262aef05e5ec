const utf8 = new TextDecoder();

/** A text cell of a parquet row: a string, or UTF-8 bytes (a binary column); anything else is no text. */
export function asText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return utf8.decode(v);
  return null;
}
