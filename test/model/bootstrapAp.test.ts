import { describe, expect, it } from 'vitest';
import { bootstrapApInterval, quantile } from '../../src/model/bootstrapAp.js';
import { Rng } from '../../src/util/rng.js';

/** The resampling written out row by row: each row's multiplicity, then AP over the rows in score order. */
function rowByRow(labels: Uint8Array, scores: Float64Array, resamples: number, seed: number): [number, number] {
  const n = labels.length;
  const order = [...labels.keys()].sort((a, b) => scores[b] - scores[a]);
  const pos = [...labels.keys()].filter((i) => labels[i] === 1);
  const neg = [...labels.keys()].filter((i) => labels[i] === 0);
  const rng = new Rng(seed, 0xa9);
  const values = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    const w = new Uint32Array(n);
    for (let t = 0; t < pos.length; t++) w[pos[rng.int(pos.length)]]++;
    for (let t = 0; t < neg.length; t++) w[neg[rng.int(neg.length)]]++;
    let [tp, fp, sum] = [0, 0, 0];
    for (let k = 0; k < n; ) {
      let [dp, dn] = [0, 0];
      const s = scores[order[k]];
      for (; k < n && scores[order[k]] === s; k++) (labels[order[k]] ? (dp += w[order[k]]) : (dn += w[order[k]]));
      tp += dp;
      fp += dn;
      if (dp > 0) sum += (dp * tp) / (tp + fp);
    }
    values[r] = sum / pos.length;
  }
  values.sort();
  return [quantile(values, 0.025), quantile(values, 0.975)];
}

describe('bootstrapApInterval', () => {
  it('equals the row-by-row resampling bit for bit (ties among scores, several seeds)', () => {
    for (const seed of [1, 2, 3]) {
      const rng = new Rng(seed, 9);
      const n = 3000;
      const labels = Uint8Array.from({ length: n }, () => +(rng.next() < 0.05));
      // A coarse grid: many rows share a score, so groups of ties are exercised.
      const scores = Float64Array.from(labels, (y) => Math.round((0.3 * y + rng.next()) * 40) / 40);
      const got = bootstrapApInterval(labels, scores, { resamples: 200, seed });
      expect(got).toEqual(rowByRow(labels, scores, 200, seed));
      expect(got![0]).toBeLessThan(got![1]);
    }
  });
});
