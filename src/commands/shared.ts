/** What the commands share: colour on a terminal, the progress sink of a command's --quiet / --json. */
import { resolve } from 'node:path';
import { createProgress, type ProgressSink } from '../core/progress.js';
import type { CliOptions } from './options.js';

export const useColor = () => !!process.stdout.isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb';

/** Progress on stderr, silent with --quiet or --json. */
export function progressFor(o: CliOptions): ProgressSink {
  return createProgress({ quiet: o.quiet || o.json, color: useColor() && !!process.stderr.isTTY });
}

/** A path as shown to the user: relative to the working folder (`./out`) when inside it. */
export function shownPath(p: string): string {
  const r = resolve(p).replace(process.cwd() + '/', '');
  return r.startsWith('/') ? r : `./${r}`;
}
