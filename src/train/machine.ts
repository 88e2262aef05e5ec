/**
 * What `train`'s pre-flight asks the machine: the trainer's Python and verl, and the GPUs nvidia-smi lists; each
 * probe a child process with a time-out. (The models: model-check.ts.)
 */
import { spawn } from 'node:child_process';
import type { PreflightCheck } from './launch-plan.js';

/** The interpreter and the profile's package (`module`: a name of the profile table, never user input). */
const pyProbe = (module: string): string =>
  [
    'import sys, json',
    "out = {'python': sys.version.split()[0], 'executable': sys.executable}",
    'try:',
    `    import ${module} as mod`,
    "    out['version'] = str(getattr(mod, '__version__', 'unknown'))",
    "    out['file'] = str(getattr(mod, '__file__', ''))",
    'except BaseException as e:',
    "    out['error'] = type(e).__name__ + ': ' + str(e)",
    'print(json.dumps(out))',
  ].join('\n');

interface Proc {
  code: number | null;
  stdout: string;
  stderr: string;
  error?: NodeJS.ErrnoException;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, cwd?: string): Promise<Proc> {
  return new Promise((done) => {
    let stdout = '';
    let stderr = '';
    let child;
    try {
      child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      done({ code: null, stdout, stderr, error: e instanceof Error ? e : new Error(String(e)) });
      return;
    }
    let settled = false;
    const finish = (p: Proc) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done(p);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({
        code: null,
        stdout,
        stderr,
        error: Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' }),
      });
    }, timeoutMs);
    timer.unref();
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => finish({ code: null, stdout, stderr, error: e }));
    child.on('close', (code) => finish({ code, stdout, stderr }));
  });
}

/** The trainer's Python and its verl (`import verl`), as the `python` and `verl` checks. */
export async function checkPython(p: {
  python: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The trainer profile's Python package (profiles/): the module imported, and how to install it. */
  probe: { module: string; install: string };
}): Promise<PreflightCheck[]> {
  const { python, env, cwd, probe: pkg } = p;
  const out: PreflightCheck[] = [];
  const probe = await run(python, ['-c', pyProbe(pkg.module)], env, 180_000, cwd);
  let info: { python?: string; executable?: string; version?: string; file?: string; error?: string } | null = null;
  if (!probe.error && probe.code === 0) {
    try {
      info = JSON.parse(probe.stdout.trim().split('\n').pop() ?? '');
    } catch {
      info = null;
    }
  }
  if (!info) {
    const why =
      probe.error?.code === 'ENOENT'
        ? 'not found'
        : probe.error
          ? probe.error.message
          : `exited with ${probe.code}: ${probe.stderr.trim().split('\n').pop() ?? ''}`;
    out.push({
      check: 'python',
      ok: false,
      message: `Python "${python}" ${why}: install Python 3, or pass --python PATH (or set $PYTHON) to the interpreter of your training environment`,
    });
    out.push({ check: pkg.module, ok: false, message: 'not checked: no working Python' });
  } else {
    out.push({ check: 'python', ok: true, message: `${info.executable ?? python} (Python ${info.python})` });
    if (info.error) {
      out.push({
        check: pkg.module,
        ok: false,
        message: `\`import ${pkg.module}\` fails in ${info.executable ?? python} (${info.error}): install ${pkg.install} into that environment, activate it, or pass --python / set PYTHONPATH`,
      });
    } else {
      out.push({ check: pkg.module, ok: true, message: `${pkg.module} ${info.version} (${info.file})` });
    }
  }

  return out;
}

/** The GPUs nvidia-smi lists, against the GPUs per node the trainer is told to use (`want`). */
export async function checkGpus(env: NodeJS.ProcessEnv, want: number | undefined): Promise<PreflightCheck> {
  const smi = await run('nvidia-smi', ['-L'], env, 30_000);
  if (smi.error?.code === 'ENOENT') {
    return { check: 'gpus', ok: true, message: 'nvidia-smi not found: GPU count not checked' };
  } else if (smi.error || smi.code !== 0) {
    return {
      check: 'gpus',
      ok: false,
      message: `nvidia-smi failed (${smi.error?.message ?? smi.stderr.trim().split('\n').pop() ?? `exit ${smi.code}`}): check the NVIDIA driver`,
    };
  } else {
    const n = smi.stdout.split('\n').filter((l) => /^GPU \d+/.test(l.trim())).length;
    if (want !== undefined && n < want) {
      return {
        check: 'gpus',
        ok: false,
        message: `nvidia-smi lists ${n} GPU(s) but trainer.n_gpus_per_node=${want}: pass --n-gpus ${n} (or trainer.n_gpus_per_node=${n} after --), or run on a machine with ${want} GPUs`,
      };
    } else {
      return {
        check: 'gpus',
        ok: true,
        message: `${n} GPU(s)${want !== undefined ? ` for n_gpus_per_node=${want}` : ''}`,
      };
    }
  }
}
