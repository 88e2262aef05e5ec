/** `swift-sft`: the GAD recipe's generator warmup, ms-swift `swift sft` on a `gad-data export sft` folder. */
import type { ExportProfile } from './trainer-profile.js';

export const swiftSftProfile: ExportProfile = {
  name: 'swift-sft',
  docs: 'docs/gad-recipe.md#train---profile-swift-sftswift-rm',
  probe: { module: 'swift', install: 'pip install ms-swift' },
  input: 'export',
  kind: 'sft',
  swift: { subcommand: 'sft', learningRate: '1e-5', outputDir: 'output/generator_warmup' },
};
