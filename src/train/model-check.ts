/**
 * The models a launch names, against the build: the family and vision settings of a model folder, of a Hub id's
 * snapshot in the Hugging Face cache, or (neither there) of its name. A model of another family, another vision
 * patch or merge size, or a text-only model is a pre-flight failure: the rows were counted for the build's model.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { HUB_REPO_ID, hfHubCacheDir, hubRepoFolderName } from '../core/hf-paths.js';
import type { Manifest } from '../core/types.js';
import type { PreflightCheck } from './launch-plan.js';
import { HF_MIRROR_EXAMPLE } from '../core/hf-hints.js';
import { detectModelFamily } from '../model/families/family-table.js';
import { z } from 'zod';

/** A family of the model-family table, or a related model's own name (`qwen2-vl`). */
type Family = string;

export interface DetectedModel {
  family: Family | null;
  /** Where the answer came from (`config.json model_type qwen2_5_vl`, `its name`, ...). */
  from: string;
  patchSize?: number;
  mergeSize?: number;
  /** A text-only model (no vision tower): it cannot train on image rows at all. */
  text?: boolean;
}

/** A Hub id's snapshot folder in the Hugging Face cache (refs/main, else the only snapshot), or null. */
function cachedSnapshot(id: string, env: NodeJS.ProcessEnv): string | null {
  const repo = join(hfHubCacheDir(env), hubRepoFolderName(id, 'model'));
  const snaps = join(repo, 'snapshots');
  if (!existsSync(snaps)) return null;
  try {
    const ref = join(repo, 'refs', 'main');
    if (existsSync(ref)) {
      const commit = readFileSync(ref, 'utf8').trim();
      if (commit && existsSync(join(snaps, commit))) return join(snaps, commit);
    }
    const entries = readdirSync(snaps).filter((e) => statSync(join(snaps, e)).isDirectory());
    return entries.length === 1 ? join(snaps, entries[0]!) : null;
  } catch {
    return null;
  }
}

/** What of a model's config.json and (pre)processor_config.json the check reads; another shape is not used. */
const modelConfigSchema = z.object({
  model_type: z.string().optional(),
  vision_config: z.object({ patch_size: z.number().optional(), spatial_merge_size: z.number().optional() }).nullish(),
});
const sizesSchema = z.object({ patch_size: z.number().optional(), merge_size: z.number().optional() });
const processorConfigSchema = sizesSchema.extend({ image_processor: sizesSchema.optional() });

async function fromFolder(dir: string, label: string): Promise<DetectedModel | null> {
  const cfgPath = join(dir, 'config.json');
  if (existsSync(cfgPath)) {
    try {
      const cfg = modelConfigSchema.parse(JSON.parse(await readFile(cfgPath, 'utf8')));
      const t = String(cfg.model_type ?? '');
      const fam: Family | null = (t && detectModelFamily({ modelType: t })?.model) || null;
      const vc = cfg.vision_config;
      if (fam) {
        return {
          family: fam,
          from: `${label}config.json model_type ${t}`,
          patchSize: vc?.patch_size,
          mergeSize: vc?.spatial_merge_size,
        };
      }
      if (t && !vc) return { family: null, text: true, from: `${label}config.json model_type ${t}, no vision_config` };
    } catch {
      /* fall through to the processor files */
    }
  }
  for (const f of ['preprocessor_config.json', 'processor_config.json']) {
    const p = join(dir, f);
    if (!existsSync(p)) continue;
    try {
      const j = processorConfigSchema.parse(JSON.parse(await readFile(p, 'utf8')));
      const patch = j.patch_size ?? j.image_processor?.patch_size;
      const merge = j.merge_size ?? j.image_processor?.merge_size;
      const hit = patch === undefined ? null : detectModelFamily({ patchSize: patch });
      if (hit)
        return { family: hit.model, from: `${label}${f} patch_size ${patch}`, patchSize: patch, mergeSize: merge };
    } catch {
      /* unknown */
    }
  }
  return null;
}

/**
 * Model family from a model folder (config.json model_type and vision_config, else the processor's patch size),
 * a Hub id's snapshot in the Hugging Face cache, else the Hub id's name. Relative folders resolve against `cwd`.
 */
