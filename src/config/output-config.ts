/**
 * What of a resolved config the resume hash covers: the config without the keys the table (keys.ts) marks
 * `affectsOutput: false` (the output folder, the concurrency, the Hub token). Everything else stays, derived
 * fields and EasyR1's accepted keys included, so a key added to the table is covered unless it says otherwise.
 */
import type { ResolvedConfig } from './config.js';
import { keyEntries, splitPath } from './keys.js';
import { isRecord } from '../core/guards.js';

/** The paths of the keys that do not affect the output. */
export function keysNotAffectingOutput(): string[] {
  return keyEntries()
    .filter(([, key]) => !key.affectsOutput)
    .map(([path]) => path);
}

/** The resolved config minus the keys that do not affect the output (a section is copied, never changed). */
export function outputConfigOf(cfg: ResolvedConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...cfg };
  for (const path of keysNotAffectingOutput()) {
    const [section, name] = splitPath(path);
    if (!section) delete out[name];
    else {
      const s = out[section];
      if (isRecord(s)) {
        const { [name]: _dropped, ...rest } = s;
        out[section] = rest;
      }
    }
  }
  return out;
}
