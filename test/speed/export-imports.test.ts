/**
 * `gad-data export sft|prompts|rm` takes no config keys, so it does not load the config schema's package (zod) —
 * about a tenth of an export's start-up. Every package import of the child is recorded by a module resolve hook.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/gad-cli.js';
import { importedPackages } from '../helpers/imported-packages.js';

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
