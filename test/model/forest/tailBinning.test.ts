// Tail-keeping binning (issue 13.1): a rule on the top 0.3 % of a feature's values, which plain
// quantile bins lump together with genuine rows, is learned as an exact splitter would.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeBinEdges, DEFAULT_BINNING, QUANTILE_BINNING } from '../../../src/model/forest/binEdges.js';
import { ForestModel, trainForest, type BinningOptions } from '../../../src/model/forest/index.js';
import { makeTable } from './fixtures.js';

const N = 20_000;
const FRAUDS = 60; // the top 0.3 % of amounts
// Amounts in cents from a log-normal (all but a few distinct), and a noise feature.
const base = makeTable(N, 7, { amount: (rng) => Math.round(Math.exp(rng.normal(3.5, 0.8)) * 100) / 100, noise: (rng) => rng.normal() }, () => false);
const amount = base.columns[0];
const sorted = Float64Array.from(amount).sort();
const threshold = sorted[N - FRAUDS - 1]; // fraud iff amount > threshold
const labels = Uint8Array.from(amount, (a) => +(a > threshold));
const data = { ...base, labels };
const frauds = labels.reduce((s, y) => s + y, 0);

/** One exact tree (no bootstrap, every feature tried): its leaves are the bins' class fractions. */
const oneTree = (binning: BinningOptions) => trainForest(data, { nTrees: 1, maxDepth: 4, bootstrap: false, maxFeatures: 2, seed: 1, threads: 1 }, { binning });

/** Genuine rows scored ≥ 0.5 and frauds scored < 0.5 on the training rows. */
async function misScored(binning: BinningOptions): Promise<{ genuineHigh: number; fraudLow: number }> {
  const p = (await oneTree(binning)).predict(data.columns, N);
  let genuineHigh = 0;
  let fraudLow = 0;
  for (let i = 0; i < N; i++) {
    if (labels[i] === 0 && p[i] >= 0.5) genuineHigh++;
    if (labels[i] === 1 && p[i] < 0.5) fraudLow++;
  }
  return { genuineHigh, fraudLow };
}

/** Rows between the rule's threshold and the nearest amount edge: what no split on those edges can separate. */
function rowsMixedWithRule(binning: BinningOptions): number {
  const [edges] = computeBinEdges([amount], N, 255, 1, ['amount'], binning);
  let nearest = Infinity;
  for (const e of edges) if (Math.abs(e - threshold) < Math.abs(nearest - threshold)) nearest = e;
  const lo = Math.min(nearest, threshold);
  const hi = Math.max(nearest, threshold);
  return amount.reduce((s, a) => s + +(a > lo && a <= hi), 0);
}

describe('tail-keeping binning', () => {
  it('plants a rule on the top 0.3 % of amounts', () => {
    expect(frauds).toBe(FRAUDS);
  });

  it('quantile-only bins lump the top amounts with genuine ones; tail bins put an edge within a few rows of the rule', () => {
    // 255 quantile bins of 20 000 rows hold ~78 rows each: the 60 frauds share the top bin with genuine rows.
    expect(rowsMixedWithRule(QUANTILE_BINNING)).toBeGreaterThan(10);
    // Tail bins: the top 1 % (200 rows) cut into ~64 bins of ~3 rows.
    expect(rowsMixedWithRule(DEFAULT_BINNING)).toBeLessThanOrEqual(4);
  });

  it('a tree learns the rule with tail bins and cannot with quantile bins only', async () => {
    const quantile = await misScored(QUANTILE_BINNING);
    // The top bin's leaf is ~60/78 fraud, so its ~18 genuine rows score high.
    expect(quantile.genuineHigh).toBeGreaterThan(10);
    const tails = await misScored(DEFAULT_BINNING);
    expect(tails.genuineHigh + tails.fraudLow).toBeLessThanOrEqual(4);
  });

  it('still places the bulk by quantiles: bins between the tails hold about the same number of rows', () => {
    const values = Float64Array.from({ length: 10_000 }, (_, i) => i + 0.5);
    // 21 bins, 25 % of the weight to each 1 % tail (100 rows weighing 49 each, the 9800 between 1
    // each): 5 bins of 19–20 rows at each end, a bin mixing the rest of a tail with the bulk, and
    // bulk bins of 19 600 / 21 ≈ 931 rows.
    const [edges] = computeBinEdges([values], values.length, 21, 1, ['x'], DEFAULT_BINNING);
    expect(Array.from(edges.slice(0, 5))).toEqual([20, 39, 58, 77, 96]);
    expect(Array.from(edges.slice(-5))).toEqual([9905, 9924, 9943, 9962, 9981]);
    const bulk = Array.from(edges.slice(6, 15), (e, k) => e - edges[5 + k]);
    expect(bulk).toEqual(new Array(9).fill(931));
  });
});

describe('model files of fraudctl before tail binning', () => {
  it('still load and predict as they did: each carries its own edges (format version 1 unchanged)', () => {
    // Written by fraudctl 3c698d9 (quantile bins), with its predictions on five probe rows.
    const bytes = readFileSync(new URL('./data/v1-quantile.model', import.meta.url));
    const { probe, predictions } = JSON.parse(readFileSync(new URL('./data/v1-quantile.json', import.meta.url), 'utf8')) as { probe: number[][]; predictions: number[] };
    const model = ForestModel.fromBuffer(bytes, ['amount', 'count']);
    const p = model.predict([Float64Array.from(probe, (r) => r[0]), Float64Array.from(probe, (r) => r[1])], probe.length);
    expect(Array.from(p)).toEqual(predictions);
  });
});
