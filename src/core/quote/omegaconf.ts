/**
 * OmegaConf string values (EasyR1 loads its config with OmegaConf): `${…}` in a string is an interpolation,
 * resolved when read. A literal `${` is written `\${`, and the n backslashes before it as 2n (OmegaConf's escape
 * rule, checked against OmegaConf in the tests); backslashes elsewhere are left as they are.
 */

/** The string that OmegaConf reads back as exactly `s`. */
export function omegaLiteral(s: string): string {
  return s.replace(/(\\*)\$\{/g, (_m, bs: string) => `${bs}${bs}\\\${`);
}

/** Every string in a JSON-like value through omegaLiteral (keys unchanged). */
export function omegaLiterals<T>(v: T): T {
  if (typeof v === 'string') return omegaLiteral(v) as T;
  if (Array.isArray(v)) return v.map((x) => omegaLiterals(x)) as T;
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, omegaLiterals(x)])) as T;
  return v;
}

/**
 * A string as the value of `key=value` on an OmegaConf command line (`OmegaConf.from_cli`, which reads the value as
 * YAML, then resolves `${…}`): an absolute path of plain characters as it is, anything else as a YAML double-quoted
 * string with OmegaConf's `\${` escape (a `:` or `#` would otherwise turn it into a mapping or a comment).
 */
export function omegaCliValue(s: string): string {
  if (/^\/[A-Za-z0-9_./-]*$/.test(s)) return s;
  return JSON.stringify(omegaLiteral(s)).replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** What OmegaConf reads from a string written with omegaLiteral (an unescaped `${…}` is left as it is). */
export function omegaRead(s: string): string {
  return s.replace(/(\\*)\$\{/g, (m, bs: string) =>
    bs.length % 2 === 1 ? `${'\\'.repeat((bs.length - 1) / 2)}\${` : m,
  );
}
