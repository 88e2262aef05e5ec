/**
 * Child entry for memory tests: `node build-rss-child.js '<config JSON>'` runs the library `build()` on that
 * config in its own process and prints one JSON line: the build's splits and exit code, its wall time, and the
 * process's peak resident set size (`process.resourceUsage().maxRSS`, converted to MB).
 */
import { build } from '../../src/pipeline/build.js';

const cfg = JSON.parse(process.argv[2] ?? '{}');
const t0 = Date.now();
const r = await build(cfg);
const peakRssMB = process.resourceUsage().maxRSS / 1024;
process.stdout.write(
  `${JSON.stringify({ peakRssMB, ms: Date.now() - t0, exitCode: r.exitCode, splits: r.splits, shards: r.manifest.shards.length })}\n`,
);
