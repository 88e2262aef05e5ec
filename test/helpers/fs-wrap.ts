/**
 * Run a test body with one of node:fs's functions replaced, for the library's named imports too
 * (`syncBuiltinESMExports` makes `import { linkSync } from 'node:fs'` see the wrapper): to observe or fail the file
 * system calls of code running in this process.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

/** Run `body` with node:fs's `name` replaced by `wrap(original)`; the original is put back after. */
export async function withFs<K extends 'openSync' | 'linkSync' | 'lstatSync'>(
  name: K,
  wrap: (original: (typeof fs)[K]) => (typeof fs)[K],
  body: () => Promise<void>,
): Promise<void> {
  const original = fs[name];
  fs[name] = wrap(original);
  syncBuiltinESMExports();
  try {
    await body();
  } finally {
    fs[name] = original;
    syncBuiltinESMExports();
  }
}
