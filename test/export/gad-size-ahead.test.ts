/**
 * The GAD-size worker started as the export opens: whether the first rows will compute GAD-size images is told from
 * the head of the build's lengths.jsonl (firstRowsNeedGadSize), and a pool started without a request
 * (WorkerPool.warm) serves the requests that come, or stops after its idle time when none does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { firstRowsNeedGadSize } from '../../src/recipes/gad-size-ahead.js';
import { WorkerPool } from '../../src/core/worker-pool.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-size-ahead-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** A build folder whose lengths.jsonl is `text`. */
function build(name: string, text: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'lengths.jsonl'), text);
  return dir;
}

const line = (written: number[][], resized: number[][]) =>
  `${JSON.stringify({ split: 'train', index: 0, id: 'r', prompt_tokens: 9, resized, written })}\n`;
/** A stand-in warmup trainer: every size rounded up to a multiple of 32. */
const grid = (w: number, h: number): [number, number] => [Math.ceil(w / 32) * 32, Math.ceil(h / 32) * 32];

test('firstRowsNeedGadSize: true when a first row has an image at another grid than the GAD stage, else false', () => {
  const agree = line([[60, 30]], [[64, 32]]);
  const differ = line([[60, 30]], [[56, 28]]);
  assert.equal(firstRowsNeedGadSize(build('agree', agree.repeat(50)), grid), false);
  assert.equal(firstRowsNeedGadSize(build('differ', agree.repeat(50) + differ), grid), true);
  // the second image of a row, and a trainer that cannot tell (null)
  assert.equal(
    firstRowsNeedGadSize(
      build(
        'second',
        line(
          [
            [64, 32],
            [60, 30],
          ],
          [
            [64, 32],
            [56, 28],
          ],
        ),
      ),
      grid,
    ),
    true,
  );
  assert.equal(
    firstRowsNeedGadSize(build('unknown', differ), () => null),
    false,
  );
  // only the head of the file is read: a row past 64 KB is not looked at, a line cut at the end is skipped
  const far = build('far', agree.repeat(Math.ceil(70_000 / agree.length)) + differ);
  assert.equal(firstRowsNeedGadSize(far, grid), false);
  // no lengths.jsonl, or lines that are not length records: false (the worker then starts at the first image)
  assert.equal(firstRowsNeedGadSize(join(tmp, 'missing'), grid), false);
  assert.equal(firstRowsNeedGadSize(build('junk', 'not json\n{"written": 3, "resized": [[1, 2]]}\n[]\n'), grid), false);
});

/**
 * A pool of one worker that echoes its requests (doubled, after `busyMs` of work each), counting the workers it made
 * and the ones it stopped; inline (the main thread's fallback) answers the negated request.
 */
function echoPool(idleMs: number, busyMs = 0) {
  const made: Worker[] = [];
  let exited = 0;
  const pool = new WorkerPool<number, { id: number; value: number }, number>({
    size: 1,
    idleMs,
    batch: 1,
    make: (W) => {
      const w = new W(
        `const { parentPort } = require('node:worker_threads');
         const busy = (ms) => { const t = Date.now(); while (Date.now() - t < ms); };
         parentPort.on('message', (batch) => {
           busy(${busyMs});
           parentPort.postMessage(batch.map((r) => ({ id: r.id, value: r.value * 2 })));
         });`,
        { eval: true },
      );
      // (the pool drops its listeners before it stops a worker: its terminate call is what is counted)
      const terminate = w.terminate.bind(w);
      w.terminate = () => {
        exited++;
        return terminate();
      };
      made.push(w);
      return w;
    },
    inline: async (n) => -n,
    accept: (reply) => reply.value,
    message: (n) => ({ body: { value: n }, transfer: [] }),
  });
  return { pool, made, exited: () => exited };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('WorkerPool.warm: the worker starts before any request and serves the next one; unused, it stops', async () => {
  const a = echoPool(60_000);
  a.pool.warm();
  for (const t0 = Date.now(); a.made.length === 0 && Date.now() - t0 < 60_000;) await sleep(10);
  assert.equal(a.made.length, 1, 'started without a request');
  a.pool.warm(); // (once)
  assert.equal(await a.pool.run(21), 42, 'answered by the worker');
  assert.equal(a.pool.viaWorkers, 1);
  assert.equal(a.made.length, 1, 'the warmed worker, not a second one');
  await a.pool.close();

  const b = echoPool(300);
  b.pool.warm();
  const t0 = Date.now();
  while (b.exited() === 0 && Date.now() - t0 < 60_000) await sleep(50);
  assert.equal(b.exited(), 1, 'stopped after its idle time without a request');
  assert.equal(await b.pool.run(5), 10, 'a later request starts a worker again');
  assert.equal(b.made.length, 2);
  await b.pool.close();
});

test('WorkerPool.warm: a request taken while the warmed worker starts is not cut off by the idle time', async () => {
  // idle after 100 ms, a request that takes the worker 600 ms, made right after warm (before the worker is up)
  const c = echoPool(100, 600);
  c.pool.warm();
  assert.equal(await c.pool.run(4), 8, 'answered by the worker, not redone on the main thread');
  assert.equal(c.pool.viaWorkers, 1);
  assert.equal(c.exited(), 0);
  await c.pool.close();
});
