/**
 * `WorkerPool.warm()` (src/core/worker-pool.ts) starts the workers before the first request, so that the image
 * loader's first requests to them (image 257 of a build) do not wait for a worker's start; the request then goes to
 * the worker already started, and a pool warmed and never used lets its workers go after `idleMs`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import { WorkerPool } from '../../src/core/worker-pool.js';

/** A worker that doubles each request's `n`. */
const DOUBLER = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (batch) => parentPort.postMessage(batch.map((r) => ({ id: r.id, n: r.n * 2 }))));
`;

function pool(made: Worker[], idleMs: number) {
  return new WorkerPool<{ n: number }, { id: number; n: number }, number>({
    size: 1,
    idleMs,
    batch: 1,
    make: (W) => {
      const w = new W(DOUBLER, { eval: true });
      made.push(w);
      return w;
    },
    inline: (req) => Promise.resolve(-req.n), // (a negative answer: done on the main thread, not by the worker)
    accept: (reply) => reply.n,
  });
}

/** Keeps the event loop alive while a test waits on a worker the pool has unref'd (as it does while idle). */
function keepAlive(): () => void {
  const t = setInterval(() => {}, 1000);
  return () => clearInterval(t);
}

/** Waits until `cond()` holds (polled; the pool loads node:worker_threads before it makes a worker). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 6000 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
}

const online = (w: Worker) => new Promise<void>((resolve) => w.once('online', () => resolve()));

test('warm() starts the worker before any request; the first request is answered by that same worker', async () => {
  const done = keepAlive();
  const made: Worker[] = [];
  const p = pool(made, 60_000);
  assert.equal(made.length, 0, 'no worker before warm()');
  p.warm();
  await until(() => made.length > 0);
  assert.equal(made.length, 1, 'warm() made the worker without a request');
  await online(made[0]!);
  assert.equal(await p.run({ n: 21 }), 42);
  assert.equal(p.viaWorkers, 1);
  p.warm(); // (already started: nothing more)
  assert.equal(await p.run({ n: 5 }), 10);
  assert.equal(made.length, 1, 'one worker in all');
  await p.close();
  done();
});

test('a pool warmed and given no work stops its worker after idleMs', { timeout: 120_000 }, async () => {
  const done = keepAlive();
  const made: Worker[] = [];
  const p = pool(made, 200);
  p.warm();
  await until(() => made.length > 0);
  assert.equal(made.length, 1);
  // (the pool removes its listeners before it stops a worker: a stopped worker's threadId is -1)
  await until(() => made[0]!.threadId === -1);
  assert.equal(made[0]!.threadId, -1, 'the idle warmed worker was stopped');
  // Work after that starts a worker again.
  assert.equal(await p.run({ n: 4 }), 8);
  assert.equal(made.length, 2);
  await p.close();
  done();
});

test(
  'the image loader starts its workers halfway through the images it reads inline',
  { timeout: 120_000 },
  async () => {
    const { mkdtempSync, writeFileSync, existsSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { createImageLoader } = await import('../../src/images/image-load-pool.js');
    const dir = mkdtempSync(join(tmpdir(), 'gad-warm-'));
    const done = keepAlive();
    try {
      const mark = join(dir, 'worker-started');
      // (a worker that only says it started: the loads below are all inline)
      const loader = createImageLoader({
        workers: 1,
        inlineFirst: 8,
        workerSource: `require('node:fs').writeFileSync(${JSON.stringify(mark)}, '')`,
      });
      writeFileSync(join(dir, 'a.txt'), 'not an image');
      for (let i = 0; i < 4; i++) await loader.load(join(dir, 'a.txt'));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(existsSync(mark), false, 'no worker before half the inline images');
      await loader.load(join(dir, 'a.txt')); // the 5th of 8 (4 done): the workers start
      await until(() => existsSync(mark));
      assert.equal(existsSync(mark), true, 'the worker started while the images were still read inline');
      assert.equal(loader.viaWorkers, 0);
      await loader.close();
    } finally {
      done();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
