import { describe, expect, it } from 'vitest';
import { allocateTable, fillTable } from '../../../src/model/forest/binnedTable.js';
import { subTable } from '../../../src/model/forest/forestTrainer.js';
import { TreeGrower } from '../../../src/model/forest/grow.js';
import { ForestTrainer, trainForest } from '../../../src/model/forest/index.js';
import { sampleRows, takeRows } from '../../../src/model/sample.js';
import { noisyTable } from './fixtures.js';

const data = noisyTable(3000, 5);
const params = { nTrees: 12, maxDepth: 6, seed: 7 };

describe('ForestTrainer', () => {
  it('fits on a sample of its table by index: the same bytes as a table of the sample alone, binned with the same edges, at 1 and 2 threads', async () => {
    const idx = sampleRows(data.nRows, 0.5, 3, 0);
    const sample = takeRows(data.columns, data.labels, idx);
    const shared = ForestTrainer.open(data, { threads: 2, seed: 1 });
    const alone = ForestTrainer.open({ ...data, nRows: idx.length, ...sample }, { threads: 1, seed: 1, binEdges: shared.binEdges });
    const inProcess = ForestTrainer.open(data, { threads: 1, seed: 1 });
    try {
      const a = (await shared.train(params, { rows: idx })).toBuffer();
      expect(a.equals((await alone.train(params)).toBuffer())).toBe(true);
      expect(a.equals((await inProcess.train(params, { rows: idx })).toBuffer())).toBe(true);
      // The sample changes the model (it is not ignored).
      expect(a.equals((await shared.train(params)).toBuffer())).toBe(false);
    } finally {
      await Promise.all([shared.close(), alone.close(), inProcess.close()]);
    }
  });

  it('copies a sample of a table as a table of its own (subTable): the words of every group of each row, in the order given', () => {
    const table = allocateTable(data.nRows, data.featureNames.length, false);
    const trainer = ForestTrainer.open(data, { threads: 1, seed: 1 });
    fillTable(table, data, trainer.binEdges);
    const rows = Uint32Array.from([5, 2, 2, 2999, 0]);
    const sub = subTable(table, rows, true);
    expect(sub.nRows).toBe(5);
    expect(sub.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect([...sub.nBins]).toEqual([...table.nBins]);
    // Byte b of group g of row r sits at (g · cap + r) · 4 + b, cap being the table's rows.
    for (let g = 0; g < table.groups; g++)
      for (let j = 0; j < rows.length; j++)
        for (let b = 0; b < 4; b++) expect(sub.data[(g * 5 + j) * 4 + b]).toBe(table.data[(g * data.nRows + rows[j]) * 4 + b]);
    void trainer.close();
  });

  it('keeps nothing from one fit to the next: fits on one trainer equal fits of fresh trainForest calls', async () => {
    const kept = ForestTrainer.open(data, { threads: 2, seed: params.seed });
    try {
      for (const p of [params, { ...params, nTrees: 5, maxDepth: 3, seed: 9 }, { ...params, minSamplesLeaf: 20 }]) {
        // trainForest bins with the fit's seed; below 200 k rows the edges do not depend on it.
        const fresh = await trainForest(data, { ...p, threads: 1 });
        expect((await kept.train(p)).toBuffer().equals(fresh.toBuffer())).toBe(true);
      }
    } finally {
      await kept.close();
    }
  });

  it('rejects an aborted fit and every fit after it, and refuses rows out of range', async () => {
    const trainer = ForestTrainer.open(data, { threads: 2, seed: 1 });
    try {
      await expect(trainer.train(params, { rows: Uint32Array.from([0, data.nRows]) })).rejects.toThrow(/out of range/);
      const ac = new AbortController();
      await expect(trainer.train({ ...params, nTrees: 500 }, { signal: ac.signal, onTree: (done) => done === 2 && ac.abort(new Error('stop')) })).rejects.toThrow('stop');
      await expect(trainer.train(params)).rejects.toThrow('stop');
    } finally {
      await trainer.close();
    }
  });
});

describe('ForestTrainer on a shared pool', () => {
  it('grows on this thread beside threads - 1 workers: both take trees, and the trees are the 1-thread ones', async () => {
    const pool = ForestTrainer.pool(2)!;
    expect(pool.size).toBe(1);
    const table = allocateTable(data.nRows, data.featureNames.length, true);
    const alone = ForestTrainer.open(data, { threads: 1, seed: 1 });
    fillTable(table, data, alone.binEdges);
    try {
      const grow = { maxDepth: 6, minSamplesLeaf: 1, maxFeatures: 2, bootstrap: true, seed: 3 };
      const grower = new TreeGrower(table, grow);
      // The worker started (a fit of its own), so it is there to take trees from the start.
      await pool.grow(table, grow, undefined, 1, {});
      const here: number[] = [];
      const trees = await pool.grow(table, grow, undefined, 300, { here: (i) => (here.push(i), grower.grow(i)) });
      // This thread grew some trees and the worker the others.
      expect(here.length).toBeGreaterThan(0);
      expect(here.length).toBeLessThan(300);
      const solo = new TreeGrower(table, grow);
      trees.forEach((t, i) => expect(Buffer.from(t.threshold.buffer).equals(Buffer.from(solo.grow(i).threshold.buffer))).toBe(true));
    } finally {
      await Promise.all([alone.close(), pool.close()]);
    }
  });

  it('grows the same bytes as trainers with pools of their own, switching between two tables of other sizes and features', async () => {
    const other = noisyTable(1800, 8);
    // Eight features: three words a row instead of two, so the workers' buffers change shape too.
    const extra = other.columns.map((c, f) => c.map((x) => x * (f + 2) - f));
    const wide = { ...other, featureNames: [...other.featureNames, 'a2', 'b2', 'c2', 'd2'], columns: [...other.columns, ...extra] };
    const pool = ForestTrainer.pool(2);
    const a = ForestTrainer.open(data, { seed: 1, pool });
    const b = ForestTrainer.open(wide, { seed: 1, pool });
    const ownA = ForestTrainer.open(data, { threads: 2, seed: 1 });
    const ownB = ForestTrainer.open(wide, { threads: 2, seed: 1 });
    try {
      const idx = sampleRows(data.nRows, 0.5, 3, 1);
      const fits: [ForestTrainer, ForestTrainer, typeof params, Uint32Array | undefined][] = [
        [a, ownA, params, idx],
        [b, ownB, { ...params, nTrees: 5 }, undefined],
        [a, ownA, { ...params, seed: 8 }, undefined],
        [b, ownB, { ...params, maxDepth: 3 }, sampleRows(wide.nRows, 0.3, 3, 2)],
      ];
      for (const [shared, own, p, rows] of fits) {
        expect((await shared.train(p, { rows })).toBuffer().equals((await own.train(p, { rows })).toBuffer())).toBe(true);
      }
      // Closing a trainer leaves the shared pool running for the other.
      await a.close();
      await expect(a.train(params)).rejects.toThrow(/closed/);
      expect((await b.train(params)).toBuffer().equals((await ownB.train(params)).toBuffer())).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close(), ownA.close(), ownB.close(), pool?.close()]);
    }
  });
});
