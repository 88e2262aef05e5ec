/**
 * The build `generate` reads: its manifest (any kind: a build without teacher answers is what the teacher is
 * asked about) and the model it was made with, whose tokenizer counts the answers in the student's tokens.
 */
import { GadError, describeError } from '../core/errors.js';
import { type ModelProfile, loadModelProfile } from '../format/profile.js';
import { type OpenedBuild, openBuild } from '../export/recipe/index.js';

export interface GenerateBuild {
  build: OpenedBuild;
  profile: ModelProfile;
}

export async function openGenerateBuild(from: string, model?: string): Promise<GenerateBuild> {
  const build = await openBuild(from, { needTeacher: false });
  const m = build.manifest;
  const name = model ?? m.model.name;
  let profile: ModelProfile;
  try {
    profile = await loadModelProfile(name);
  } catch (e) {
    throw new GadError(`cannot load the build's model ${name}: ${describeError(e)}`, {
      hint: 'pass --tokenizer-model DIR with the model folder the build was made with',
      exitCode: 2,
    });
  }
  if (
    profile.tokenizerSha256 !== m.model.tokenizerSha256 ||
    profile.chatTemplateSha256 !== m.model.chatTemplateSha256
  ) {
    throw new GadError(
      `model ${name} is not the one the build was made with (tokenizer or chat template sha256 differs from the manifest)`,
      { hint: 'pass --tokenizer-model with the exact model folder of the build', exitCode: 2 },
    );
  }
  return { build, profile };
}
