import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import { binInWorkers } from '../../../src/model/forest/binInWorkers.js';
import { BIN_SAMPLE_ROWS, computeBinEdges } from '../../../src/model/forest/binEdges.js';
import { allocateTable, fillTable } from '../../../src/model/forest/binnedTable.js';
import { ForestTrainer } from '../../../src/model/forest/index.js';
import type { BinnedTable } from '../../../src/model/forest/binnedTable.js';
import type { GrowPool } from '../../../src/model/forest/growPool.js';
import type { TrainingData } from '../../../src/model/forest/types.js';
import { Rng } from '../../../src/util/rng.js';

/**
 * Columns that exercise every path of the edges and the bins: ties (a few values repeated), a
 * constant column, continuous doubles (sorted), whole numbers too wide to tally (sorted too), a
 * 0/1 flag, a heavy value with a long tail; more rows than the binning sample, and a row count
 * that is neither a multiple of the staged block (2^15) nor of 4.
 */
function awkwardTable(nRows: number, seed: number): TrainingData {
  const rng = new Rng(seed);
  const names = ['ties', 'constant', 'amount', 'wide_int', 'flag', 'heavy', 'tiny'];
  const columns = names.map(() => new Float64Array(nRows));
  const labels = new Uint8Array(nRows);
  for (let i = 0; i < nRows; i++) {
    columns[0][i] = [1, 2, 2, 3, 3, 3, 10][rng.int(7)];
    columns[1][i] = 42;
    columns[2][i] = Math.round(Math.exp(rng.normal(3, 1)) * 100) / 100;
    columns[3][i] = rng.int(1_000_000) - 500_000;
    columns[4][i] = +(rng.next() < 0.1);
    columns[5][i] = rng.next() < 0.6 ? 0 : rng.next() * 1e6;
    columns[6][i] = (rng.int(300) - 150) * 1e-300;
    labels[i] = +(rng.next() < 0.05 + 0.3 * columns[4][i]);
  }
  return { nRows, featureNames: names, columns, labels };
}

/** The serial table: binEdges.ts, binnedTable.ts in this thread. */
function serial(data: TrainingData, seed: number, binEdges?: Float64Array[]) {
  const edges = binEdges ?? computeBinEdges(data.columns, data.nRows, 255, seed, data.featureNames);
  const table = allocateTable(data.nRows, data.featureNames.length, false);
  fillTable(table, data, edges);
  return { edges, table };
}

async function parallel(pool: GrowPool, helpers: number, data: TrainingData, seed: number, binEdges?: Float64Array[]) {
  const table = allocateTable(data.nRows, data.featureNames.length, true);
  const { edges, stagedBlocks, workerPieces } = await binInWorkers(pool, helpers, data, table, { maxBins: 255, seed, binEdges });
  return { edges, table, stagedBlocks, workerPieces };
}

/** The table with its columns copied into one SharedArrayBuffer (as train's stacked window is): binShared's path. */
function inSharedMemory(data: TrainingData): TrainingData {
  const buffer = new SharedArrayBuffer(8 * data.nRows * data.columns.length);
  const columns = data.columns.map((c, j) => {
    const s = new Float64Array(buffer, 8 * data.nRows * j, data.nRows);
    s.set(c.subarray(0, data.nRows));
    return s;
  });
  return { ...data, columns };
}

/** The message of the error fn throws (it must throw). */
function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('no error');
}

const pool = ForestTrainer.pool(3)!;
afterAll(() => pool.close());

