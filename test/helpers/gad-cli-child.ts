/** Child entry of test/helpers/gad-cli.ts: the gad-data command from the sources under test. */
import { main } from '../../src/cli.js';

process.exitCode = await main(process.argv);
