/**
 * Child-process entry for the launcher tests: `node run-train-cli.js '<TrainOptions JSON>'` runs
 * runTraining in its own process (so a real SIGINT can be sent to it) and exits with its result.
 */
import { runTraining } from '../../src/train/run-training.js';

const opts = JSON.parse(process.argv[2] ?? '{}');
runTraining(opts).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exit(2);
  },
);
