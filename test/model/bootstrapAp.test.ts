import { describe, expect, it } from 'vitest';
import { bootstrapApInterval, quantile } from '../../src/model/bootstrapAp.js';
import { apFromCounts, rankScores } from '../../src/model/ranking.js';
import { binomial, binomialPmf, multinomialInto } from '../../src/model/binomial.js';
import { Rng } from '../../src/util/rng.js';

/** A resample's AP written out row by row: each row's multiplicity w, then AP over the rows in score order. */
function rowByRowAp(labels: Uint8Array, scores: Float64Array, w: Uint32Array, order = [...labels.keys()].sort((a, b) => scores[b] - scores[a])): number {
  const n = labels.length;
  let [tp, fp, sum, nPos] = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) nPos += labels[i];
  for (let k = 0; k < n; ) {
    let [dp, dn] = [0, 0];
    const s = scores[order[k]];
    for (; k < n && scores[order[k]] === s; k++) (labels[order[k]] ? (dp += w[order[k]]) : (dn += w[order[k]]));
    tp += dp;
    fp += dn;
    if (dp > 0) sum += (dp * tp) / (tp + fp);
  }
  return sum / nPos;
}

/** The stratified bootstrap with one draw per row (what fraudctl ≤ session 4 ran): the oracle. */
function rowByRowInterval(labels: Uint8Array, scores: Float64Array, resamples: number, seed: number): [number, number] {
  const pos = [...labels.keys()].filter((i) => labels[i] === 1);
  const neg = [...labels.keys()].filter((i) => labels[i] === 0);
  const rng = new Rng(seed, 0x0dd);
  const order = [...labels.keys()].sort((a, b) => scores[b] - scores[a]);
  const values = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    const w = new Uint32Array(labels.length);
    for (let t = 0; t < pos.length; t++) w[pos[rng.int(pos.length)]]++;
    for (let t = 0; t < neg.length; t++) w[neg[rng.int(neg.length)]]++;
    values[r] = rowByRowAp(labels, scores, w, order);
  }
  values.sort();
  return [quantile(values, 0.025), quantile(values, 0.975)];
}

/** Scores on a grid of 1/grid (0: none, every row a score of its own). */
function fakeSet(seed: number, n = 3000, grid = 40) {
  const rng = new Rng(seed, 9);
  const labels = Uint8Array.from({ length: n }, () => +(rng.next() < 0.05));
  // A coarse grid: many rows share a score, so ties (within and across classes) are exercised.
  const scores = Float64Array.from(labels, (y) => (grid ? Math.round((0.3 * y + rng.next()) * grid) / grid : 0.3 * y + rng.next()));
  return { labels, scores, rng };
}

describe('average precision from category counts', () => {
  it('equals the row-by-row AP bit for bit for any row multiplicities (ties among scores)', () => {
    for (const seed of [1, 2, 3]) {
      const { labels, scores, rng } = fakeSet(seed);
      const c = rankScores(labels, scores);
      for (let r = 0; r < 20; r++) {
        const w = Uint32Array.from(labels, () => rng.int(3));
        if (w.every((x, i) => labels[i] === 0 || x === 0)) continue;
        // the counts of each category: positives by their score's group, negatives by segment
        const dp = new Int32Array(c.posSizes.length);
        const dn = new Int32Array(c.negSizes.length);
        let nPosDrawn = 0;
        labels.forEach((y, i) => {
          const above = c.thresholds.filter((g) => g > scores[i]).length;
          if (y === 1) (dp[above] += w[i]), (nPosDrawn += w[i]);
          else dn[above] += w[i];
        });
        expect(apFromCounts(dp, dn, c.nPos)).toBe(rowByRowAp(labels, scores, w));
      }
    }
  });
});

