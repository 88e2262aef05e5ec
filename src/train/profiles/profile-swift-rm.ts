/** `swift-rm`: the GAD recipe's discriminator warmup, ms-swift `swift rlhf --rlhf_type rm` on a `gad-data export rm` folder. */
import type { ExportProfile } from './trainer-profile.js';

export const swiftRmProfile: ExportProfile = {
  name: 'swift-rm',
  docs: 'docs/gad-recipe.md#train---profile-swift-sftswift-rm',
  probe: { module: 'swift', install: 'pip install ms-swift' },
  input: 'export',
  kind: 'rm',
  swift: { subcommand: 'rlhf', rlhfType: 'rm', learningRate: '5e-6', outputDir: 'output/discriminator_warmup' },
};
