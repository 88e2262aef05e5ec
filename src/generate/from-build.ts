/**
 * The build `generate` reads: its manifest (any kind: a build without teacher answers is what the teacher is
 * asked about) and the model it was made with, whose tokenizer counts the answers in the student's tokens.
 */
import type { ModelProfile } from '../model/model-profile.js';
import { type OpenedBuild, openBuild } from '../recipes/build-rows.js';
import { loadBuildProfile } from '../recipes/build-profile.js';

export interface GenerateBuild {
  build: OpenedBuild;
  profile: ModelProfile;
}

export async function openGenerateBuild(from: string, model?: string): Promise<GenerateBuild> {
  const build = await openBuild(from, { needTeacher: false });
  const m = build.manifest;
  const profile = await loadBuildProfile(m, model, '--tokenizer-model');
  return { build, profile };
}
