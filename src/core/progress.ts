/**
 * Progress for long stages: a redrawn bar with rate and ETA on a TTY, plain periodic lines otherwise,
 * nothing with quiet. Written to stderr so that stdout stays clean for --json.
 */
export interface ProgressSink {
  start(stage: string, total: number | null, unit?: string): void;
  tick(stage: string, n?: number): void;
  /** Set the absolute position (downloads report bytes). */
  update(stage: string, done: number, total?: number | null): void;
  end(stage: string): void;
  log(line: string): void;
}

export const silentProgress: ProgressSink = { start() {}, tick() {}, update() {}, end() {}, log() {} };

interface StageState {
  total: number | null;
  done: number;
  unit: string;
  started: number;
  lastPrint: number;
}

export function createProgress(
  opts: { stream?: NodeJS.WriteStream; quiet?: boolean; color?: boolean; intervalMs?: number } = {},
): ProgressSink {
  if (opts.quiet) return silentProgress;
  const stream = opts.stream ?? process.stderr;
  const tty = !!stream.isTTY;
  const interval = opts.intervalMs ?? (tty ? 100 : 5000);
  const stages = new Map<string, StageState>();
  const color = opts.color ?? (tty && !process.env.NO_COLOR);
  const dim = (s: string) => (color ? `\x1b[2m${s}\x1b[0m` : s);
  let drawn = false;

  const fmtRate = (st: StageState) => {
    const secs = (Date.now() - st.started) / 1000;
    const rate = secs > 0 ? st.done / secs : 0;
    const eta = st.total && rate > 0 ? Math.max(0, (st.total - st.done) / rate) : null;
    const r = st.unit === 'B' ? `${(rate / 1e6).toFixed(1)} MB/s` : `${rate.toFixed(rate < 10 ? 1 : 0)} ${st.unit}/s`;
    return { r, eta: eta === null ? '' : `ETA ${formatSecs(eta)}`, secs };
  };
  const amount = (st: StageState, v: number) => (st.unit === 'B' ? `${(v / 1e6).toFixed(1)} MB` : String(v));
  const line = (stage: string, st: StageState) => {
    const { r, eta } = fmtRate(st);
    if (st.total) {
      const frac = Math.min(1, st.done / st.total);
      const width = 24;
      const bar = tty ? `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ` : '';
      return `${stage.padEnd(8)} ${bar}${amount(st, st.done)}/${amount(st, st.total)} ${(frac * 100).toFixed(0)}% ${dim(`${r} ${eta}`)}`;
    }
    return `${stage.padEnd(8)} ${amount(st, st.done)} ${dim(r)}`;
  };
  const draw = (stage: string, st: StageState, force = false) => {
    const now = Date.now();
    if (!force && now - st.lastPrint < interval) return;
    st.lastPrint = now;
    if (tty) {
      stream.write(`\r\x1b[K${line(stage, st)}`);
      drawn = true;
    } else stream.write(`${line(stage, st)}\n`);
  };
  const clear = () => {
    if (tty && drawn) stream.write('\r\x1b[K');
    drawn = false;
  };
  return {
    start(stage, total, unit = 'rows') {
      stages.set(stage, { total, done: 0, unit, started: Date.now(), lastPrint: tty ? 0 : Date.now() });
    },
    tick(stage, n = 1) {
      const st = stages.get(stage);
      if (!st) return;
      st.done += n;
      draw(stage, st);
    },
    update(stage, done, total) {
      const st = stages.get(stage);
      if (!st) return;
      st.done = done;
      if (total !== undefined) st.total = total;
      draw(stage, st);
    },
    end(stage) {
      const st = stages.get(stage);
      if (!st) return;
      clear();
      const { r, secs } = fmtRate(st);
      stream.write(
        `${stage.padEnd(8)} ${amount(st, st.done)} ${st.unit === 'B' ? '' : st.unit + ' '}in ${formatSecs(secs)} ${dim(`(${r})`)}\n`,
      );
      stages.delete(stage);
    },
    log(l) {
      clear();
      stream.write(`${l}\n`);
    },
  };
}

export function formatSecs(s: number): string {
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}
