#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node
// The gad-data command. The TypeScript sources are compiled to dist/ by `npm install` (the prepare script).
// The shebang caps glibc's malloc arenas (as sharp's documentation advises for libvips under many threads):
// with the default of one arena per thread, memory fragments and the resident size keeps growing on long builds
// (measured: 483 MB vs 392 MB peak on a 10k-row build). `env -S` sets it in the same process, no re-exec.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/src/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write(
    'gad-data: not built yet (dist/ is missing); run `npm install` (or `npm run build`) in the gad-data folder first\n',
  );
  process.exit(2);
}
const { main } = await import(cli.href);
const code = await main(process.argv);
process.exitCode = code;
