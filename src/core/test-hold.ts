/**
 * A seam for crash tests: when GAD_DATA_TEST_HOLD names this point, the process writes the point's name to
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
