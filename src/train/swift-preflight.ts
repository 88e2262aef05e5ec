/**
 * The pre-flight of the ms-swift profiles: the Python and its ms-swift (whose version may rename an option), the
 * export's files and images against export.json, the model's family, and the GPUs.
 */
import { execFile } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { sha256File } from '../core/hash.js';
import { HUB_REPO_ID } from '../core/hf-paths.js';
import type { PreflightCheck } from './launch-plan.js';
import { detectFamily } from './model-check.js';
import type { SwiftOptions, SwiftPlan } from './swift-options.js';
import { rmSourcesChecks } from './rm-sources.js';
import { trainerProfile } from './profiles/profile-table.js';
import { errnoCode } from '../core/guards.js';
import { parseJsonDoc } from '../core/json-doc.js';
import { z } from 'zod';

/** A row of an ms-swift export as the pre-flight reads it: its image paths, relative to the export folder. */
const exportRowSchema = z.object({ images: z.array(z.string()).nullish() });

/**
 * ms-swift 4 renamed `--train_type` to `--tuner_type` (commit d0c71e48, "[v4] refactor ms-swift v4"):
 * for an ms-swift 1.x–3.x found by the pre-flight, the plan uses the old name.
 */
export function adaptToSwiftVersion(p: SwiftPlan, version: string): void {
  p.swiftVersion = version;
  const major = Number(/^(\d+)\./.exec(version)?.[1] ?? NaN);
  if (!(major >= 1 && major <= 3)) return;
  const i = p.args.findIndex(([k]) => k === '--tuner_type');
  if (i < 0 || p.args.some(([k]) => k === '--train_type')) return;
  p.args[i] = ['--train_type', p.args[i]![1]];
  p.command = [...p.command.slice(0, 4), ...p.args.flatMap(([k, v]) => [k, ...v])];
  p.notes.push(`ms-swift ${version} (before 4.0): --train_type instead of --tuner_type`);
}

function probe(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  timeout: number,
): Promise<{ ok: boolean; out: string; err: string; enoent: boolean }> {
  return new Promise((done) => {
    execFile(cmd, args, { env, cwd, timeout, maxBuffer: 4 << 20 }, (e, stdout, stderr) => {
      done({
        ok: !e,
        out: String(stdout),
        err: String(stderr) || (e ? e.message : ''),
        enoent: errnoCode(e) === 'ENOENT',
      });
    });
  });
}

/** The interpreter and the profile's package (`module`: a name of the profile table, never user input). */
const pyProbe = (module: string): string =>
  [
    'import sys, json',
    "out = {'python': sys.version.split()[0], 'executable': sys.executable}",
    'try:',
    `    import ${module} as mod`,
    "    out['swift'] = str(getattr(mod, '__version__', 'unknown'))",
    'except BaseException as e:',
    "    out['error'] = type(e).__name__ + ': ' + str(e)",
    'print(json.dumps(out))',
  ].join('\n');

async function checkData(p: SwiftPlan, verify: boolean): Promise<PreflightCheck> {
  const x = p.exportManifest;
  const bad: string[] = [];
  let rows = 0;
  const build = resolve(p.exportDir, x.build.dir, 'manifest.json');
  if (existsSync(build) && verify && (await sha256File(build)) !== x.build.manifestSha256) {
    bad.push(`the build (${build}) changed since the export`);
  }
  for (const [split, f] of Object.entries(x.files)) {
    const path = resolve(p.exportDir, f.file);
    if (!existsSync(path)) {
      bad.push(`${f.file} is missing`);
      continue;
    }
    if (split === x.trainSplit) rows = f.rows;
    if (!verify) continue;
    if ((await sha256File(path)) !== f.sha256) {
      bad.push(`${f.file} changed since the export (sha256 differs)`);
      continue;
    }
    const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
    let n = 0;
    for await (const line of rl) {
      n++;
      if (!line.trim()) continue;
      const row = parseJsonDoc(line, exportRowSchema, {
        file: path,
        line: n,
        what: 'a row of gad-data export',
        hint: 'rerun gad-data export',
      });
      for (const img of row.images ?? []) {
        if (!existsSync(resolve(p.exportDir, img))) bad.push(`${f.file} line ${n}: image ${img} is missing`);
      }
      if (bad.length > 5) break;
    }
  }
  if (!bad.length && rows === 0) bad.push('the train file has no rows');
  if (bad.length)
    return {
      check: 'data',
      ok: false,
      message: `${bad.slice(0, 5).join('; ')}: rerun gad-data export ${x.kind} (or pass --no-verify to skip the checksums)`,
    };
  return {
    check: 'data',
    ok: true,
    message: `${x.kind} export for ${x.build.model.family}: ${rows} train rows, max_length ${x.maxLength}, ${x.images.count} images${verify ? ' (sha256 verified)' : ' (not verified: --no-verify)'}`,
  };
}

