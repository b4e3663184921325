/**
 * One of our trees against ml-cart's CART on data that our binning represents losslessly: every
 * feature has < 255 distinct values, so each value has its own bin. With bootstrap off and every
 * feature tried at every split, both search for the best Gini split, and they disagree on a few
 * rows (5 of 1500 here) for two reasons, both seen in this data:
 * - ml-cart only tries thresholds where two neighbours in its sorted order differ in label, so
 *   with tied values it can miss the best boundary: at one node it takes a split of gain 0.0038
 *   where exhaustive search (and ours) finds 0.0057 (hour < 6).
 * - equal-gain splits: ml-cart keeps the first best by column then threshold, but its gains carry
 *   rounding noise from summing 1/n; and where a node has no rows between two values, the same
 *   partition has different thresholds (ml-cart: at the next label change; ours: mid-gap).
 * The second test checks every split of ours against exhaustive search.
 */
import { DecisionTreeClassifier } from 'ml-cart';
import { describe, expect, it } from 'vitest';
import { trainForest } from '../../../src/model/forest/index.js';
import { makeTable } from './fixtures.js';

const nRows = 1500;
const depth = 5;
const data = makeTable(
  nRows,
  11,
  {
    amount: (rng) => rng.int(200),
    hour: (rng) => rng.int(24),
    risk: (rng) => rng.int(11) / 10,
    weekend: (rng) => +(rng.next() < 2 / 7),
  },
  ([amount, hour, risk, weekend], rng) => rng.next() < 0.05 + 0.4 * +(amount > 150) * risk + 0.2 * +(hour < 6) + 0.1 * weekend,
);
const rows = Array.from({ length: nRows }, (_, r) => data.columns.map((c) => c[r]));
const fullTree = () => trainForest(data, { nTrees: 1, maxDepth: depth, maxFeatures: 4, bootstrap: false, seed: 1, threads: 1 });

/** Gini impurity decrease, weighted by rows, of splitting `idx` by `goesLeft`. */
function gain(idx: number[], goesLeft: (r: number) => boolean): number {
  const g = (c: number, p: number) => (c === 0 ? 0 : (2 * p * (c - p)) / c);
  let cl = 0;
  let pl = 0;
  let p = 0;
  for (const r of idx) {
    p += data.labels[r];
    if (goesLeft(r)) {
      cl++;
      pl += data.labels[r];
    }
  }
  return g(idx.length, p) - g(cl, pl) - g(idx.length - cl, p - pl);
}

describe('a single tree against ml-cart', () => {
  it('predicts the same class on at least 99 % of the rows', async () => {
    const ours = await fullTree();
    const cart = new DecisionTreeClassifier({ gainFunction: 'gini', maxDepth: depth, minNumSamples: 1, gainThreshold: 0 });
    cart.train(rows, Array.from(data.labels));
    const theirs = cart.predict(rows);
    const p = ours.predict(data.columns, nRows);
    let agree = 0;
    for (let r = 0; r < nRows; r++) if (+(p[r] > 0.5) === theirs[r]) agree++;
    expect(new Set(theirs).size).toBe(2); // both classes predicted: the comparison means something
    expect(agree / nRows).toBeGreaterThanOrEqual(0.99);
  });

  it('makes, at every node, a split of the best gain found by exhaustive search', async () => {
    const { forest, binEdges } = (await fullTree()).parts;
    let checked = 0;
    const visit = (node: number, idx: number[]) => {
      if (forest.left[node] === node) return;
      const f = forest.feature[node];
      const edge = binEdges[f][forest.threshold[node]];
      let best = 0;
      for (let g = 0; g < 4; g++) for (const t of new Set(idx.map((r) => rows[r][g]))) best = Math.max(best, gain(idx, (r) => rows[r][g] < t));
      expect(gain(idx, (r) => rows[r][f] < edge)).toBeCloseTo(best, 12);
      checked++;
      visit(forest.left[node], idx.filter((r) => rows[r][f] < edge));
      visit(forest.left[node] + 1, idx.filter((r) => rows[r][f] >= edge));
    };
    visit(0, rows.map((_, r) => r));
    expect(checked).toBeGreaterThan(20);
  });
});
