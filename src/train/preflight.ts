import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { sha256, sha256File } from '../core/hash.js';
import type { Manifest } from '../core/types.js';
import {
  VERL_DEFAULT_REWARD,
  teacherEndingWarning,
  verlRewardFix,
  withoutVerlDefaultReward,
} from '../core/verl-rewards.js';
import { lookupOverride, unquoteHydra } from './hydra.js';
import type { LaunchPlan, TrainOptions } from './plan.js';

export interface PreflightCheck {
  check: string;
  ok: boolean;
  message: string;
  /** A passed check worth reading before the launch (printed as WARN). */
  warn?: boolean;
}

type Family = Manifest['model']['family'] | 'qwen2-vl';

const PY_PROBE = [
  'import sys, json',
  "out = {'python': sys.version.split()[0], 'executable': sys.executable}",
  'try:',
  '    import verl',
  "    out['verl'] = str(getattr(verl, '__version__', 'unknown'))",
  "    out['verl_file'] = str(getattr(verl, '__file__', ''))",
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
      done({ code: null, stdout, stderr, error: e as NodeJS.ErrnoException });
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

/** The environment the trainer will get: the caller's, plus the variables the plan sets. */
export function trainerEnv(plan: LaunchPlan, opts: Pick<TrainOptions, 'env'>): NodeJS.ProcessEnv {
  return { ...(opts.env ?? process.env), ...plan.env };
}

/** Model family from a model folder (config.json model_type, else the processor's patch size) or a Hub id. */
export async function detectFamily(
  model: string,
): Promise<{ family: Family | null; from: string; patchSize?: number }> {
  if (existsSync(model) && statSync(model).isDirectory()) {
    const cfgPath = join(model, 'config.json');
    if (existsSync(cfgPath)) {
      try {
        const cfg = JSON.parse(await readFile(cfgPath, 'utf8')) as {
          model_type?: string;
          vision_config?: { patch_size?: number };
        };
        const t = String(cfg.model_type ?? '');
        const fam: Family | null = /^qwen3_vl/.test(t)
          ? 'qwen3-vl'
          : t === 'qwen2_5_vl'
            ? 'qwen2.5-vl'
            : t === 'qwen2_vl'
              ? 'qwen2-vl'
              : null;
        if (fam) return { family: fam, from: `config.json model_type ${t}`, patchSize: cfg.vision_config?.patch_size };
      } catch {
        /* fall through to the processor files */
      }
    }
    for (const f of ['preprocessor_config.json', 'processor_config.json']) {
      const p = join(model, f);
      if (!existsSync(p)) continue;
      try {
        const j = JSON.parse(await readFile(p, 'utf8')) as {
          patch_size?: number;
          image_processor?: { patch_size?: number };
        };
        const patch = j.patch_size ?? j.image_processor?.patch_size;
        if (patch === 16) return { family: 'qwen3-vl', from: `${f} patch_size 16`, patchSize: 16 };
        if (patch === 14) return { family: 'qwen2.5-vl', from: `${f} patch_size 14`, patchSize: 14 };
      } catch {
        /* unknown */
      }
    }
    return { family: null, from: 'no config.json or processor config with a known model type' };
  }
  if (/qwen3[-_.]?vl/i.test(model)) return { family: 'qwen3-vl', from: 'its name' };
  if (/qwen2\.5[-_]?vl/i.test(model)) return { family: 'qwen2.5-vl', from: 'its name' };
  if (/qwen2[-_]?vl/i.test(model)) return { family: 'qwen2-vl', from: 'its name' };
  return { family: null, from: 'its name' };
}

const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

async function checkModel(
  role: string,
  flag: string,
  envVar: string,
  model: string,
  m: Manifest,
): Promise<PreflightCheck> {
  const check = `${role} model`;
  if (!model) {
    return { check, ok: false, message: `no ${role} model given: pass ${flag} DIR_OR_HUB_ID or set ${envVar}` };
  }
  const local = existsSync(model);
  if (!local && !(HUB_ID.test(model) && !model.startsWith('.'))) {
    return {
      check,
      ok: false,
      message: `${role} model path ${model} does not exist: pass ${flag} with a downloaded model folder (or a Hub id like Qwen/Qwen2.5-VL-7B-Instruct), or set ${envVar}`,
    };
  }
  const where = local ? resolve(model) : `Hub id ${model}`;
  const det = await detectFamily(model);
  if (det.family && det.family !== m.model.family) {
    return {
      check,
      ok: false,
      message: `the build was made for ${m.model.family} (patch ${m.model.patchSize}) but the ${role} model ${model} is ${det.family} (from ${det.from}): rebuild the data with the ${det.family} model, or launch a ${m.model.family} model`,
    };
  }
  if (det.patchSize && det.patchSize !== m.model.patchSize) {
    return {
      check,
      ok: false,
      message: `the build used patch size ${m.model.patchSize} but the ${role} model ${model} has ${det.patchSize}: rebuild the data for this model`,
    };
  }
  const fam = det.family ? `${det.family} (from ${det.from})` : `family not checked (${det.from})`;
  return { check, ok: true, message: `${where}: ${fam}` };
}

/** Check the machine and the build before spending GPU hours. Every failed check says what to do. */
export async function preflight(plan: LaunchPlan, opts: TrainOptions): Promise<PreflightCheck[]> {
  const out: PreflightCheck[] = [];
  const env = trainerEnv(plan, opts);
  const m = plan.manifest;
  const outDir = plan.outDir ?? resolve(opts.data);
  const profile = plan.profile ?? opts.profile;

  // Python and verl.
  const python = plan.command[0]!;
  const probe = await run(python, ['-c', PY_PROBE], env, 180_000, plan.cwd);
  let info: { python?: string; executable?: string; verl?: string; verl_file?: string; error?: string } | null = null;
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
    out.push({ check: 'verl', ok: false, message: 'not checked: no working Python' });
  } else {
    out.push({ check: 'python', ok: true, message: `${info.executable ?? python} (Python ${info.python})` });
    if (info.error) {
      const pkg =
        profile === 'easyr1'
          ? 'EasyR1 (git clone hiyouga/EasyR1 && pip install -e .)'
          : 'verl (pip install verl, or the GAD fork for verl-gad)';
      out.push({
        check: 'verl',
        ok: false,
        message: `\`import verl\` fails in ${info.executable ?? python} (${info.error}): install ${pkg} into that environment, activate it, or pass --python / set PYTHONPATH`,
      });
    } else {
      out.push({ check: 'verl', ok: true, message: `verl ${info.verl} (${info.verl_file})` });
    }
  }

  // The build against the profile.
  if (m) {
    const wantTarget = profile === 'easyr1' ? 'easyr1' : 'verl';
    const problems: string[] = [];
    if (m.target !== wantTarget) {
      problems.push(
        `the build was made for ${m.target} but profile ${profile} launches ${wantTarget}: rebuild with target: ${wantTarget}, or use profile ${m.target === 'easyr1' ? 'easyr1' : 'verl-gad / verl-grpo'}`,
      );
    }
    if (profile === 'verl-gad' && m.kind !== 'gad') {
      problems.push(
        'profile verl-gad needs teacher responses but this build has none (kind grpo): join teacher data in the build, or use --profile verl-grpo',
      );
    }
    out.push(
      problems.length
        ? { check: 'build', ok: false, message: problems.join('; ') }
        : { check: 'build', ok: true, message: `${m.kind} build for ${m.target}, ${m.model.family}` },
    );
  }

  // Rewards. verl-grpo scores rollouts with verl's default reward unless a custom reward function is given;
  // verl-gad trains on the discriminator's score (and validates with ROUGE-L against the teacher response),
  // so it needs no data_source reward.
  if (m && profile === 'verl-grpo') {
    const custom = plan.overrides ? lookupOverride(plan.overrides, 'custom_reward_function.path') : undefined;
    const customPath = custom === undefined ? '' : unquoteHydra(custom);
    const verlAt = `verl ${VERL_DEFAULT_REWARD.commit.slice(0, 7)}`;
    if (customPath && customPath !== 'null') {
      out.push({ check: 'reward', ok: true, message: `custom_reward_function.path=${customPath}` });
    } else if (!m.dataSources) {
      out.push({
        check: 'reward',
        ok: true,
        warn: true,
        message:
          "the build did not record its data_source values (built by an older gad-data): not checked against verl's default reward; rebuild to check",
      });
    } else {
      const unknown = withoutVerlDefaultReward(m.dataSources);
      out.push(
        unknown.length
          ? { check: 'reward', ok: false, message: `${verlRewardFix(unknown)} (pass it after --)` }
          : {
              check: 'reward',
              ok: true,
              message: `verl's default reward scores data_source ${m.dataSources.join(', ')} (known to ${verlAt})`,
            },
      );
    }
  }
  if (m && profile === 'verl-gad') {
    const w = teacherEndingWarning(m);
    if (w) out.push({ check: 'teacher ending', ok: true, warn: true, message: w });
  }

  // Models.
  if (m && plan.models) {
    out.push(
      await checkModel(
        profile === 'verl-gad' ? 'generator' : 'policy',
        '--model-path',
        'MODEL_PATH',
        plan.models.generator,
        m,
      ),
    );
    if (plan.models.discriminator !== undefined) {
      out.push(
        await checkModel('discriminator', '--reward-model-path', 'REWARD_MODEL_PATH', plan.models.discriminator, m),
      );
    }
  }

  // Shards.
  if (m) {
    const bad: string[] = [];
    for (const s of m.shards) {
      const p = resolve(outDir, s.file);
      if (!existsSync(p)) {
        bad.push(`${s.file} is missing`);
        continue;
      }
      const size = statSync(p).size;
      if (size !== s.bytes) {
        bad.push(`${s.file} has ${size} bytes, the manifest says ${s.bytes}`);
        continue;
      }
      if (!opts.noVerify) {
        const h = await sha256File(p);
        if (h !== s.sha256)
          bad.push(`${s.file} sha256 ${h.slice(0, 12)}… differs from the manifest's ${s.sha256.slice(0, 12)}…`);
      }
    }
    out.push(
      bad.length
        ? {
            check: 'shards',
            ok: false,
            message: `${bad.join('; ')}: the output folder changed since the build; rebuild it with \`gad-data build\`${opts.noVerify ? '' : ' (or pass --no-verify to skip the sha256 check)'}`,
          }
        : {
            check: 'shards',
            ok: true,
            message: `${m.shards.length} shard(s) present${opts.noVerify ? ' (sha256 not verified: --no-verify)' : ', sha256 verified'}`,
          },
    );
    const trainRows = m.shards.filter((s) => s.split === 'train').reduce((a, s) => a + s.rows, 0);
    if (plan.batchSize && trainRows < plan.batchSize) {
      const key = profile === 'easyr1' ? 'data.rollout_batch_size' : 'data.train_batch_size';
      out.push({
        check: 'batch size',
        ok: false,
        message: `the train split has ${trainRows} rows, fewer than ${key}=${plan.batchSize}: the trainer drops the incomplete batch and would train zero steps; pass ${key}=N (N ≤ ${trainRows}) after --`,
      });
    }
  }

  // Format prompt (EasyR1 applies it at train time; it must be the one the build counted with).
  if (m && plan.files?.length && m.formatPrompt?.sha256 && !opts.noVerify) {
    const text = plan.files[0]!.text;
    const ok = [text, text.trim()].some((t) => sha256(t) === m.formatPrompt.sha256);
    out.push(
      ok
        ? { check: 'format prompt', ok: true, message: `${m.formatPrompt.name} matches the build` }
        : {
            check: 'format prompt',
            ok: false,
            message: `the format prompt "${m.formatPrompt.file ?? m.formatPrompt.name}" changed since the build (sha256 differs): token counts would be wrong; rebuild the data`,
          },
    );
  }

  // GPUs.
  const smi = await run('nvidia-smi', ['-L'], env, 30_000);
  if (smi.error?.code === 'ENOENT') {
    out.push({ check: 'gpus', ok: true, message: 'nvidia-smi not found: GPU count not checked' });
  } else if (smi.error || smi.code !== 0) {
    out.push({
      check: 'gpus',
      ok: false,
      message: `nvidia-smi failed (${smi.error?.message ?? smi.stderr.trim().split('\n').pop() ?? `exit ${smi.code}`}): check the NVIDIA driver`,
    });
  } else {
    const n = smi.stdout.split('\n').filter((l) => /^GPU \d+/.test(l.trim())).length;
    const want = plan.nGpusPerNode;
    if (want !== undefined && n < want) {
      out.push({
        check: 'gpus',
        ok: false,
        message: `nvidia-smi lists ${n} GPU(s) but trainer.n_gpus_per_node=${want}: pass --n-gpus ${n} (or trainer.n_gpus_per_node=${n} after --), or run on a machine with ${want} GPUs`,
      });
    } else {
      out.push({
        check: 'gpus',
        ok: true,
        message: `${n} GPU(s)${want !== undefined ? ` for n_gpus_per_node=${want}` : ''}`,
      });
    }
  }
  return out;
}
