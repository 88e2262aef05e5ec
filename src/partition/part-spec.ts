/**
 * Which part of a partitioned build this process is (`--partition I/N`, or read from the scheduler's
 * environment), and which rows belong to it: a row belongs to part `hash(row id) mod N`, computed from the row
 * alone, so N tasks split the rows between them without talking to each other.
 */
import { createHash } from 'node:crypto';
import { GadError } from '../core/errors.js';

export interface Partition {
  /** 0-based part index. */
  index: number;
  /** Number of parts. */
  count: number;
}

/** The largest partition count accepted (one shard writer, lengths and drops per part; more is surely a typo). */
export const MAX_PARTS = 10_000;

const whole = (v: string | undefined): number | null =>
  v !== undefined && /^\d+$/.test(v.trim()) ? Number(v.trim()) : null;

function check(p: Partition, from: string): Partition {
  if (!(p.count >= 1 && p.count <= MAX_PARTS)) {
    throw new GadError(`${from}: the partition count must be a whole number from 1 to ${MAX_PARTS}, got ${p.count}`, {
      exitCode: 2,
    });
  }
  if (!(p.index >= 0 && p.index < p.count)) {
    throw new GadError(
      `${from}: part ${p.index} does not exist in ${p.count} part(s) (parts are numbered 0 to ${p.count - 1})`,
      {
        hint: p.index === p.count ? 'part indices start at 0: a Slurm array of N tasks is --array=0-(N-1)' : undefined,
        exitCode: 2,
      },
    );
  }
  return p;
}

/**
 * `--partition` value → the part:
 * - `I/N`: part I of N;
 * - `slurm`: from `SLURM_ARRAY_TASK_ID` (minus `SLURM_ARRAY_TASK_MIN` when set) and `SLURM_ARRAY_TASK_COUNT`;
 * - `k8s/N` (Kubernetes Indexed Job): from `JOB_COMPLETION_INDEX`, with N given (the Job's `completions`);
 * - `auto` / `auto/N`: whichever of the two the environment has.
 */
export function parsePartition(value: string, env: NodeJS.ProcessEnv = process.env): Partition {
  const v = value.trim();
  const flag = `--partition ${value}`;
  const m = /^(\d+)\/(\d+)$/.exec(v);
  if (m) return check({ index: Number(m[1]), count: Number(m[2]) }, flag);
  const e = /^(auto|slurm|k8s)(?:\/(\d+))?$/.exec(v);
  if (!e) {
    throw new GadError(`${flag}: not a partition`, {
      hint: 'write I/N (part I of N, from 0), slurm (from SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT), or k8s/N (from JOB_COMPLETION_INDEX)',
      exitCode: 2,
    });
  }
  const given = e[2] !== undefined ? Number(e[2]) : null;
  const slurmId = whole(env.SLURM_ARRAY_TASK_ID);
  const k8sIndex = whole(env.JOB_COMPLETION_INDEX);
  if ((e[1] === 'slurm' || e[1] === 'auto') && slurmId !== null) {
    const min = whole(env.SLURM_ARRAY_TASK_MIN) ?? 0;
    const count = given ?? whole(env.SLURM_ARRAY_TASK_COUNT);
    if (count === null)
      throw new GadError(`${flag}: SLURM_ARRAY_TASK_COUNT is not set`, {
        hint: 'give the count: --partition slurm/N',
        exitCode: 2,
      });
    return check({ index: slurmId - min, count }, `${flag} (SLURM_ARRAY_TASK_ID=${slurmId})`);
  }
  if ((e[1] === 'k8s' || e[1] === 'auto') && k8sIndex !== null) {
    if (given === null)
      throw new GadError(`${flag}: JOB_COMPLETION_INDEX gives the part, not the count`, {
        hint: "give the count (the Job's completions): --partition k8s/N",
        exitCode: 2,
      });
    return check({ index: k8sIndex, count: given }, `${flag} (JOB_COMPLETION_INDEX=${k8sIndex})`);
  }
  const wanted =
    e[1] === 'slurm'
      ? 'SLURM_ARRAY_TASK_ID'
      : e[1] === 'k8s'
        ? 'JOB_COMPLETION_INDEX'
        : 'SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX';
  throw new GadError(
    `${flag}: ${wanted} is not set (not running as a Slurm array task or a Kubernetes Indexed Job pod)`,
    { hint: 'give the part explicitly: --partition I/N', exitCode: 2 },
  );
}

/** The part a row belongs to: the first 6 bytes of sha256(row id), mod N. */
export function partOfRow(id: string, count: number): number {
  if (count === 1) return 0;
  const h = createHash('sha256').update(id).digest();
  return h.readUIntBE(0, 6) % count;
}

/** The default folder of part I of N of the build whose output is `out`: `<out>.parts/<I>-of-<N>`. */
export function partFolder(out: string, p: Partition): string {
  return `${out.replace(/\/+$/, '')}.parts/${p.index}-of-${p.count}`;
}
