/**
 * Test helper: the packages (`name` or `@scope/name`) a run of `gad-data ...args` imports, recorded by a module
 * resolve hook registered in the child (every resolved URL under node_modules/). The run must exit 0.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { cliArgv } from './gad-cli.js';

const HOOKS = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (r.url.includes('/node_modules/')) appendFileSync(process.env.GAD_TEST_IMPORT_LOG, r.url + '\\n');
  return r;
}`;
const REGISTER = `import { register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`;

/** The packages (`name` or `@scope/name`) a run of `gad-data ...args` imported. */
export async function importedPackages(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Set<string>> {
  const log = join(cwd, 'imports.log');
  writeFileSync(log, '');
  const argv = [`--import=data:text/javascript,${encodeURIComponent(REGISTER)}`, ...cliArgv(args)];
  const { status, stderr } = await new Promise<{ status: number | null; stderr: string }>((ok) => {
    const child = spawn(process.execPath, argv, { cwd, env: { ...env, GAD_TEST_IMPORT_LOG: log } });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.resume();
    child.on('close', (code) => ok({ status: code, stderr: err }));
  });
  assert.equal(status, 0, stderr);
  const names = new Set<string>();
  for (const url of readFileSync(log, 'utf8').split('\n')) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m?.[1]) names.add(m[1]);
  }
  return names;
}
