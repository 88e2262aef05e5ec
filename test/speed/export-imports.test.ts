/**
 * `gad-data export sft|prompts|rm` takes no config keys, so it does not load the config schema's package (zod) —
 * about a tenth of an export's start-up. Every package import of the child is recorded by a module resolve hook.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { cliArgv, runCli } from '../helpers/gad-cli.js';

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
async function importedPackages(args: string[], cwd: string): Promise<Set<string>> {
  const log = join(cwd, 'imports.log');
  writeFileSync(log, '');
  const argv = [`--import=data:text/javascript,${encodeURIComponent(REGISTER)}`, ...cliArgv(args)];
  const { status, stderr } = await new Promise<{ status: number | null; stderr: string }>((ok) => {
    const child = spawn(process.execPath, argv, { cwd, env: { ...process.env, GAD_TEST_IMPORT_LOG: log } });
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

test('export sft, prompts and rm of the bundled GAD sample do not load zod', { timeout: 900_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gad-export-imports-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const built = await runCli(['build', '-q'], { cwd: dir, timeoutMs: 600_000 });
  assert.equal(built.status, 0, built.stderr);
  for (const kind of ['sft', 'prompts', 'rm']) {
    const loaded = await importedPackages(['export', kind, '--from', 'gad-data-out', '-q'], dir);
    // the hook sees the packages the export does use
    assert.ok(loaded.has('hyparquet'), `export ${kind}: hyparquet recorded (${[...loaded].join(', ')})`);
    assert.ok(!loaded.has('zod'), `export ${kind} does not load zod (${[...loaded].join(', ')})`);
    assert.ok(existsSync(join(dir, 'gad-data-out', `${kind}${kind === 'prompts' ? '' : '-ms-swift'}`, 'export.json')));
  }
});
