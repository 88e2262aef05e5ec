/**
 * An EasyR1 config file (`python3 -m verl.trainer.main config=FILE`) as a layer of the config `train` writes: its
 * PPOConfig sections (`data`, `worker`, `algorithm`, `trainer`) stay sections, as EasyR1's
 * `OmegaConf.merge(PPOConfig(), file, cli)` keeps them. An EasyR1 `trainer:` section is EasyR1's TrainerConfig
 * (`total_epochs`, ...), not gad-data.yaml's `trainer:` (overrides for `gad-data train`).
 */
import { GadError } from '../core/errors.js';
import { EASYR1_DATA_KEYS } from './easyr1-defaults.js';
import type { TrainProfile } from './launch-plan.js';

const SECTIONS = ['data', 'worker', 'algorithm', 'trainer'] as const;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** An EasyR1 config: a mapping with a `worker:` or `algorithm:` section (gad-data.yaml has neither). */
export function isEasyR1Config(raw: unknown): boolean {
  return isPlainObject(raw) && (isPlainObject(raw.worker) || isPlainObject(raw.algorithm));
}

/**
 * The PPOConfig sections of an EasyR1 config as EasyR1 would load them: other top-level keys and `data:` keys
 * that EasyR1's DataConfig does not have (gad-data's own keys beside EasyR1's) are left out, with a note.
 */
export function easyr1Sections(raw: Record<string, unknown>, label: string, notes: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of SECTIONS) if (raw[k] !== undefined) out[k] = raw[k];
  if (isPlainObject(out.data)) {
    const data = out.data;
    const unknown = Object.keys(data).filter((k) => !EASYR1_DATA_KEYS.includes(k));
    out.data = Object.fromEntries(Object.entries(data).filter(([k]) => !unknown.includes(k)));
    if (unknown.length)
      notes.push(`data keys of ${label} that EasyR1's DataConfig does not have were left out: ${unknown.join(', ')}`);
  }
  const other = Object.keys(raw).filter((k) => !(k in out));
  if (other.length) notes.push(`${label}: not EasyR1 keys, left out: ${other.join(', ')}`);
  return out;
}

/**
 * What `train -c FILE` applies: a gad-data.yaml's `trainer:` section (overrides in the profile's key space), or,
 * for an EasyR1 config, its sections as a layer over the base config (profile easyr1 only).
 */
export function trainConfigLayer(
  raw: Record<string, unknown>,
  profile: TrainProfile,
  path: string,
): { configOverrides?: Record<string, unknown>; easyr1Config?: Record<string, unknown> } {
  if (isEasyR1Config(raw)) {
    if (profile !== 'easyr1') {
      throw new GadError(
        `-c ${path} is an EasyR1 config (it has worker:/algorithm: sections): its trainer: section is EasyR1's, which verl does not read`,
        {
          hint: 'use --profile easyr1 with it, or pass -c with a gad-data.yaml whose trainer: section holds verl keys (trainer.total_epochs: 2)',
          exitCode: 2,
        },
      );
    }
    return { easyr1Config: raw };
  }
  const t = raw.trainer;
  if (t === undefined || t === null) return {};
  if (!isPlainObject(t)) {
    throw new GadError(`-c ${path}: trainer: must be a mapping of trainer keys`, {
      hint: 'e.g. trainer: { trainer.total_epochs: 2 }',
      exitCode: 2,
    });
  }
  return { configOverrides: t };
}
