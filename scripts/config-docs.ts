/**
 * Writes the config key table of docs/configuration.md from the key table in code (src/config/keys.ts), between
 * its markers (run: `npx tsx scripts/config-docs.ts`; `--check` exits 1 when the doc differs, writing nothing).
 * test/config/keys.test.ts runs the same comparison.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { withKeyTable } from '../src/config/docs.js';
import { packagePath } from '../src/core/paths.js';

const path = packagePath('docs', 'configuration.md');
const doc = readFileSync(path, 'utf8');
const next = withKeyTable(doc);
if (process.argv.includes('--check')) {
  if (next !== doc) {
    process.stderr.write(
      `${path}: the key table differs from src/config/keys.ts; run npx tsx scripts/config-docs.ts\n`,
    );
    process.exitCode = 1;
  }
} else if (next !== doc) {
  writeFileSync(path, next);
  process.stdout.write(`wrote the key table of ${path}\n`);
} else process.stdout.write(`${path} is up to date\n`);
