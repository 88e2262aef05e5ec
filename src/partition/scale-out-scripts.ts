/**
 * The scheduler files `gad-data scale-out` writes: a bash script submitting a Slurm job array plus a dependent merge
 * job, or a Kubernetes Indexed Job plus a merge Job. Every value from the user's config, flags or folder names is
 * quoted for the consumer that reads it (src/core/quote/): a shell word, a `#SBATCH` value (a line break refused),
 * a here-document whose terminator is no line of its body, YAML written by the `yaml` library, Kubernetes names.
 */
import { GadError } from '../core/errors.js';
import { heredoc } from '../core/quote/heredoc.js';
import { k8sName } from '../core/quote/k8s.js';
import { sbatchLine, slurmLiteral } from '../core/quote/sbatch.js';
import { shellWord } from '../core/quote/shell.js';
import { yamlText } from '../core/quote/yaml.js';
import { VERSION } from '../core/version.js';

export interface ScaleOutPlan {
  /** Input rows (all splits). */
  rows: number;
  /** Rows per second of one task. */
  rate: number;
  /** How the rate was found. */
  rateFrom: string;
  parts: number;
  /** Expected seconds per task. */
  taskSeconds: number;
}

export interface ScaleOutOptions {
  /** Config file the tasks build (relative to `cwd`), or null: the bundled sample. */
  config: string | null;
  /** The folder the tasks run in (absolute): the merge must run where the parts ran. */
  cwd: string;
  out: string;
  /** How the tasks run gad-data: shell text as the user wrote it (Slurm), split into words for Kubernetes. */
  command: string;
  cpus: number;
  /** Slurm --time / k8s activeDeadlineSeconds: this factor times the expected time, plus 10 minutes. */
  margin: number;
  jobName: string;
  /** Extra `#SBATCH` lines (e.g. --partition=cpu, --account=...), sbatch option text as given. */
  sbatch: string[];
  image: string;
  pvc: string | null;
}

export function hms(seconds: number): string {
  const s = Math.ceil(seconds);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(Math.floor(s / 3600))}:${p(Math.floor((s % 3600) / 60))}:${p(s % 60)}`;
}

/** A merge goes through every row once, copying (not decoding) images: a conservative rate (measured ~1,000 rows/s on 2 cores). */
const MERGE_ROWS_PER_SECOND = 500;

function limitSeconds(plan: ScaleOutPlan, o: ScaleOutOptions, job: 'parts' | 'merge' = 'parts'): number {
  return Math.ceil((job === 'parts' ? plan.taskSeconds : plan.rows / MERGE_ROWS_PER_SECOND) * o.margin + 600);
}

export function scaleOutSummary(plan: ScaleOutPlan): string[] {
  return [
    `${plan.rows} input rows; ${plan.rate.toFixed(1)} rows/s per task (${plan.rateFrom})`,
    `${plan.parts} part(s) of ~${Math.ceil(plan.rows / plan.parts)} rows: expected ${hms(plan.taskSeconds)} per task, then the merge: up to ${hms(plan.rows / MERGE_ROWS_PER_SECOND)}`,
  ];
}

/** The arguments after `--command` of the tasks' build and of the merge (words, unquoted). */
function commands(o: ScaleOutOptions, partition: string): { part: string[]; merge: string[] } {
  return {
    part: ['build', ...(o.config ? ['--config', o.config] : []), '--out', o.out, '--partition', partition, '--quiet'],
    merge: ['merge', '--out', o.out, '--quiet'],
  };
}

/** A command line for a shell: `--command` as the user wrote it (it may use the shell), then the words quoted. */
const shellLine = (o: ScaleOutOptions, args: string[]) => [o.command, ...args.map(shellWord)].join(' ');

/** The `--output` value: the output folder taken literally (`%` as `%%`), then Slurm's own `%` patterns. */
function slurmOutput(out: string, file: string): string {
  if (out.includes('\\')) {
    throw new GadError(
      `out: ${JSON.stringify(out)} holds a backslash, which turns off Slurm's %A/%a/%j file name patterns in --output`,
      { hint: 'choose an output folder name without a backslash', exitCode: 2 },
    );
  }
  return `${slurmLiteral(out)}.parts/${file}`;
}

