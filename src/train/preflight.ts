/**
 * `train`'s pre-flight for the verl and EasyR1 profiles: the build against the profile, its rewards, models, shards
 * and format prompt, and the machine (machine.ts), checked before spending GPU hours.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { sha256, sha256File } from '../core/hash.js';
import type { LaunchPlan, PreflightCheck, TrainOptions } from './launch-plan.js';
import { checkGpus, checkPython } from './machine.js';
import { checkImageSettings } from './image-settings-check.js';
import { checkModel } from './model-check.js';
import { checkLaunchPaths } from './paths-check.js';
import { buildProfiles, trainerProfile } from './profiles/profile-table.js';
import { splitRowsCheck } from './split-rows.js';

/** The environment the trainer will get: the caller's, plus the variables the plan sets. */
export function trainerEnv(plan: LaunchPlan, opts: Pick<TrainOptions, 'env'>): NodeJS.ProcessEnv {
  return { ...(opts.env ?? process.env), ...plan.env };
}

/** Check the machine and the build before spending GPU hours. Every failed check says what to do. */
export async function preflight(plan: LaunchPlan, opts: TrainOptions): Promise<PreflightCheck[]> {
  const out: PreflightCheck[] = [];
  const env = trainerEnv(plan, opts);
  const m = plan.manifest;
  const outDir = plan.outDir ?? resolve(opts.data);
  const profile = plan.profile ?? opts.profile;
  const entry = trainerProfile(profile, 'build');

  // Python and verl.
  out.push(...(await checkPython({ python: plan.command[0]!, env, cwd: plan.cwd, probe: entry.probe })));

  // The build against the profile.
  if (m) {
    const wantTarget = entry.target;
    const problems: string[] = [];
    if (m.target !== wantTarget) {
      const fits = buildProfiles().filter((p) => p.target === (m.target === 'easyr1' ? 'easyr1' : 'verl'));
      problems.push(
        `the build was made for ${m.target} but profile ${profile} launches ${wantTarget}: rebuild with target: ${wantTarget}, or use profile ${fits.map((p) => p.name).join(' / ')}`,
      );
    }
    const own = entry.buildProblem?.(m);
    if (own) problems.push(own);
    out.push(
      problems.length
        ? { check: 'build', ok: false, message: problems.join('; ') }
        : { check: 'build', ok: true, message: `${m.kind} build for ${m.target}, ${m.model.family}` },
    );
    out.push(checkImageSettings(m, entry.target));
  }

  // The profile's own checks (verl-grpo: the reward; verl-gad: the teacher responses).
  if (m && entry.checks) out.push(...(await entry.checks(plan, m)));

  // Models.
  if (m && plan.models) {
    out.push(
      await checkModel(m, {
        role: entry.role,
        flag: '--model-path',
        envVar: 'MODEL_PATH',
        model: plan.models.generator,
        cwd: plan.cwd,
        env,
        noModelWhy: plan.models.noModelWhy,
      }),
    );
    if (plan.models.discriminator !== undefined) {
      out.push(
        await checkModel(m, {
          role: 'discriminator',
          flag: '--reward-model-path',
          envVar: 'REWARD_MODEL_PATH',
          model: plan.models.discriminator,
          cwd: plan.cwd,
          env,
        }),
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
    out.push(...splitRowsCheck(m));
    const trainRows = m.shards.filter((s) => s.split === 'train').reduce((a, s) => a + s.rows, 0);
    if (plan.batchSize && trainRows < plan.batchSize) {
      const key = entry.batchKey;
      out.push({
        check: 'batch size',
        ok: false,
        message: `the train split has ${trainRows} rows, fewer than ${key}=${plan.batchSize}: the trainer drops the incomplete batch and would train zero steps; pass ${key}=N (N ≤ ${trainRows}) after --`,
      });
    }
  }

  // The paths the launch passes, from the folder the trainer runs in.
  // (The build's own shards are the shards check's.)
  const shardPaths = (m?.shards ?? []).map((s) => resolve(outDir, s.file));
  const covered = new Set([...shardPaths, ...shardPaths.map((p) => dirname(p))]);
  if (plan.paths?.length) out.push(checkLaunchPaths(plan.paths, plan.cwd, entry.target, covered));

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
  out.push(await checkGpus(env, plan.nGpusPerNode));
  return out;
}
