import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { packagePath } from './paths.js';

/** gad-data's version, from its package.json. */
export const VERSION: string = z
  .object({ version: z.string() })
  .parse(JSON.parse(readFileSync(packagePath('package.json'), 'utf8'))).version;
