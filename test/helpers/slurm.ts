/**
 * Test helper: a real single-node Slurm on this machine (Debian's slurm-wlm): munged, slurmctld and slurmd on
 * 127.0.0.1 with a generated slurm.conf in a temp folder (own munge socket and key, free ports), daemons run
 * in the foreground as children of the test and stopped by their pids. Every wait is bounded.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { cpus, hostname } from 'node:os';
import { join } from 'node:path';

const BINARIES = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'scontrol', 'sinfo'];
const have = (b: string) =>
  spawnSync('sh', ['-c', `command -v ${b}`], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` },
  }).status === 0;

/** null when Slurm can run here (installing slurm-wlm and munge with apt-get when root); else why not. */
export function slurmUnavailable(): string | null {
  if (BINARIES.every(have)) return null;
  if (process.platform !== 'linux') return 'Slurm test: not Linux';
  if (process.getuid?.() !== 0)
    return `Slurm test: ${BINARIES.filter((b) => !have(b)).join(', ')} missing and not root (apt-get install slurm-wlm munge)`;
  if (!have('apt-get')) return 'Slurm test: slurm-wlm is not installed and there is no apt-get';
  const r = spawnSync(
    'sh',
    ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge'],
    { encoding: 'utf8', timeout: 900_000 },
  );
  if (r.status !== 0 || !BINARIES.every(have))
    return `Slurm test: apt-get install slurm-wlm munge failed (${(r.stderr || r.error?.message || '').trim().split('\n').pop()})`;
  return null;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Slurm {
  /** Environment for sbatch/scontrol (SLURM_CONF) and the jobs. */
  env: NodeJS.ProcessEnv;
  /** Final state of a job (COMPLETED, FAILED, ...) once it left pending/running; throws after timeoutMs. */
  waitJob(id: string, timeoutMs: number): Promise<string>;
  /** The daemons' logs (for failure messages). */
  logs(): string;
  stop(): Promise<void>;
}

export async function startSlurm(dir: string): Promise<Slurm> {
  mkdirSync(join(dir, 'state'), { recursive: true });
  mkdirSync(join(dir, 'spool'), { recursive: true });
  chmodSync(dir, 0o755); // munged checks its socket's folder
  const key = join(dir, 'munge.key');
  writeFileSync(key, randomBytes(1024), { mode: 0o400 });
  const node = hostname().split('.')[0]!;
  const [ctldPort, dPort] = [await freePort(), await freePort()];
  const sock = join(dir, 'munge.sock');
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=gadtest',
      `SlurmctldHost=${node}(127.0.0.1)`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      `AuthInfo=socket=${sock}`,
      'CredType=cred/munge',
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(dir, 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'slurmd.log')}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'JobCompType=jobcomp/none',
      'MpiDefault=none',
      'SchedulerType=sched/backfill',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_CPU',
      'ReturnToService=2',
      'InactiveLimit=0',
      'KillWait=5',
      'MinJobAge=600',
      `NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpus().length} State=UNKNOWN`,
      `PartitionName=gadtest Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf, PATH: `${process.env.PATH}:/usr/sbin:/sbin` };
  const children: ChildProcess[] = [];
  let out = '';
  const run = (cmd: string, args: string[]) => {
    const c = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    c.stdout!.on('data', (d) => (out += d));
    c.stderr!.on('data', (d) => (out += d));
    c.on('error', (e) => (out += `${cmd}: ${e.message}\n`));
    children.push(c);
    return c;
  };
  const stop = async () => {
    for (const c of [...children].reverse()) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      c.kill('SIGTERM');
      const t0 = Date.now();
      while (c.exitCode === null && c.signalCode === null && Date.now() - t0 < 20_000) await sleep(100);
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }
  };
  process.once('exit', () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
  run('munged', [
    '-F',
    '--force',
    `--socket=${sock}`,
    `--key-file=${key}`,
    `--pid-file=${join(dir, 'munged.pid')}`,
    `--log-file=${join(dir, 'munged.log')}`,
    `--seed-file=${join(dir, 'munged.seed')}`,
  ]);
  await sleep(500);
  run('slurmctld', ['-D', '-i', '-f', conf]);
  run('slurmd', ['-D', '-f', conf]);
  const t0 = Date.now();
  for (;;) {
    const s = spawnSync('sinfo', ['-h', '-o', '%T'], { env, encoding: 'utf8', timeout: 60_000 });
    if (s.status === 0 && /idle|mixed|allocated/.test(s.stdout)) break;
    if (Date.now() - t0 > 240_000) {
      await stop();
      throw new Error(`Slurm did not come up within 240s: ${s.stdout}${s.stderr}\n${out}`);
    }
    await sleep(500);
  }
  return {
    env,
    logs: () => out,
    stop,
    async waitJob(id, timeoutMs) {
      const start = Date.now();
      for (;;) {
        const s = spawnSync('scontrol', ['show', 'job', id], { env, encoding: 'utf8', timeout: 60_000 });
        const state = /JobState=(\S+)/.exec(s.stdout)?.[1];
        if (state && !/PENDING|RUNNING|CONFIGURING|COMPLETING|REQUEUED|SUSPENDED/.test(state)) return state;
        if (Date.now() - start > timeoutMs)
          throw new Error(`job ${id} still ${state ?? 'unknown'} after ${timeoutMs / 1000}s`);
        await sleep(1000);
      }
    },
  };
}