async function checkModel(p: SwiftPlan): Promise<PreflightCheck> {
  const model = p.models?.generator ?? '';
  const family = p.exportManifest.build.model.family;
  if (!model)
    return { check: 'model', ok: false, message: 'no model given: pass --model-path DIR_OR_HUB_ID or set MODEL_PATH' };
  if (!existsSync(model) && !HUB_REPO_ID.test(model)) {
    return {
      check: 'model',
      ok: false,
      message: `model path ${model} does not exist: pass --model-path with a model folder or a Hub id`,
    };
  }
  const det = await detectFamily(model);
  if (det.family && det.family !== family) {
    return {
      check: 'model',
      ok: false,
      message: `the data was made for ${family} but the model ${model} is ${det.family} (from ${det.from}): launch a ${family} model, or rebuild and re-export the data for ${det.family}`,
    };
  }
  return {
    check: 'model',
    ok: true,
    message: `${model}: ${det.family ? `${det.family} (from ${det.from})` : `family not checked (${det.from})`}`,
  };
}

export async function swiftPreflight(p: SwiftPlan, o: SwiftOptions): Promise<PreflightCheck[]> {
  const env = { ...(o.env ?? process.env), ...p.env };
  const out: PreflightCheck[] = [];
  const pkg = trainerProfile(o.profile, 'export').probe;
  const py = await probe(p.command[0]!, ['-c', pyProbe(pkg.module)], env, p.cwd, 180_000);
  let info: { executable?: string; python?: string; swift?: string; error?: string } | null = null;
  try {
    info = py.ok ? JSON.parse(py.out.trim().split('\n').pop() ?? '') : null;
  } catch {
    info = null;
  }
  if (!info) {
    out.push({
      check: 'python',
      ok: false,
      message: `Python "${p.command[0]}" ${py.enoent ? 'not found' : `failed: ${py.err.trim().split('\n').pop()}`}: pass --python PATH (or set $PYTHON) to your ms-swift environment`,
    });
    out.push({ check: 'ms-swift', ok: false, message: 'not checked: no working Python' });
  } else {
    out.push({ check: 'python', ok: true, message: `${info.executable} (Python ${info.python})` });
    out.push(
      info.error
        ? {
            check: 'ms-swift',
            ok: false,
            message: `\`import ${pkg.module}\` fails in ${info.executable} (${info.error}): ${pkg.install} into that environment, activate it, or pass --python`,
          }
        : { check: 'ms-swift', ok: true, message: `ms-swift ${info.swift}` },
    );
    if (!info.error && info.swift) adaptToSwiftVersion(p, info.swift);
  }
  out.push(await checkData(p, !o.noVerify));
  if (p.exportManifest.kind === 'rm') out.push(...(await rmSourcesChecks(p.exportManifest, p.exportDir, p.cwd)));
  out.push(await checkModel(p));
  const smi = await probe('nvidia-smi', ['-L'], env, p.cwd, 30_000);
  if (smi.enoent) out.push({ check: 'gpus', ok: true, message: 'nvidia-smi not found: GPU count not checked' });
  else if (!smi.ok)
    out.push({
      check: 'gpus',
      ok: false,
      message: `nvidia-smi failed (${smi.err.trim().split('\n').pop()}): check the NVIDIA driver`,
    });
  else {
    const n = smi.out.split('\n').filter((l) => /^GPU \d+/.test(l.trim())).length;
    const want = p.nGpusPerNode ?? 1;
    out.push(
      n < want
        ? {
            check: 'gpus',
            ok: false,
            message: `nvidia-smi lists ${n} GPU(s) but NPROC_PER_NODE=${want}: pass --n-gpus ${n}`,
          }
        : { check: 'gpus', ok: true, message: `${n} GPU(s) for NPROC_PER_NODE=${want}` },
    );
  }
  return out;
}
