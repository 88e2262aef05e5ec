#!/usr/bin/env node
// The gad-data command. The TypeScript sources are compiled to dist/ by `npm install` (the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/src/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write('gad-data: not built yet (dist/ is missing); run `npm install` (or `npm run build`) in the gad-data folder first\n');
  process.exit(2);
}
const { main } = await import(cli.href);
const code = await main(process.argv);
process.exitCode = code;
