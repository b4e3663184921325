import { describe, expect, it } from 'vitest';
import { expectedValue, treeShap, type ShapTree } from '../../src/explain/treeShap.js';
import { explainRow, prepareForestShap } from '../../src/explain/forestShap.js';
import { trainForest } from '../../src/model/forest/index.js';
import { Rng } from '../../src/util/rng.js';

/** A tree from a list of nodes: [feature, leftChild, rightChild, leftShare, value]; leaf when leftChild < 0. */
function tree(nodes: [number, number, number, number, number][]): ShapTree {
  return {
    feature: Int32Array.from(nodes, (n) => n[0]),
    left: Int32Array.from(nodes, (n) => n[1]),
    right: Int32Array.from(nodes, (n) => n[2]),
    leftShare: Float64Array.from(nodes, (n) => n[3]),
    value: Float64Array.from(nodes, (n) => n[4]),
  };
}

/**
 * The oracle: Shapley values by their definition, over every coalition S, with the tree's
 * path-dependent conditional expectation as the value function (features in S follow the row,
 * the others average both children by their share).
 */
function bruteForceShapley(t: ShapTree, goesLeft: (n: number) => boolean, nFeatures: number): number[] {
  const v = (mask: number, node = 0): number => {
    if (t.left[node] < 0) return t.value[node];
    if (mask & (1 << t.feature[node])) return v(mask, goesLeft(node) ? t.left[node] : t.right[node]);
    return t.leftShare[node] * v(mask, t.left[node]) + (1 - t.leftShare[node]) * v(mask, t.right[node]);
  };
  const values = Array.from({ length: 1 << nFeatures }, (_, m) => v(m));
  const fact = (k: number): number => (k <= 1 ? 1 : k * fact(k - 1));
  const phi = new Array<number>(nFeatures).fill(0);
  for (let i = 0; i < nFeatures; i++) {
    for (let m = 0; m < 1 << nFeatures; m++) {
      if (m & (1 << i)) continue;
      const size = popcount(m);
      const w = (fact(size) * fact(nFeatures - size - 1)) / fact(nFeatures);
      phi[i] += w * (values[m | (1 << i)] - values[m]);
    }
  }
  return phi;
}

const popcount = (m: number) => m.toString(2).replace(/0/g, '').length;

/** A random tree of the given depth whose splits reuse features (the case TreeSHAP must unwind). */
function randomTree(rng: Rng, nFeatures: number, maxDepth: number): { t: ShapTree; dirs: boolean[] } {
  const nodes: [number, number, number, number, number][] = [];
  const dirs: boolean[] = [];
  const grow = (depth: number): number => {
    const i = nodes.length;
    nodes.push([0, -1, -1, 0, Math.round(rng.next() * 1000) / 1000]);
    dirs.push(rng.next() < 0.5);
    if (depth < maxDepth && (depth < 2 || rng.next() < 0.7)) {
      nodes[i][0] = rng.int(nFeatures);
      nodes[i][3] = 0.05 + 0.9 * rng.next();
      nodes[i][1] = grow(depth + 1);
      nodes[i][2] = grow(depth + 1);
    }
    return i;
  };
  grow(0);
  return { t: tree(nodes), dirs };
}

