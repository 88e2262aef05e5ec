/**
 * Test helper: drives headless Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe: JSON
 * messages ending in NUL on fds 3 and 4), no library: open a page, evaluate in it, click and wait for the next
 * page, take a screenshot. Network features off, a throwaway profile.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { chromiumArgs } from './chromium-args.js';

type Msg = { id?: number; method?: string; result?: any; error?: { message: string }; sessionId?: string };

export class Browser {
  private next = 1;
  private readonly pending = new Map<number, { ok: (v: any) => void; bad: (e: Error) => void }>();
  private constructor(
    private readonly child: ChildProcess,
    private readonly profile: string,
  ) {
    const out = child.stdio[4] as Readable;
    let buf = '';
    out.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      for (let z = buf.indexOf('\0'); z >= 0; z = buf.indexOf('\0')) {
        const msg = JSON.parse(buf.slice(0, z)) as Msg;
        buf = buf.slice(z + 1);
        const p = msg.id !== undefined ? this.pending.get(msg.id) : undefined;
        if (!p) continue;
        this.pending.delete(msg.id!);
        if (msg.error) p.bad(new Error(msg.error.message));
        else p.ok(msg.result);
      }
    });
  }

  static async launch(chromium: string): Promise<Browser> {
    const profile = await mkdtemp(join(tmpdir(), 'gad-cdp-'));
    const child = spawn(chromium, chromiumArgs({ profile, pipe: true, rest: ['about:blank'] }), {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
    });
    child.stderr!.resume();
    return new Browser(child, profile);
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<any> {
    const id = this.next++;
    const msg = JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) });
    return new Promise((ok, bad) => {
      const timer = setTimeout(() => bad(new Error(`${method}: no answer in 60 s`)), 60_000);
      this.pending.set(id, {
        ok: (v) => (clearTimeout(timer), ok(v)),
        bad: (e) => (clearTimeout(timer), bad(e)),
      });
      (this.child.stdio[3] as Writable).write(`${msg}\0`);
    });
  }

  async open(url: string, width = 1200, height = 800): Promise<Tab> {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    const tab = new Tab(this, sessionId);
    await tab.send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false });
    await tab.goto(url);
    return tab;
  }

  async close(): Promise<void> {
    try {
      await Promise.race([this.send('Browser.close'), new Promise((r) => setTimeout(r, 5000))]);
    } catch {
      /* already gone */
    }
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGKILL');
      await exited;
    }
    await rm(this.profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  }
}

export class Tab {
  constructor(
    private readonly browser: Browser,
    private readonly sessionId: string,
  ) {}

  send(method: string, params: Record<string, unknown> = {}): Promise<any> {
    return this.browser.send(method, params, this.sessionId);
  }

  /** The value of a JavaScript expression in the page. */
  async eval<T = any>(expression: string): Promise<T> {
    const r = await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error(`${expression}: ${JSON.stringify(r.exceptionDetails)}`);
    return r.result.value as T;
  }

  private async loaded(): Promise<void> {
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      try {
        const ok = await this.eval<boolean>(
          `window.__gadOld === undefined && document.readyState === 'complete' && [...document.images].every((i) => i.complete)`,
        );
        if (ok) return;
      } catch {
        /* navigating */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('page did not load in 60 s');
  }

  async goto(url: string): Promise<void> {
    await this.eval('window.__gadOld = 1').catch(() => undefined);
    await this.send('Page.navigate', { url });
    await this.loaded();
  }

  /** Runs `action` (a click, a form submit) in the page and waits for the page it leads to. */
  async navigateBy(action: string): Promise<void> {
    await this.eval(`window.__gadOld = 1; ${action}; true`);
    await this.loaded();
  }

  async screenshot(file: string): Promise<void> {
    const { data } = await this.send('Page.captureScreenshot', { format: 'png' });
    await writeFile(file, Buffer.from(data, 'base64'));
  }
}
