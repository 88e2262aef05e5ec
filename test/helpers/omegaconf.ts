/**
 * Test helper: a Python that imports omegaconf (the library EasyR1 loads its config with). The test venv cannot
 * have it (its antlr4 runtime is not in the wheel mirror), so Debian's python3-omegaconf is used: installed with
 * apt-get when running as root, as the Slurm test installs slurm-wlm. Null (the caller skips, saying why) otherwise.
 */
import { spawnSync } from 'node:child_process';

const has = (py: string) => spawnSync(py, ['-c', 'import omegaconf, yaml'], { stdio: 'ignore' }).status === 0;

let found: Promise<string | null> | null = null;

export function omegaconfPython(): Promise<string | null> {
  found ??= (async () => {
    const py = process.env.GAD_TEST_OMEGACONF_PYTHON || '/usr/bin/python3';
    if (has(py)) return py;
    if (process.getuid?.() !== 0 || spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status !== 0)
      return null;
    spawnSync(
      'sh',
      ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-omegaconf'],
      { stdio: 'ignore', timeout: 900_000 },
    );
    return has(py) ? py : null;
  })();
  return found;
}
