/**
 * A Python virtualenv for interop tests: `.venv/` under the repo root (gitignored), created with
 * `python3 -m venv` and filled with pip (local wheel mirror first, then pip's defaults).
 *
 * - Safe when several test files call it at once: a lock file (`.venv.lock`, O_EXCL) serialises the
 *   creation; the others wait for it.
 * - Fast on reuse: `.venv/.gad-data-packages` lists the installed package specs; when it covers the
 *   request, nothing runs.
 * - Returns the python path, or null (with the reason logged) when Python, venv or pip is
 *   unavailable, so tests can skip with a message.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { open, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../src/core/paths.js';

const run = promisify(execFile);

const MIRROR_ENV = {
  PIP_INDEX_URL: 'file:///opt/pypi/simple',
  PIP_EXTRA_INDEX_URL: 'file:///opt/pypi-more/simple',
};

function installed(marker: string): Set<string> {
  if (!existsSync(marker)) return new Set();
  return new Set(
    readFileSync(marker, 'utf8')
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

async function withLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      const fh = await open(lockPath, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // A lock older than 15 minutes is left over from a killed run.
      try {
        const st = await stat(lockPath);
        if (Date.now() - st.mtimeMs > 15 * 60_000) await rm(lockPath, { force: true });
      } catch {
        /* gone */
      }
      if (Date.now() - started > 20 * 60_000) throw new Error(`timed out waiting for ${lockPath}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}

async function pipInstall(python: string, packages: string[]): Promise<void> {
  const args = ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', ...packages];
  try {
    await run(python, args, {
      env: { ...process.env, ...MIRROR_ENV },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 15 * 60_000,
    });
  } catch {
    await run(python, args, { env: process.env, maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60_000 });
  }
}

export async function ensurePythonVenv(packages: string[]): Promise<string | null> {
  const root = packageRoot();
  const venv = join(root, '.venv');
  const python = join(venv, process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
  const marker = join(venv, '.gad-data-packages');
  const wanted = [...new Set(packages)].sort();
  const covered = () => existsSync(python) && wanted.every((p) => installed(marker).has(p));
  if (covered()) return python;
  try {
    return await withLock(join(root, '.venv.lock'), async () => {
      if (covered()) return python;
      if (!existsSync(python)) {
        const sys = process.env.PYTHON ?? 'python3';
        try {
          await run(sys, ['--version']);
        } catch {
          console.log(`# python interop skipped: ${sys} not found`);
          return null;
        }
        await run(sys, ['-m', 'venv', venv], { timeout: 5 * 60_000 });
      }
      const missing = wanted.filter((p) => !installed(marker).has(p));
      await pipInstall(python, missing);
      const all = [...installed(marker), ...missing].sort();
      await writeFile(marker, all.join('\n') + '\n');
      return python;
    });
  } catch (e) {
    console.log(`# python interop skipped: cannot prepare ${venv}: ${(e as Error).message.split('\n')[0]}`);
    return null;
  }
}

/** Run a Python script with the venv's python; returns stdout (throws with stderr on failure). */
export async function runPython(
  python: string,
  script: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<string> {
  try {
    const { stdout } = await run(python, ['-c', script, ...args], {
      maxBuffer: 256 * 1024 * 1024,
      timeout: 10 * 60_000,
      env: { ...process.env, HF_DATASETS_OFFLINE: '1', HF_HUB_OFFLINE: '1', PYTHONUNBUFFERED: '1', ...env },
    });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`python failed: ${err.stderr?.slice(-4000) ?? err.message}`);
  }
}
