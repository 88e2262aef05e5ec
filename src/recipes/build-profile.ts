/**
 * The model a build was made with, loaded for a stage after it (the recipe exports, generate): the one its manifest
 * names (or the folder the user gives with `flag`), checked to have the tokenizer and chat template the build
 * counted with, so every later count is the build's.
 */
import { GadError, describeError } from '../core/errors.js';
import type { Manifest } from '../core/types.js';
import { type ModelProfile, loadModelProfile } from '../model/model-profile.js';

export async function loadBuildProfile(
  m: Manifest,
  given: string | undefined,
  flag: string,
  /** Parse tokenizer.json only when a count needs it (its sha256 is still checked here). */
  opts: { lazyTokenizer?: boolean } = {},
): Promise<ModelProfile> {
  const name = given ?? m.model.name;
  let profile: ModelProfile;
  try {
    profile = await loadModelProfile(name, {}, opts);
  } catch (e) {
    throw new GadError(`cannot load the build's model ${name}: ${describeError(e)}`, {
      hint: `pass ${flag} DIR with the model folder the build was made with`,
      exitCode: 2,
    });
  }
  if (profile.tokenizerSha256 !== m.model.tokenizerSha256 || profile.chatTemplateSha256 !== m.model.chatTemplateSha256)
    throw new GadError(
      `model ${name} is not the one the build was made with (tokenizer or chat template sha256 differs from the manifest)`,
      {
        hint: `pass ${flag} with the exact model folder of the build, or rebuild the data with this model`,
        exitCode: 2,
      },
    );
  return profile;
}
