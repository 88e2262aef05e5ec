/** Warnings said once: the same key is reported the first time only (a per-file or per-column warning, not per row). */

/** A `warnOnce(key, message)` that passes each key's first message to `warn` and drops the later ones. */
export function warnOnceBy(warn: (message: string) => void): (key: string, message: string) => void {
  const warned = new Set<string>();
  return (key, message) => {
    if (warned.has(key)) return;
    warned.add(key);
    warn(message);
  };
}