describe('treeShap', () => {
  it('a stump: the split feature gets f(x) − E[f], the others 0', () => {
    // Feature 1 splits; a quarter of the training weight went left (value 1), the rest right (0).
    const t = tree([[1, 1, 2, 0.25, 0], [0, -1, -1, 0, 1], [0, -1, -1, 0, 0]]);
    expect(expectedValue(t)).toBe(0.25);
    const phi = new Float64Array(3);
    treeShap(t, () => true, phi);
    expect(Array.from(phi)).toEqual([0, 0.75, 0]);
    const right = new Float64Array(3);
    treeShap(t, () => false, right);
    expect(Array.from(right)).toEqual([0, -0.25, 0]);
  });

  it('equals the brute-force Shapley values on random trees with repeated features', () => {
    const rng = new Rng(7);
    for (let k = 0; k < 200; k++) {
      const nf = 2 + rng.int(4);
      const { t, dirs } = randomTree(rng, nf, 6);
      const goesLeft = (n: number) => dirs[n];
      const phi = new Float64Array(nf);
      treeShap(t, goesLeft, phi);
      const oracle = bruteForceShapley(t, goesLeft, nf);
      for (let f = 0; f < nf; f++) expect(phi[f]).toBeCloseTo(oracle[f], 12);
      // Local accuracy: Σφ + E[f] is the leaf the row reaches.
      let node = 0;
      while (t.left[node] >= 0) node = dirs[node] ? t.left[node] : t.right[node];
      expect(phi.reduce((a, b) => a + b, 0) + expectedValue(t)).toBeCloseTo(t.value[node], 12);
    }
  });
});

function randomData(nRows: number, nFeatures: number, seed: number) {
  const rng = new Rng(seed);
  const columns = Array.from({ length: nFeatures }, () => new Float64Array(nRows));
  const labels = new Uint8Array(nRows);
  for (let r = 0; r < nRows; r++) {
    for (let f = 0; f < nFeatures; f++) columns[f][r] = f % 2 === 0 ? Math.round(rng.next() * 100) / 10 : rng.int(3);
    labels[r] = rng.next() < 0.1 + 0.05 * columns[0][r] + 0.1 * columns[1][r] ? 1 : 0;
  }
  return { nRows, featureNames: Array.from({ length: nFeatures }, (_, f) => `f${f}`), columns, labels };
}

describe('forest TreeSHAP', () => {
  it('contributions + expected value = the forest score to 1e-9, and match brute force per tree', async () => {
    const data = randomData(600, 6, 1);
    const model = await trainForest(data, { nTrees: 8, maxDepth: 6, seed: 3, threads: 1 });
    const shap = prepareForestShap(model);
    const scores = model.predict(data.columns, data.nRows);
    for (let r = 0; r < 40; r++) {
      const x = data.columns.map((c) => c[r]);
      const e = explainRow(shap, x);
      expect(e.score).toBeCloseTo(scores[r], 12);
      expect(e.contributions.reduce((a, b) => a + b, 0) + e.expectedValue).toBeCloseTo(scores[r], 9);
      // The forest's contributions are the mean of its trees' brute-force Shapley values.
      const oracle = new Array<number>(6).fill(0);
      shap.trees.forEach((t, i) => {
        const phi = bruteForceShapley(t, (n) => x[t.feature[n]] < shap.splitValue[i][n], 6);
        phi.forEach((p, f) => (oracle[f] += p / shap.trees.length));
      });
      for (let f = 0; f < 6; f++) expect(e.contributions[f]).toBeCloseTo(oracle[f], 12);
    }
  });

  it('recovers the training cover from node values (no bootstrap: cover = rows routed)', async () => {
    const data = randomData(500, 4, 2);
    const model = await trainForest(data, { nTrees: 3, maxDepth: 5, seed: 1, bootstrap: false, maxFeatures: 4, threads: 1 });
    const shap = prepareForestShap(model);
    let checked = 0;
    shap.trees.forEach((t, i) => {
      const count = new Float64Array(t.left.length);
      for (let r = 0; r < data.nRows; r++) {
        let node = 0;
        count[0]++;
        while (t.left[node] >= 0) {
          node = data.columns[t.feature[node]][r] < shap.splitValue[i][node] ? t.left[node] : t.right[node];
          count[node]++;
        }
      }
      for (let n = 0; n < t.left.length; n++) {
        if (t.left[n] < 0 || t.value[t.left[n]] === t.value[t.right[n]]) continue;
        expect(t.leftShare[n]).toBeCloseTo(count[t.left[n]] / count[n], 12);
        checked++;
      }
    });
    expect(checked).toBeGreaterThan(10);
  });
});
