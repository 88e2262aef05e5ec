/**
 * Requests-per-minute and tokens-per-minute limits: a request starts no sooner than 60 s / rpm after the
 * previous one, and not while the tokens of the answers received in the last 60 s reach tpm.
 */
const MINUTE = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class RateLimiter {
  private nextStart = 0;
  private window: Array<{ at: number; tokens: number }> = [];
  constructor(private readonly o: { rpm?: number; tpm?: number }) {}

  async wait(): Promise<void> {
    if (this.o.rpm) {
      const now = Date.now();
      const at = Math.max(now, this.nextStart);
      this.nextStart = at + MINUTE / this.o.rpm;
      if (at > now) await sleep(at - now);
    }
    if (this.o.tpm) {
      for (;;) {
        const now = Date.now();
        this.window = this.window.filter((w) => w.at > now - MINUTE);
        const used = this.window.reduce((a, w) => a + w.tokens, 0);
        const [oldest] = this.window;
        if (used < this.o.tpm || !oldest) break;
        await sleep(oldest.at + MINUTE - now + 1);
      }
    }
  }

  used(tokens: number): void {
    if (this.o.tpm && tokens > 0) this.window.push({ at: Date.now(), tokens });
  }
}
