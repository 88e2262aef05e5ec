/**
 * The recipe exports count rows' images ahead (rows-ahead.ts) so sharp's thread pool works while the row before is
 * handled — many rows of small images, few of large ones; the rows still come in order, an error comes at the row
 * it belongs to (a broken image of a row the export drops before counting it raises nothing), and a row `wanted`
 * refuses is not counted ahead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RowsAhead } from '../../src/recipes/rows-ahead.js';

interface Row {
  n: number;
}

async function* source(n: number, failAt?: number): AsyncGenerator<Row> {
  for (let i = 0; i < n; i++) {
    await new Promise((r) => setImmediate(r));
    if (i === failAt) throw new Error(`shard broken at row ${i}`);
    yield { n: i };
  }
}

test('rows come in order, each counted once, several counts in flight at a time', async () => {
  const started: number[] = [];
  let inFlight = 0;
  let most = 0;
  const ahead = new RowsAhead<Row, number>(async (row) => {
    started.push(row.n);
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((r) => setTimeout(r, 5));
    inFlight--;
    return row.n * 10;
  });
  const seen: number[] = [];
  for await (const row of ahead.rows(source(20))) seen.push(await ahead.counted(row));
  assert.deepEqual(
    seen,
    Array.from({ length: 20 }, (_, i) => i * 10),
  );
  assert.deepEqual(
    started,
    Array.from({ length: 20 }, (_, i) => i),
  );
  assert.ok(most >= 3, `counts overlap (at most ${most} in flight)`);
});

test("a failing count raises at its row; an unwanted row is not counted ahead; a dropped row's failure is silent", async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    const started: number[] = [];
    const ahead = new RowsAhead<Row, number>(async (row) => {
      started.push(row.n);
      await new Promise((r) => setImmediate(r));
      if (row.n === 2 || row.n === 6) throw new Error(`image of row ${row.n} is broken`);
      return row.n;
    });
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const row of ahead.rows(source(10), (r) => r.n !== 4)) {
        if (row.n === 2) {
          seen.push('2 dropped'); // dropped before its images are counted: its failure is not raised
          continue;
        }
        seen.push(String(await ahead.counted(row)));
      }
    }, /image of row 6 is broken/);
    assert.deepEqual(seen, ['0', '1', '2 dropped', '3', '4', '5']);
    assert.ok(
      started.indexOf(4) > started.indexOf(5),
      `row 4 counted only when it asked, after row 5 ahead: ${started.join(' ')}`,
    );
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('an error reading the rows comes after the rows before it', async () => {
  const ahead = new RowsAhead<Row, number>(async (row) => row.n);
  const seen: number[] = [];
  await assert.rejects(async () => {
    for await (const row of ahead.rows(source(10, 5))) seen.push(await ahead.counted(row));
  }, /shard broken at row 5/);
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
});

test('a `wanted` check that throws on a row neither ends the rows nor counts that row ahead', async () => {
  const started: number[] = [];
  const ahead = new RowsAhead<Row, number>(async (row) => {
    started.push(row.n);
    return row.n;
  });
  const seen: number[] = [];
  const wanted = (r: Row) => {
    if (r.n === 3) throw new Error('row 3 is malformed');
    return true;
  };
  for await (const row of ahead.rows(source(8), wanted)) seen.push(await ahead.counted(row));
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.ok(started.indexOf(3) > started.indexOf(7), `row 3 counted when it asked: ${started.join(' ')}`);
});

test('the lookahead spans many rows of small images, and few of large ones', async () => {
  interface ImageRow {
    n: number;
    images: Array<{ bytes: Uint8Array }>;
  }
  // (one buffer shared by every row: only its length counts)
  const small = new Uint8Array(25_000);
  const large = new Uint8Array(8 * 1024 * 1024);
  async function* rows(n: number, bytes: Uint8Array): AsyncGenerator<ImageRow> {
    for (let i = 0; i < n; i++) {
      await new Promise((r) => setImmediate(r));
      yield { n: i, images: [{ bytes }] };
    }
  }
  const mostAhead = async (bytes: Uint8Array) => {
    const started = new Set<number>();
    let most = 0;
    const ahead = new RowsAhead<ImageRow, number>(async (row) => {
      started.add(row.n);
      await new Promise((r) => setImmediate(r));
      return row.n;
    });
    const seen: number[] = [];
    for await (const row of ahead.rows(rows(60, bytes))) {
      most = Math.max(most, [...started].filter((n) => n > row.n).length);
      seen.push(await ahead.counted(row));
    }
    assert.deepEqual(
      seen,
      Array.from({ length: 60 }, (_, i) => i),
    );
    return most;
  };
  // Geometry3K-size diagrams (~25 kB): a GAD-size image about one row in ten is in flight while earlier rows are
  // written, so the lookahead reaches well past a handful of rows.
  const smallAhead = await mostAhead(small);
  assert.ok(smallAhead >= 16, `small images: ${smallAhead} rows counted ahead`);
  // 8 MB images: the bytes held ahead are bounded, so only a row or two are read (and decoded) ahead.
  const largeAhead = await mostAhead(large);
  assert.ok(largeAhead <= 2, `large images: ${largeAhead} rows counted ahead`);
});