export async function detectFamily(
  model: string,
  o: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<DetectedModel> {
  const local = isAbsolute(model) ? model : resolve(o.cwd ?? process.cwd(), model);
  if (existsSync(local) && statSync(local).isDirectory()) {
    return (
      (await fromFolder(local, '')) ?? {
        family: null,
        from: 'no config.json or processor config with a known model type',
      }
    );
  }
  if (HUB_REPO_ID.test(model)) {
    const snap = cachedSnapshot(model, o.env ?? process.env);
    const found = snap ? await fromFolder(snap, 'the Hugging Face cache: ') : null;
    if (found) return found;
  }
  const named = detectModelFamily({ id: model });
  if (named) return { family: named.model, from: 'its name' };
  // Qwen's text-only releases: Qwen/Qwen2.5-7B-Instruct, Qwen/Qwen3-8B, Qwen/Qwen2.5-Math-7B, ...
  if (/(^|\/)qwen\d(\.\d+)?-(\d+(\.\d+)?b|math|coder)/i.test(model) && !/vl|omni|audio/i.test(model))
    return { family: null, text: true, from: 'its name (a Qwen text model)' };
  return { family: null, from: 'its name' };
}

/** A model the plan launches (`role`: generator, policy, discriminator), given by `flag` or `$envVar`, against the build. */
export async function checkModel(
  m: Manifest,
  p: {
    role: string;
    flag: string;
    envVar: string;
    model: string;
    cwd: string;
    env: NodeJS.ProcessEnv;
    noModelWhy?: string;
  },
): Promise<PreflightCheck> {
  const { role, flag, envVar, model } = p;
  const check = `${role} model`;
  if (!model) {
    return {
      check,
      ok: false,
      message: p.noModelWhy ?? `no ${role} model given: pass ${flag} DIR_OR_HUB_ID or set ${envVar}`,
    };
  }
  const path = isAbsolute(model) ? model : resolve(p.cwd, model);
  const local = existsSync(path);
  if (!local && !(HUB_REPO_ID.test(model) && !model.startsWith('.'))) {
    return {
      check,
      ok: false,
      message: `${role} model path ${model} does not exist${isAbsolute(model) ? '' : ` (resolved from ${p.cwd}, where the trainer runs)`}: pass ${flag} with a downloaded model folder (or a Hub id like Qwen/Qwen2.5-VL-7B-Instruct), or set ${envVar}; to download one: \`HF_ENDPOINT=${HF_MIRROR_EXAMPLE} hf download ID\` or \`modelscope download --model ID\`, then train with HF_HUB_OFFLINE=1`,
    };
  }
  const where = local ? path : `Hub id ${model}`;
  const det = await detectFamily(model, { cwd: p.cwd, env: p.env });
  const build = `the build was made for ${m.model.family} (${m.model.name}, patch ${m.model.patchSize})`;
  const fix = `launch the build's model (${flag} ${m.model.name}, or leave ${flag} and ${envVar} unset), or rebuild the data for ${model}`;
  if (det.text) {
    return {
      check,
      ok: false,
      message: `${build} but the ${role} model ${model} is a text-only model (from ${det.from}): ${fix}`,
    };
  }
  if (det.family && det.family !== m.model.family) {
    return {
      check,
      ok: false,
      message: `${build} but the ${role} model ${model} is ${det.family} (from ${det.from}): ${fix}`,
    };
  }
  for (const [what, got, want] of [
    ['patch size', det.patchSize, m.model.patchSize],
    ['spatial merge size', det.mergeSize, m.model.mergeSize],
  ] as const) {
    if (got !== undefined && got !== want) {
      return {
        check,
        ok: false,
        message: `the build used vision ${what} ${want} but the ${role} model ${model} has ${got} (from ${det.from}): ${fix}`,
      };
    }
  }
  if (!det.family) {
    return {
      check,
      ok: true,
      warn: true,
      message: `${where}: family not checked (${det.from}); the build is for ${m.model.family} (${m.model.name})`,
    };
  }
  return { check, ok: true, message: `${where}: ${det.family} (from ${det.from})` };
}
