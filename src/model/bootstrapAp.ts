import { Rng } from '../util/rng.js';

/**
 * A 95 % stratified-bootstrap percentile interval of average precision: each resample draws, with
 * replacement, as many positives from the positives and negatives from the negatives as there are
 * (stratified, so every resample keeps the fraud rate and AP stays defined), and computes
 * sklearn's average_precision_score on it. The interval is the 2.5 and 97.5 percentiles of the
 * resampled APs (linear interpolation, numpy's default).
 *
 * The rows are sorted once and grouped by distinct score (ties form one threshold); a draw adds
 * one to its row's group, so a resample costs its draws plus one walk over the groups, and no
 * sort. (Counting per row, then summing each group's rows, gave the same integer counts and so
 * the same APs, but its walk over every row in score order cost ~40 ms per resample at 1.5 M rows.)
 */
export function bootstrapApInterval(labels: Uint8Array, scores: Float64Array, opts: { resamples: number; seed: number }): [number, number] | undefined {
  const n = labels.length;
  if (n !== scores.length) throw new RangeError(`labels (${n}) and scores (${scores.length}) differ in length`);
  if (opts.resamples < 2) return undefined;
  // groupOf[i]: rank of row i's score among the distinct scores, highest first — found by binary
  // search in a natively sorted copy (an index sort with a comparator took 7 s at 1.5 M rows).
  const sorted = Float64Array.from(scores).sort();
  let groups = 0;
  for (let k = 0; k < n; k++) if (k === 0 || sorted[k] !== sorted[k - 1]) sorted[groups++] = sorted[k];
  const groupOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const x = scores[i];
    let lo = 0;
    let hi = groups - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    groupOf[i] = groups - 1 - lo;
  }
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += labels[i];
  if (nPos === 0) return undefined;
  // The group of the t-th positive and of the t-th negative, in row order (what a draw picks).
  const posGroup = new Int32Array(nPos);
  const negGroup = new Int32Array(n - nPos);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    if (labels[i] === 1) posGroup[a++] = groupOf[i];
    else negGroup[b++] = groupOf[i];
  }
  const dp = new Int32Array(groups);
  const dn = new Int32Array(groups);
  const rng = new Rng(opts.seed, 0xa9);
  const values = new Float64Array(opts.resamples);
  for (let r = 0; r < opts.resamples; r++) {
    dp.fill(0);
    dn.fill(0);
    drawInto(rng, posGroup, dp);
    drawInto(rng, negGroup, dn);
    let tp = 0;
    let fp = 0;
    let sum = 0;
    for (let g = 0; g < groups; g++) {
      tp += dp[g];
      fp += dn[g];
      if (dp[g] > 0) sum += (dp[g] * tp) / (tp + fp);
    }
    values[r] = sum / nPos;
  }
  values.sort();
  return [quantile(values, 0.025), quantile(values, 0.975)];
}

/**
 * `from.length` draws with replacement from `from`, each adding one to counts[from[draw]]: the
 * numbers rng.int(from.length) gives (the same rejection and remainder), its bound hoisted out of
 * the loop and the remainder taken by a corrected division instead of a floating-point modulo.
 */
function drawInto(rng: Rng, from: Int32Array, counts: Int32Array): void {
  const n = from.length;
  if (n === 0) return;
  const limit = 4294967296 - (4294967296 % n);
  for (let t = 0; t < n; t++) {
    let x = rng.u32();
    while (x >= limit) x = rng.u32();
    let r = x - Math.floor(x / n) * n;
    if (r < 0) r += n;
    else if (r >= n) r -= n;
    counts[from[r]]++;
  }
}

/** numpy.quantile's default (linear) on sorted values. */
export function quantile(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
