/**
 * A quoted here-document (`<<'TAG'`: no expansion inside): its body ends at the first line that is exactly the
 * terminator, whatever the shell quoting around it, so the terminator is chosen to be no line of the body.
 */

/** A terminator based on `base` that is no line of `body` (`base`, `base_1`, `base_2`, ...). */
export function heredocTag(base: string, body: string): string {
  const lines = new Set(body.split('\n').map((l) => l.replace(/^\t+/, '')));
  let tag = base;
  for (let i = 1; lines.has(tag); i++) tag = `${base}_${i}`;
  return tag;
}

/** `head <<'TAG'`, the body's lines, `TAG`: the lines of a command reading `body` from a quoted here-document. */
export function heredoc(head: string, body: string, base: string): string[] {
  const tag = heredocTag(base, body);
  return [`${head} <<'${tag}'`, ...body.replace(/\n$/, '').split('\n'), tag];
}
