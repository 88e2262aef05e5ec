/**
 * How deeply a row's fields nest. The output is Parquet written through Arrow, whose schema (a flatbuffer) is read
 * back with a nesting limit: a field of more than 60 nested lists/objects makes the shard unwritable (the Arrow
 * reader stops with "DepthLimitReached"; measured: 60 levels are written and read by pyarrow and `datasets`, 61
 * are not). Such a row is a bad row, named by its line, not a crash of the whole build.
 */

/** Most nested lists/objects one field of a row may hold. */
export const MAX_FIELD_DEPTH = 60;

/** Levels of lists/objects in `value` (0 for a scalar), counted without recursion; stops past `cap`. */
export function nestingDepth(value: unknown, cap = MAX_FIELD_DEPTH + 1): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const top = stack.pop();
    if (!top) break;
    const [v, d] = top;
    if (v === null || typeof v !== 'object') continue;
    const here = d + 1;
    if (here > max) max = here;
    if (max >= cap) return max;
    for (const x of Array.isArray(v) ? v : Object.values(v)) stack.push([x, here]);
  }
  return max;
}

/** Why the row cannot be written (a field nested too deeply), or null. */
export function tooDeep(row: Record<string, unknown>): string | null {
  for (const key in row) {
    if (!Object.hasOwn(row, key)) continue;
    const value = row[key];
    // A scalar (most cells of a row) nests nothing: no walk.
    if (value === null || typeof value !== 'object') continue;
    const d = nestingDepth(value);
    if (d > MAX_FIELD_DEPTH)
      return `field "${key.slice(0, 80)}" nests more than ${MAX_FIELD_DEPTH} levels of lists/objects (Parquet/Arrow, which the trainers read, take at most ${MAX_FIELD_DEPTH}); flatten it or remove the field`;
  }
  return null;
}
