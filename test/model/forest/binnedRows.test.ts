import { describe, expect, it } from 'vitest';
import { binForPrediction, ForestTrainer, predictBinnedRows, type ForestModel } from '../../../src/model/forest/index.js';
import { LEAF_THRESHOLD } from '../../../src/model/forest/tree.js';
import { noisyTable } from './fixtures.js';

const data = noisyTable(3000, 11);

/** A plain float walk of the trees: left when value < the split's edge (no binning at all), the mean of the leaves. */
function floatOracle(model: ForestModel, row: number[]): number {
  const { forest, binEdges } = model.parts;
  let sum = 0;
  for (let t = 0; t < forest.roots.length; t++) {
    let n = forest.roots[t];
    while (forest.threshold[n] !== LEAF_THRESHOLD) {
      const edge = binEdges[forest.feature[n]][forest.threshold[n]];
      n = forest.left[n] + (row[forest.feature[n]] < edge ? 0 : 1);
    }
    sum += forest.value[n];
  }
  return sum / forest.roots.length;
}

/** Rows at every edge of every feature, a hair below and above it, and the table's own rows. */
function edgeRows(model: ForestModel): Float64Array[] {
  const { binEdges } = model.parts;
  const rows: number[][] = [];
  binEdges.forEach((edges, f) => {
    for (const e of edges) {
      for (const v of [e, e - Math.abs(e) * 1e-12 - 1e-300, e + Math.abs(e) * 1e-12 + 1e-300]) {
        const row = Array.from(data.columns, (c) => c[rows.length % data.nRows]);
        row[f] = v;
        rows.push(row);
      }
    }
  });
  for (let r = 0; r < 500; r++) rows.push(Array.from(data.columns, (c) => c[r]));
  return data.featureNames.map((_, f) => Float64Array.from(rows, (row) => row[f]));
}

describe('predictBinnedRows', () => {
  it('gives the float prediction bit for bit, on values equal to the edges too, in blocks and at 1 and 2 threads', async () => {
    const trainer = ForestTrainer.open(data, { threads: 1, seed: 3 });
    const model = await trainer.train({ nTrees: 15, maxDepth: 8, seed: 4 });
    await trainer.close();
    const columns = edgeRows(model);
    const n = columns[0].length;
    const expected = model.predict(columns, n);
    // The float walk is an independent statement of the split rule: the binned path must agree.
    const rowOf = (r: number) => columns.map((c) => c[r]);
    const oracle = Float64Array.from({ length: n }, (_, r) => floatOracle(model, rowOf(r)));
    expect(expected).toEqual(oracle);
    // Many rows sit on edges: the comparison at equality is exercised, not skipped.
    const onEdge = columns.some((c, f) => c.some((v) => model.parts.binEdges[f].includes(v)));
    expect(onEdge).toBe(true);
    // Two blocks (as two days of a window), binned once with the trainer's edges.
    const cut = Math.floor(n / 3);
    const blocks = [
      { columns: columns.map((c) => c.subarray(0, cut)), n: cut },
      { columns: columns.map((c) => c.subarray(cut)), n: n - cut },
    ];
    const binned = binForPrediction(blocks, trainer.binEdges, data.featureNames);
    expect(binned.bins.length).toBe(n * data.featureNames.length);
    expect(await predictBinnedRows(model, binned, { threads: 1 })).toEqual(expected);
    expect(await predictBinnedRows(model, binned, { threads: 2 })).toEqual(expected);
  });

  it('refuses rows binned with other edges', async () => {
    const a = ForestTrainer.open(data, { threads: 1, seed: 3 });
    const b = ForestTrainer.open(noisyTable(2000, 12), { threads: 1, seed: 3 });
    const model = await a.train({ nTrees: 3, maxDepth: 3, seed: 1 });
    await Promise.all([a.close(), b.close()]);
    const binned = binForPrediction([{ columns: data.columns, n: 100 }], b.binEdges, data.featureNames);
    await expect(predictBinnedRows(model, binned)).rejects.toThrow(/other features or edges/);
  });
});
