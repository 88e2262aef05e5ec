/**
 * Seams for crash and race tests. testHold: a seam for crash tests: when GAD_DATA_TEST_HOLD names this point, the process writes the point's name to
 * GAD_DATA_TEST_HOLD_FILE (when set) and then waits forever, so a test can SIGKILL it exactly there
 * (e.g. between the two renames of a commit). Does nothing otherwise.
 */
import { writeFileSync } from 'node:fs';

export async function testHold(point: string): Promise<void> {
  if (process.env.GAD_DATA_TEST_HOLD !== point) return;
  if (process.env.GAD_DATA_TEST_HOLD_FILE) writeFileSync(process.env.GAD_DATA_TEST_HOLD_FILE, point);
  await new Promise<never>(() => {
    setInterval(() => undefined, 60_000);
  });
}

/** The delay in ms GAD_DATA_TEST_DELAY (`point:ms`) asks for at `point`, or 0. */
function delayOf(point: string): number {
  const v = process.env.GAD_DATA_TEST_DELAY;
  if (!v) return 0;
  const i = v.lastIndexOf(':');
  return v.slice(0, i) === point ? Number(v.slice(i + 1)) || 0 : 0;
}

/**
 * A seam for race tests: when GAD_DATA_TEST_DELAY is `point:ms`, a slow write at `point` (the process blocks
 * for ms, as a slow disk would). Does nothing otherwise.
 */
export function testDelaySync(point: string): void {
  const ms = delayOf(point);
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** testDelaySync without blocking the event loop. */
export async function testDelay(point: string): Promise<void> {
  const ms = delayOf(point);
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
}
