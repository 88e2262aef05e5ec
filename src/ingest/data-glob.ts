/** Globs over repo paths as fsspec ≥ 2023.12 (Python's glob) matches them, for `datasets`' data-file patterns. */

/** True when a pattern has glob magic (Python's `glob.has_magic`). */
export function hasMagic(p: string): boolean {
  return /[*?[]/.test(p);
}

export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** One path component of a glob (no `/`) as a regular expression: `*`, `?`, `[...]`, `[!...]`. */
function componentRe(c: string): string {
  let out = '';
  for (let i = 0; i < c.length; i++) {
    const ch = c[i]!;
    if (ch === '*') {
      while (c[i + 1] === '*') i++;
      out += '[^/]*';
    } else if (ch === '?') out += '[^/]';
    else if (ch === '[') {
      const end = c.indexOf(']', i + 2);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let body = c.slice(i + 1, end);
      const neg = body.startsWith('!');
      if (neg) body = body.slice(1);
      out += `[${neg ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else out += escapeRe(ch);
  }
  return out;
}

/**
 * A glob as fsspec ≥ 2023.12 (Python's glob) matches it on `/`-separated paths: `*` within one component,
 * `**` as a whole component = any number of folders (as the last component: anything below).
 */
export function globToRegExp(pattern: string): RegExp {
  const parts = pattern
    .replace(/^\.\//, '')
    .split('/')
    .filter((p, i, a) => p !== '' || i === a.length - 1);
  let re = '';
  parts.forEach((p, i) => {
    const last = i === parts.length - 1;
    if (p === '**') re += last ? '.*' : '(?:[^/]+/)*';
    else re += componentRe(p) + (last ? '' : '/');
  });
  return new RegExp(`^${re}$`);
}