/** A bash script that submits the array and the dependent merge job (run it on the login node). */
export function renderSlurm(plan: ScaleOutPlan, o: ScaleOutOptions): string {
  const c = commands(o, 'slurm');
  const extra = o.sbatch.map((l) => {
    if (/[\n\r\0]/.test(l))
      throw new GadError(`--sbatch ${JSON.stringify(l)} holds a line break`, {
        hint: 'give one #SBATCH option per --sbatch, without line breaks',
        exitCode: 2,
      });
    return `#SBATCH ${l}`;
  });
  const job = (name: string, job: 'parts' | 'merge', log: string, command: string) =>
    [
      `#!/bin/bash`,
      sbatchLine('--job-name', `${o.jobName}-${name}`, '--job-name'),
      sbatchLine('--chdir', o.cwd, 'the working folder'),
      `#SBATCH --cpus-per-task=${o.cpus}`,
      `#SBATCH --time=${hms(limitSeconds(plan, o, job))}`,
      sbatchLine('--output', slurmOutput(o.out, log), 'out:'),
      ...extra,
      'set -euo pipefail',
      command,
    ].join('\n');
  const parts = job('parts', 'parts', 'slurm-%A_%a.log', shellLine(o, c.part));
  const merge = job('merge', 'merge', 'slurm-merge-%j.log', shellLine(o, c.merge));
  return [
    '#!/bin/bash',
    `# Generated by gad-data ${VERSION}: gad-data scale-out --slurm. Submits ${plan.parts} build task(s) as a job array and`,
    '# a merge job that starts when all of them succeeded. Run it where sbatch works: bash THIS_FILE',
    ...scaleOutSummary(plan).map((l) => `# ${l}`),
    'set -euo pipefail',
    `cd ${shellWord(o.cwd)}`,
    `mkdir -p ${shellWord(`${o.out}.parts`)}`,
    ...heredoc(`array=$(sbatch --parsable --array=0-${plan.parts - 1}`, parts, 'GAD_DATA_PARTS'),
    ')',
    'array=${array%%;*}',
    ...heredoc(
      'merge=$(sbatch --parsable --dependency=afterok:$array --kill-on-invalid-dep=yes',
      merge,
      'GAD_DATA_MERGE',
    ),
    ')',
    'merge=${merge%%;*}',
    `echo "submitted: build array $array (${plan.parts} tasks), merge $merge (after all tasks succeed)"`,
    'echo "ARRAY_JOB=$array MERGE_JOB=$merge"',
    '',
  ].join('\n');
}

/** The words of `--command` (split on spaces outside single quotes, `'\''` an escaped quote). */
function words(cmd: string): string[] {
  return (cmd.match(/'(?:[^']|'\\'')*'|\S+/g) ?? []).map((w) =>
    w.startsWith("'") ? w.slice(1, -1).replaceAll(`'\\''`, "'") : w,
  );
}

/** A Kubernetes Indexed Job (one pod per part) and the merge Job, as one YAML stream. */
export function renderK8s(plan: ScaleOutPlan, o: ScaleOutOptions): string {
  const c = commands(o, `k8s/${plan.parts}`);
  const deadline = limitSeconds(plan, o);
  const names = {
    parts: k8sName(`${o.jobName}-parts`, '--job-name (with -parts)'),
    merge: k8sName(`${o.jobName}-merge`, '--job-name (with -merge)'),
  };
  const pvc = o.pvc === null ? null : k8sName(o.pvc, '--pvc', 253, true);
  const job = (component: 'parts' | 'merge', args: string[]) => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: names[component],
      labels: { 'app.kubernetes.io/name': 'gad-data', 'app.kubernetes.io/component': component },
    },
    spec: {
      ...(component === 'parts'
        ? {
            completionMode: 'Indexed',
            completions: plan.parts,
            parallelism: plan.parts,
            backoffLimitPerIndex: 2,
            maxFailedIndexes: 0,
          }
        : { backoffLimit: 2 }),
      activeDeadlineSeconds: limitSeconds(plan, o, component),
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: component,
              image: o.image,
              workingDir: o.cwd,
              command: [...words(o.command), ...args],
              resources: { requests: { cpu: String(o.cpus) } },
              ...(pvc ? { volumeMounts: [{ name: 'data', mountPath: o.cwd }] } : {}),
            },
          ],
          ...(pvc ? { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: pvc } }] } : {}),
        },
      },
    },
  });
  const sel = (c: string) => `-l app.kubernetes.io/component=${c}`;
  return [
    `# Generated by gad-data ${VERSION}: gad-data scale-out --k8s.`,
    ...scaleOutSummary(plan).map((l) => `# ${l}`),
    '# First document: the parts, an Indexed Job (the pod of index I builds part I, read from JOB_COMPLETION_INDEX).',
    '# Second: the merge Job. Kubernetes has no job dependencies, so create the merge when the parts are complete:',
    `#   kubectl apply -f THIS_FILE ${sel('parts')}`,
    `#   kubectl wait --for=condition=complete job/${names.parts} --timeout=${deadline}s && kubectl apply -f THIS_FILE ${sel('merge')}`,
    yamlText(job('parts', c.part)).trimEnd(),
    '---',
    yamlText(job('merge', c.merge)).trimEnd(),
    '',
  ].join('\n');
}
