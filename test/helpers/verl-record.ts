import { readFileSync } from 'node:fs';

/** What the recording fake verl (test/fixtures/fake-verl, verl/trainer/_record.py) writes to $FAKE_VERL_RECORD. */
export interface VerlRecord {
  /** sys.argv: the module's file, then the arguments */
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** the module run: verl.trainer.main_ppo, verl.trainer.main ... */
  module: string;
  /** 'got SIGINT' / 'got SIGTERM' when it was stopped by a signal, else null */
  signal: string | null;
}

/** Test helper: read the call the recording fake verl recorded (argv, environment, folder, module). */
export function readVerlRecord({ file }: { file: string }): VerlRecord {
  return JSON.parse(readFileSync(file, 'utf8')) as VerlRecord;
}
