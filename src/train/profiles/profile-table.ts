/**
 * The trainer-profile table: one entry per `train --profile` (one file each), read by the command's choices,
 * planTraining (the planner), preflight (the profile's checks) and the ms-swift launch. Adding a profile is one file
 * and one line here (docs/architecture.md, "How to add a trainer profile"). Entries load their planners lazily, so
 * the command line can list the names without loading a trainer's code.
 */
import { GadError } from '../../core/errors.js';
import { easyr1Profile } from './profile-easyr1.js';
import { swiftRmProfile } from './profile-swift-rm.js';
import { swiftSftProfile } from './profile-swift-sft.js';
import { verlGadProfile } from './profile-verl-gad.js';
import { verlGrpoProfile } from './profile-verl-grpo.js';
import type { BuildProfile, ExportProfile, TrainerProfile } from './trainer-profile.js';

export type { BuildProfile, ExportProfile, ProfilePlanContext, TrainerProfile } from './trainer-profile.js';

export const TRAINER_PROFILES: readonly TrainerProfile[] = [
  verlGadProfile,
  verlGrpoProfile,
  easyr1Profile,
  swiftSftProfile,
  swiftRmProfile,
];

/** The profile names, in table order. */
export const TRAINER_PROFILE_NAMES: readonly string[] = TRAINER_PROFILES.map((p) => p.name);

/** The profile of a name; an unknown name is a usage error (exit 2) listing the profiles and their docs. */
export function trainerProfile(name: string): TrainerProfile;
export function trainerProfile<I extends TrainerProfile['input']>(
  name: string,
  input: I,
): Extract<TrainerProfile, { input: I }>;
export function trainerProfile(name: string, input?: TrainerProfile['input']): TrainerProfile {
  const p = TRAINER_PROFILES.find((x) => x.name === name && (!input || x.input === input));
  if (!p) {
    const known = TRAINER_PROFILES.filter((x) => !input || x.input === input);
    throw new GadError(`unknown training profile "${name}"`, {
      hint: `use one of: ${known.map((x) => `${x.name} (${x.docs})`).join(', ')}`,
      exitCode: 2,
    });
  }
  return p;
}

/** The profiles `planTraining` launches (verl, EasyR1): verl-gad, verl-grpo, easyr1. */
export const TRAIN_PROFILES: readonly string[] = TRAINER_PROFILES.filter((p) => p.input === 'build').map((p) => p.name);

/** The build profiles (verl, EasyR1) and the export profiles (ms-swift), in table order. */
export const buildProfiles = (): BuildProfile[] =>
  TRAINER_PROFILES.filter((p): p is BuildProfile => p.input === 'build');
export const exportProfiles = (): ExportProfile[] =>
  TRAINER_PROFILES.filter((p): p is ExportProfile => p.input === 'export');