describe('bootstrapApInterval', () => {
  // Each way of drawing: a grid of 40 (~100 positives in ~40 groups: positives drawn one by one, as
  // when most positives have a score of their own), no grid (exactly that, and negatives' segments
  // merged between the drawn groups) and a grid of 2 (~100 positives in 3 groups: the chain of binomials).
  it.each([40, 0, 2])('agrees with the one-draw-per-row bootstrap within Monte Carlo error (40 seeds each, grid %d)', (grid) => {
    const { labels, scores } = fakeSet(4, 2000, grid);
    const [a, b] = [[] as number[][], [] as number[][]];
    for (let s = 0; s < 40; s++) {
      a.push(bootstrapApInterval(labels, scores, { resamples: 200, seed: s })!);
      b.push(rowByRowInterval(labels, scores, 200, s));
    }
    for (const end of [0, 1]) {
      const xa = a.map((x) => x[end]);
      const xb = b.map((x) => x[end]);
      const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
      const sd = (x: number[]) => Math.sqrt(x.reduce((s, v) => s + (v - mean(x)) ** 2, 0) / (x.length - 1));
      // Two means of 40 draws each: their difference has a standard error of sd·√(2/40).
      const se = Math.sqrt((sd(xa) ** 2 + sd(xb) ** 2) / 40);
      expect(Math.abs(mean(xa) - mean(xb))).toBeLessThan(4 * se);
      // and the spread of an endpoint between seeds is the same (ratio of SDs near 1)
      expect(sd(xa) / sd(xb)).toBeGreaterThan(0.6);
      expect(sd(xa) / sd(xb)).toBeLessThan(1.6);
    }
  }, 60_000);

  it('is the same interval for the same seed, another for another seed', () => {
    const { labels, scores } = fakeSet(5);
    expect(bootstrapApInterval(labels, scores, { resamples: 100, seed: 1 })).toEqual(bootstrapApInterval(labels, scores, { resamples: 100, seed: 1 }));
    expect(bootstrapApInterval(labels, scores, { resamples: 100, seed: 2 })).not.toEqual(bootstrapApInterval(labels, scores, { resamples: 100, seed: 1 }));
  });
});

describe('binomial', () => {
  /** Pearson's χ² of `draws` samples against the exact pmf (cells with expectation ≥ 5). */
  function chiSquare(n: number, p: number, draws: number, seed: number): { chi: number; df: number; mean: number } {
    const rng = new Rng(seed);
    const h = new Float64Array(n + 1);
    let sum = 0;
    for (let i = 0; i < draws; i++) {
      const k = binomial(rng, n, p);
      h[k]++;
      sum += k;
    }
    let chi = 0;
    let df = -1;
    const pp = Math.min(p, 1 - p);
    for (let k = 0; k <= n; k++) {
      const e = draws * binomialPmf(p > 0.5 ? n - k : k, n, pp, 1 - pp);
      if (e >= 5) {
        chi += (h[k] - e) ** 2 / e;
        df++;
      }
    }
    return { chi, df, mean: sum / draws };
  }

  it('follows the exact pmf: inversion from 0, from the mode, and p > ½ (χ² below its 99.9 % point)', () => {
    for (const [n, p] of [
      [20, 0.1],
      [1000, 0.004],
      [400, 0.2],
      [1_000_000, 0.0002],
      [300, 0.85],
    ]) {
      const { chi, df, mean } = chiSquare(n, p, 100_000, n);
      // χ²'s 99.9 % point ≈ df + 3.1·√(2 df) + 6 (Wilson–Hilferty, loosely, for df 5…100)
      expect(chi).toBeLessThan(df + 3.1 * Math.sqrt(2 * df) + 6);
      expect(Math.abs(mean - n * p)).toBeLessThan(5 * Math.sqrt((n * p * (1 - p)) / 100_000));
    }
  }, 30_000);

  it('binomialPmf sums to 1 and matches the product formula where that is exact enough', () => {
    const [n, p] = [60, 0.3];
    let sum = 0;
    let direct = 1;
    for (let k = 0; k <= n; k++) {
      if (k > 0) direct *= ((n - k + 1) / k) * (p / (1 - p));
      const ref = direct * (1 - p) ** n;
      expect(binomialPmf(k, n, p, 1 - p) / ref).toBeCloseTo(1, 11);
      sum += binomialPmf(k, n, p, 1 - p);
    }
    expect(sum).toBeCloseTo(1, 13);
  });

  it('multinomialInto puts every draw in a category, each in proportion to its size on average', () => {
    const rng = new Rng(3);
    const sizes = Int32Array.from([5, 0, 120, 1, 3000, 874]);
    const total = sizes.reduce((s, x) => s + x, 0);
    const out = new Int32Array(sizes.length);
    const mean = new Float64Array(sizes.length);
    for (let r = 0; r < 2000; r++) {
      multinomialInto(rng, total, sizes, total, out);
      expect(out.reduce((s, x) => s + x, 0)).toBe(total);
      expect(out[1]).toBe(0);
      out.forEach((c, j) => (mean[j] += c / 2000));
    }
    // E[count_j] = size_j; SE of the mean of 2000 ≈ √size_j / 45
    sizes.forEach((s, j) => expect(Math.abs(mean[j] - s)).toBeLessThan(5 * Math.sqrt(s + 1) / 44));
  });
});
