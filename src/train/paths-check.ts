/**
 * Pre-flight of the paths a launch passes (data files, reward function, format prompt, chat template), resolved
 * from the folder the trainer runs in, as the trainers resolve them. EasyR1 prints "not found" for a missing
 * reward function or format prompt and runs on without it ("Reward function is not provided" later), so a missing
 * one is found here, before the GPUs are spent.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import YAML from 'yaml';
import type { LaunchPath, PreflightCheck } from './launch-plan.js';

export type { LaunchPath };

/** The file part of a value, or null when the value is not a local path (null, a Hub id, a dataset name). */
function filePart(p: LaunchPath, v: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return null; // hdfs://, s3://, ...: not a local path
  if (p.kind === 'function') {
    // EasyR1: `path:name` is split at the last colon (a path without one names the file's `main`)
    const i = v.lastIndexOf(':');
    return i > 0 ? v.slice(0, i) : v;
  }
  if (p.kind === 'data') {
    const path = v.replace(/@[^/@]*$/, '');
    const local = isAbsolute(path) || path.startsWith('.') || /\.(parquet|jsonl?|arrow|csv)$/i.test(path);
    return local ? path : null;
  }
  return v;
}

/** The values of a setting: a Hydra list (`[a,b]`) or one string; anything else has no path. */
function valuesOf(v: unknown): string[] {
  if (typeof v === 'string') {
    const t = v.trim();
    if (t.startsWith('[')) {
      try {
        return valuesOf(YAML.parse(t));
      } catch {
        return [t];
      }
    }
    return t && t !== 'null' ? [t.replace(/^(['"])(.*)\1$/, '$2')] : [];
  }
  if (Array.isArray(v)) return v.flatMap(valuesOf);
  return [];
}

/** `covered`: paths another check already looks at (the build's own shards and their folder). */
export function checkLaunchPaths(
  paths: LaunchPath[],
  cwd: string,
  profile: string,
  covered: ReadonlySet<string> = new Set(),
): PreflightCheck {
  const missing: string[] = [];
  let found = 0;
  for (const p of paths) {
    for (const v of valuesOf(p.value)) {
      const f = filePart(p, v);
      if (f === null || covered.has(resolve(cwd, f))) continue;
      if (existsSync(isAbsolute(f) ? f : resolve(cwd, f))) found++;
      else missing.push(`${p.key} ${v}${isAbsolute(f) ? '' : ` (${resolve(cwd, f)})`}`);
    }
  }
  if (missing.length) {
    const fix =
      profile === 'easyr1'
        ? "EasyR1 resolves relative paths from the folder it runs in and goes on without a reward function or format prompt it cannot find: run gad-data train from that folder (EasyR1's repo root, or pass its cwd), or give the path absolute after -- (e.g. worker.reward.reward_function=/abs/path/math.py:compute_score)"
        : 'the trainer resolves relative paths from the folder it runs in: run gad-data train from that folder, or give the path absolute after --';
    return {
      check: 'paths',
      ok: false,
      message: `not found from ${cwd}, where the trainer runs: ${missing.join('; ')}: ${fix}`,
    };
  }
  return {
    check: 'paths',
    ok: true,
    message: found
      ? `${found} path(s) the launch passes exist from ${cwd}`
      : "no path to check besides the build's shards",
  };
}
