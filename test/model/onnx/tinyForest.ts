import { trainForest, type ForestModel } from '../../../src/model/forest/index.js';

/**
 * A small forest on generated rows: whole-number columns (counts, flags: few distinct values, so
 * rows sit exactly on bin edges' neighbours) and continuous ones, the label a noisy rule of two.
 */
export async function tinyForest(featureNames: readonly string[], opts: { rows?: number; trees?: number; depth?: number; seed?: number } = {}) {
  const n = opts.rows ?? 3000;
  let s = opts.seed ?? 7;
  const rnd = () => (s = (s * 48271) % 2147483647) / 2147483647;
  const columns = featureNames.map(() => new Float64Array(n));
  const labels = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    featureNames.forEach((_, f) => {
      columns[f][r] = f % 3 === 1 ? Math.floor(rnd() * 6) : Math.round(rnd() * 25000) / 100;
    });
    labels[r] = columns[1 % featureNames.length][r] * 40 + columns[0][r] + rnd() * 80 > 260 ? 1 : 0;
  }
  const model: ForestModel = await trainForest({ nRows: n, featureNames, columns, labels }, { nTrees: opts.trees ?? 9, maxDepth: opts.depth ?? 6, seed: 3, threads: 1 });
  return { model, columns, nRows: n, scores: model.predict(columns, n) };
}
