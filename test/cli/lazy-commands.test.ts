/**
 * The CLI loads only the module of the command that runs: `gad-data --help` lists every command from the table in
 * src/commands/command-lines.ts without importing any of them (nor the config schema, zod or YAML behind them), and
 * that list is the one commander prints when every command is loaded whole — so a command's arguments, options or
 * summary cannot drift from its line in the list. Each command's own help is the same whether it is loaded alone
 * (as a run loads it) or with all the others.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { createProgram, invokedCommand } from '../../src/cli.js';
import { COMMANDS } from '../../src/commands/command-list.js';
import { cliArgv } from '../helpers/gad-cli.js';

const T = { timeout: 300_000 };
const sub = (p: Command, name: string): Command => {
  const c = p.commands.find((x) => x.name() === name);
  assert.ok(c, `${name} in the program`);
  return c;
};

test('the list in `gad-data --help` equals the list of the program with every command loaded', T, async () => {
  const lazy = await createProgram(null);
  const full = await createProgram('all');
  assert.equal(lazy.helpInformation(), full.helpInformation());
  assert.deepEqual(
    full.commands.map((c) => c.name()),
    COMMANDS.map((c) => c.name),
  );
});

test('each command loaded alone has the help it has among all the others', T, async () => {
  const full = await createProgram('all');
  for (const { name } of COMMANDS) {
    const alone = await createProgram(name);
    assert.equal(sub(alone, name).helpInformation(), sub(full, name).helpInformation(), name);
  }
});

test('the command a run names', () => {
  const argv = (...a: string[]) => ['node', 'gad-data', ...a];
  assert.equal(invokedCommand(argv('build', '--train', 'x.jsonl')), 'build');
  assert.equal(invokedCommand(argv('-q', 'export', 'sft')), 'export');
  assert.equal(invokedCommand(argv('help', 'train')), 'train');
  assert.equal(invokedCommand(argv('help')), null);
  assert.equal(invokedCommand(argv('--help')), null);
  assert.equal(invokedCommand(argv()), null);
});

test('`gad-data --help` imports no command module, no config schema, zod or YAML', T, () => {
  const dir = mkdtempSync(join(tmpdir(), 'gad-lazy-cli-'));
  try {
    // a module resolve hook that records every file the child loads
    const hooks = join(dir, 'hooks.mjs');
    writeFileSync(
      hooks,
      "export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.startsWith('file:')) process.stderr.write('LOADED ' + r.url + '\\n'); return r; }\n",
    );
    const register = join(dir, 'register.mjs');
    writeFileSync(
      register,
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
    );
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, ...cliArgv(['--help'])], {
      encoding: 'utf8',
      timeout: 240_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Commands:\n\s+build \[options\] \[overrides\.\.\.\]/);
    const loaded = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('LOADED '))
      .map((l) => fileURLToPath(l.slice('LOADED '.length)).replace(/\\/g, '/'));
    assert.ok(
      loaded.some((f) => /\/commands\/command-list\.(js|ts)$/.test(f)),
      loaded.join('\n'),
    );
    const heavy = loaded.filter(
      (f) =>
        /\/node_modules\/(zod|yaml|sharp|@huggingface)\//.test(f) ||
        /\/src\/(config|ingest|pipeline|train|partition)\//.test(f) ||
        (/\/src\/commands\//.test(f) && !/command-(list|lines)\.(js|ts)$/.test(f)),
    );
    assert.deepEqual(heavy, [], 'loaded for --help');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
