import { readFileSync } from 'node:fs';
import { isRecord } from './guards.js';
import { packagePath } from './paths.js';

/** gad-data's version, from its package.json (read at start-up: no schema library, so `--help` stays fast). */
function readVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(packagePath('package.json'), 'utf8'));
  if (isRecord(pkg) && typeof pkg.version === 'string') return pkg.version;
  throw new Error(`${packagePath('package.json')} has no "version" string`);
}

export const VERSION: string = readVersion();
