import { Rng } from '../util/rng.js';
import { binomial, multinomialInto } from './binomial.js';
import { drawBootstrap } from './forest/bootstrap.js';
import { rankScores, type ApCategories } from './ranking.js';

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
 * version (fraudctl ≤ session 4) printed. Positives that mostly have a score of their own (a
 * forest's on a large window) are drawn one by one instead (categoryDraw below: ~1/20 of the
 * chain's cost there; since session 12, so other numbers per seed than before, same distribution).
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
  const rng = new Rng(opts.seed, 0xa9);
  const drawPos = categoryDraw(c.nPos, c.posSizes);
  const values = new Float64Array(opts.resamples);
  for (let r = 0; r < opts.resamples; r++) {
    drawPos(rng, dp);
    values[r] = apDrawingNegatives(rng, dp, c.negSizes, c.nNeg, c.nPos);
  }
  values.sort();
  return [quantile(values, 0.025), quantile(values, 0.975)];
}

/**
 * apFromCounts(dp, dn, nPos) for negative counts dn drawn here, given the positives' dp: AP needs
 * the drawn negatives scored ≥ G_j only at the groups j where a positive was drawn, so the segments
 * from one such group to the next are one category of the chain of binomials (their sizes summed:
 * the multinomial over merged categories is the multinomial of their sums), and those below the
 * last drawn group none. The chain is then as long as the groups drawn (~63 % of them when each
 * positive has a score of its own) instead of every segment; the terms are apFromCounts's, in its order.
 */
function apDrawingNegatives(rng: Rng, dp: Int32Array, negSizes: Int32Array, nNeg: number, nPos: number): number {
  let tp = 0;
  let fp = 0;
  let sum = 0;
  // Negative draws not placed yet, negatives in the segments not passed yet, and in those passed since the last draw.
  let left = nNeg;
  let rest = nNeg;
  let pending = 0;
  for (let j = 0; j < dp.length; j++) {
    pending += negSizes[j];
    const d = dp[j];
    if (d === 0) continue;
    if (left > 0 && pending > 0) {
      const k = pending >= rest ? left : binomial(rng, left, pending / rest);
      fp += k;
      left -= k;
    }
    rest -= pending;
    pending = 0;
    tp += d;
    sum += (d * tp) / (tp + fp);
  }
  return sum / nPos;
}

/**
 * Row draws per category below which drawing each of the `total` draws on its own is cheaper than
 * the chain of binomials (~5 ns a draw against ~80 ns a binomial, measured on a course-scale
 * validation window: 25,765 positives in ~25 k score groups, 1.23 M negatives in their segments).
 */
const ROW_BY_ROW_BELOW = 16;

/**
 * How a resample counts `total` draws with replacement from `total` items into categories of
 * `sizes` (sizes sum to total; category j holds items [Σ_{i<j} sizes_i, … + sizes_j)): the chain of
 * binomials (multinomialInto) when categories hold many items each, else one uniform draw per item
 * (forest/bootstrap.ts's drawBootstrap: exact, Lemire's multiply-shift) summed per category. Both
 * are the multinomial exactly; the positives of a forest's scores mostly have a score of their own
 * (a category each), where the draws cost ~1/20 of the chain.
 */
function categoryDraw(total: number, sizes: Int32Array): (rng: Rng, out: Int32Array) => void {
  if (total >= ROW_BY_ROW_BELOW * sizes.length || total === 0) return (rng, out) => multinomialInto(rng, total, sizes, total, out);
  const counts = new Uint8Array(total);
  const extra = new Map<number, number>();
  return (rng, out) => {
    drawBootstrap(rng, total, counts, extra);
    let at = 0;
    for (let j = 0; j < sizes.length; j++) {
      let sum = 0;
      for (const end = at + sizes[j]; at < end; at++) sum += counts[at];
      out[j] = sum;
    }
    // Counts past MAX_COPIES (in practice never), by item.
    for (const [item, more] of extra) out[categoryOf(sizes, item)] += more;
  };
}

/** The category holding item `item` (a linear walk: only for drawBootstrap's rare saturated counts). */
function categoryOf(sizes: Int32Array, item: number): number {
  let j = 0;
  for (let at = sizes[0]; at <= item; at += sizes[++j]);
  return j;
}

/** numpy.quantile's default (linear) on sorted values. */
export function quantile(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