describe('binning on the workers', () => {
  const big = awkwardTable(BIN_SAMPLE_ROWS + 31_337, 5);
  const expected = serial(big, 9);
  const expectSerial = (got: { edges: Float64Array[]; table: BinnedTable }) => {
    expect(got.edges).toEqual(expected.edges);
    expect(Buffer.from(got.table.data).equals(Buffer.from(expected.table.data))).toBe(true);
    expect(Array.from(got.table.nBins)).toEqual(Array.from(expected.table.nBins));
  };

  it('gives the serial edges and table byte for byte, above the sample size, with 1 and 2 workers beside this thread', async () => {
    // The table covers the paths it should: a constant column has no edge, the ties one per gap.
    expect(expected.edges[1].length).toBe(0);
    expect(Array.from(expected.edges[0])).toEqual([1.5, 2.5, 6.5]);
    expect(expected.edges[2].length).toBe(254);
    let staged = 0;
    for (const helpers of [1, 2, 1, 2]) {
      const got = await parallel(pool, helpers, big, 9);
      expectSerial(got);
      staged += got.stagedBlocks;
    }
    // The workers did bin some of it (a worker is handed blocks once it has taken its job, milliseconds in).
    expect(staged).toBeGreaterThan(0);
  });

  it('gives the serial table below the sample size (all rows place the edges) and with edges given', async () => {
    const small = awkwardTable(70_003, 6);
    const want = serial(small, 1);
    const got = await parallel(pool, 2, small, 1);
    expect(got.edges).toEqual(want.edges);
    expect(Buffer.from(got.table.data).equals(Buffer.from(want.table.data))).toBe(true);
    // Another table binned with the first one's edges (a validation set's way).
    const other = awkwardTable(40_001, 7);
    const given = await parallel(pool, 1, other, 1, want.edges);
    expect(given.edges).toBe(want.edges);
    expect(Buffer.from(given.table.data).equals(Buffer.from(serial(other, 1, want.edges).table.data))).toBe(true);
  });

  it('refuses missing and infinite values with the serial message: counted over all rows, the first such feature named', async () => {
    const bad = awkwardTable(BIN_SAMPLE_ROWS + 10_000, 8);
    // NaNs in 'amount' (first, middle and last rows), an Infinity in a later feature.
    for (const r of [5, 70_000, bad.nRows - 1]) bad.columns[2][r] = NaN;
    bad.columns[5][100] = Infinity;
    const edges = computeBinEdges(bad.columns.map((c) => c.map((x) => (Number.isFinite(x) ? x : 0))), bad.nRows, 255, 2, bad.featureNames);
    const want = message(() => serial(bad, 2, edges));
    expect(want).toMatch(/feature amount has 3 missing or infinite values/);
    await expect(parallel(pool, 2, bad, 2, edges)).rejects.toThrow(expect.objectContaining({ exitCode: ExitCode.Data, message: want }));
    // Without given edges the sample is checked first, as computeBinEdges does (its count then is the sample's).
    const sampled = message(() => serial(bad, 2));
    await expect(parallel(pool, 1, bad, 2)).rejects.toThrow(expect.objectContaining({ exitCode: ExitCode.Data, message: sampled }));
    // The pool is still usable after a refused table.
    const again = await parallel(pool, 2, big, 9);
    expect(Buffer.from(again.table.data).equals(Buffer.from(expected.table.data))).toBe(true);
  });

  it('lets workers waiting for a sample that is never gathered go back to the pool', async () => {
    // The first feature's sample holds a NaN: the workers take it (and the next ones) at once and
    // wait for samples this thread stops gathering; were they left waiting, the next job would never run.
    const bad = awkwardTable(BIN_SAMPLE_ROWS + 5_000, 10);
    bad.columns[0].fill(NaN, 0, 1000);
    for (let k = 0; k < 3; k++) await expect(parallel(pool, 2, bad, 3)).rejects.toThrow(/feature ties has \d+ missing or infinite values/);
    // The workers take part again (this thread alone would bin it all, staging nothing).
    let staged = 0;
    for (let k = 0; k < 4; k++) {
      const again = await parallel(pool, 2, big, 9);
      expect(again.edges).toEqual(expected.edges);
      staged += again.stagedBlocks;
    }
    expect(staged).toBeGreaterThan(0);
  });

  describe('columns in shared memory: every thread places edges and bins pieces itself', () => {
    it('gives the serial edges and table byte for byte with 1 and 2 workers, above and below the sample size, and with edges given', async () => {
      const sharedBig = inSharedMemory(big);
      let pieces = 0;
      for (const helpers of [1, 2, 1, 2]) {
        const got = await parallel(pool, helpers, sharedBig, 9);
        expectSerial(got);
        // Nothing staged: the workers read the columns themselves.
        expect(got.stagedBlocks).toBe(0);
        pieces += got.workerPieces;
      }
      // The workers did take features and pieces (a worker joins once it has taken its job).
      expect(pieces).toBeGreaterThan(0);
      const small = awkwardTable(70_003, 6);
      const want = serial(small, 1);
      const got = await parallel(pool, 2, inSharedMemory(small), 1);
      expect(got.edges).toEqual(want.edges);
      expect(Buffer.from(got.table.data).equals(Buffer.from(want.table.data))).toBe(true);
      const other = awkwardTable(40_001, 7);
      const given = await parallel(pool, 1, inSharedMemory(other), 1, want.edges);
      expect(given.edges).toBe(want.edges);
      expect(Buffer.from(given.table.data).equals(Buffer.from(serial(other, 1, want.edges).table.data))).toBe(true);
    });

    it('refuses missing and infinite values with the serial message (the sample first), and the pool bins the next table', async () => {
      const plain = awkwardTable(BIN_SAMPLE_ROWS + 10_000, 8);
      for (const r of [5, 70_000, plain.nRows - 1]) plain.columns[2][r] = NaN;
      plain.columns[5][100] = -Infinity;
      const bad = inSharedMemory(plain);
      const edges = computeBinEdges(plain.columns.map((c) => c.map((x) => (Number.isFinite(x) ? x : 0))), plain.nRows, 255, 2, plain.featureNames);
      const all = message(() => serial(plain, 2, edges));
      expect(all).toMatch(/feature amount has 3 missing or infinite values/);
      await expect(parallel(pool, 2, bad, 2, edges)).rejects.toThrow(expect.objectContaining({ exitCode: ExitCode.Data, message: all }));
      const sampled = message(() => serial(plain, 2));
      for (const helpers of [1, 2]) await expect(parallel(pool, helpers, bad, 2)).rejects.toThrow(expect.objectContaining({ exitCode: ExitCode.Data, message: sampled }));
      // A NaN in the first feature's every sampled row: its edges are empty, the others' are placed, all refused alike.
      const first = awkwardTable(BIN_SAMPLE_ROWS + 5_000, 10);
      first.columns[0].fill(NaN, 0, 1000);
      await expect(parallel(pool, 2, inSharedMemory(first), 3)).rejects.toThrow(message(() => serial(first, 3)));
      const again = await parallel(pool, 2, inSharedMemory(big), 9);
      expect(Buffer.from(again.table.data).equals(Buffer.from(expected.table.data))).toBe(true);
    });

    it('opens a trainer on shared columns whose models equal the serial ones', async () => {
      const data = awkwardTable(50_000, 3);
      const params = { nTrees: 6, maxDepth: 5, seed: 4 };
      const inProcess = ForestTrainer.open(data, { threads: 1, seed: 1 });
      const want = (await inProcess.train(params)).toBuffer();
      await inProcess.close();
      const trainer = await ForestTrainer.openAsync(inSharedMemory(data), { threads: 2, seed: 1 });
      try {
        expect((await trainer.train(params)).toBuffer().equals(want)).toBe(true);
      } finally {
        await trainer.close();
      }
    });
  });

  it('opens a trainer whose models equal those of a serially binned one, at 2 and 3 threads', async () => {
    const data = awkwardTable(50_000, 3);
    const params = { nTrees: 6, maxDepth: 5, seed: 4 };
    const inProcess = ForestTrainer.open(data, { threads: 1, seed: 1 });
    const want = (await inProcess.train(params)).toBuffer();
    await inProcess.close();
    for (const threads of [2, 3]) {
      const trainer = await ForestTrainer.openAsync(data, { threads, seed: 1 });
      try {
        expect((await trainer.train(params)).toBuffer().equals(want)).toBe(true);
      } finally {
        await trainer.close();
      }
    }
  });
});
