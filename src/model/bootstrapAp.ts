import { Rng } from '../util/rng.js';
import { multinomialInto } from './binomial.js';
import { apFromCounts, rankScores, type ApCategories } from './ranking.js';

/**
 * A 95 % stratified-bootstrap percentile interval of average precision: each resample draws, with
 * replacement, as many positives from the positives and negatives from the negatives as there are
 * (stratified, so every resample keeps the fraud rate and AP stays defined), and computes
 * sklearn's average_precision_score on it. The interval is the 2.5 and 97.5 percentiles of the
 * resampled APs (linear interpolation, numpy's default).
 *
 * A resample's AP depends only on counts: with G_0 > G_1 > … the distinct scores of positives,
 *   AP = Σ_j dp_j · tp_j / (tp_j + fp_j) / #positives,
 * dp_j the drawn positives scored G_j, tp_j those scored ≥ G_j and fp_j the drawn negatives scored
 * ≥ G_j. So the negatives fall into segments (segment j: G_j ≤ score < G_{j−1}, the last one below
 * every positive), and a resample needs how many draws land in each positive group and each
 * segment — a multinomial over a few thousand categories, drawn exactly as a chain of binomials
 * (binomial.ts), instead of one draw per row (1.5 M draws: ~300 ms a resample in a quiet profile;
 * side by side at load 4–5, 760 ms against 11 ms). The counts have the distribution the row-by-row draws give them, so the interval
 * is the same up to Monte Carlo noise, though not the same numbers for a seed as the row-by-row
 * version (fraudctl ≤ session 4) printed.
 */
export function bootstrapApInterval(labels: Uint8Array, scores: Float64Array, opts: { resamples: number; seed: number }): [number, number] | undefined {
  const n = labels.length;
  if (n !== scores.length) throw new RangeError(`labels (${n}) and scores (${scores.length}) differ in length`);
  if (opts.resamples < 2 || n === 0) return undefined;
  const c = rankScores(labels, scores, { delong: false });
  return c.nPos > 0 ? bootstrapApFromCategories(c, opts) : undefined;
}

/** bootstrapApInterval on categories already counted (ranking.ts counts them with the AUC). */
export function bootstrapApFromCategories(c: ApCategories, opts: { resamples: number; seed: number }): [number, number] | undefined {
  if (opts.resamples < 2 || c.nPos === 0) return undefined;
  const dp = new Int32Array(c.posSizes.length);
  const dn = new Int32Array(c.negSizes.length);
  const rng = new Rng(opts.seed, 0xa9);
  const values = new Float64Array(opts.resamples);
  for (let r = 0; r < opts.resamples; r++) {
    multinomialInto(rng, c.nPos, c.posSizes, c.nPos, dp);
    multinomialInto(rng, c.nNeg, c.negSizes, c.nNeg, dn);
    values[r] = apFromCounts(dp, dn, c.nPos);
  }
  values.sort();
  return [quantile(values, 0.025), quantile(values, 0.975)];
}

/** numpy.quantile's default (linear) on sorted values. */
export function quantile(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
