import type { Rng } from '../util/rng.js';

/**
 * Exact Binomial(n, p) and multinomial draws for the bootstrap (bootstrapAp.ts), where a resample
 * needs only how many draws land in each of a few thousand score segments, not which rows.
 *
 * Binomial(n, p), p ≤ ½ (else n − Binomial(n, 1 − p)), by inversion of one uniform:
 * - mean n·p < 30: walk k = 0, 1, … subtracting P(X = k) (the recurrence P(k+1) = P(k)·(n−k)/(k+1)·p/q);
 * - otherwise: walk outwards from the mode m (m, m−1, m+1, m−2, …), expected O(√(n p q)) steps,
 *   P(X = m) computed as Loader (2000, "Fast and accurate computation of binomial probabilities")
 *   does, with Stirling's error term and the deviance bd0, accurate to a few ulps where the naive
 *   log n! − log k! − log (n−k)! loses ~9 digits at n ~ 10⁶.
 * Either walk visits each k once in a fixed order, so it returns k with probability P(X = k) up to
 * rounding; a uniform left over by rounding at the far tails is redrawn.
 */
export function binomial(rng: Rng, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(rng, n, 1 - p);
  const q = 1 - p;
  return n * p < 30 ? fromZero(rng, n, p, q) : fromMode(rng, n, p, q);
}

function fromZero(rng: Rng, n: number, p: number, q: number): number {
  const ratio = p / q;
  const f0 = Math.exp(n * Math.log1p(-p));
  for (;;) {
    let u = rng.next();
    let f = f0;
    for (let k = 0; k <= n; k++) {
      if (u < f) return k;
      u -= f;
      f *= ((n - k) / (k + 1)) * ratio;
      if (f === 0) break;
    }
  }
}

function fromMode(rng: Rng, n: number, p: number, q: number): number {
  const m = Math.floor((n + 1) * p);
  const pm = binomialPmf(m, n, p, q);
  const up = p / q;
  for (;;) {
    let u = rng.next();
    if (u < pm) return m;
    u -= pm;
    let lo = m;
    let hi = m;
    let flo = pm;
    let fhi = pm;
    while (lo > 0 || hi < n) {
      if (lo > 0) {
        flo *= (lo / (n - lo + 1)) / up;
        lo--;
        if (u < flo) return lo;
        u -= flo;
      }
      if (hi < n) {
        fhi *= ((n - hi) / (hi + 1)) * up;
        hi++;
        if (u < fhi) return hi;
        u -= fhi;
      }
      if (flo === 0 && fhi === 0) break;
    }
  }
}

/** P(X = x) of Binomial(n, p), 0 < x < n (Loader's saddle-point form). */
export function binomialPmf(x: number, n: number, p: number, q: number): number {
  if (x === 0) return Math.exp(n * Math.log(q));
  if (x === n) return Math.exp(n * Math.log(p));
  const lc = stirlerr(n) - stirlerr(x) - stirlerr(n - x) - bd0(x, n * p) - bd0(n - x, n * q);
  return Math.exp(lc) * Math.sqrt(n / (2 * Math.PI * x * (n - x)));
}

/** log k! for k ≤ 15, summed exactly enough (the table Stirling's series is not accurate for). */
const LOG_FACTORIAL = (() => {
  const t = new Float64Array(16);
  for (let k = 1; k < 16; k++) t[k] = t[k - 1] + Math.log(k);
  return t;
})();

/** Stirling's series' coefficients (module constants: a destructured array literal per call was ~10 % of a bootstrap in garbage). */
const [s0, s1, s2, s3, s4] = [1 / 12, 1 / 360, 1 / 1260, 1 / 1680, 1 / 1188];

/** log k! − log(√(2πk) (k/e)^k), Stirling's error term. */
function stirlerr(k: number): number {
  if (k <= 15) return LOG_FACTORIAL[k] - (k + 0.5) * Math.log(k) + k - 0.5 * Math.log(2 * Math.PI);
  const kk = k * k;
  if (k > 500) return (s0 - s1 / kk) / k;
  if (k > 80) return (s0 - (s1 - s2 / kk) / kk) / k;
  if (k > 35) return (s0 - (s1 - (s2 - s3 / kk) / kk) / kk) / k;
  return (s0 - (s1 - (s2 - (s3 - s4 / kk) / kk) / kk) / kk) / k;
}

/** x·log(x / m) + m − x, by its series when x is near m (the direct form cancels there). */
function bd0(x: number, m: number): number {
  if (Math.abs(x - m) < 0.1 * (x + m)) {
    let v = (x - m) / (x + m);
    let s = (x - m) * v;
    let ej = 2 * x * v;
    v *= v;
    for (let j = 1; j < 1000; j++) {
      ej *= v;
      const s1 = s + ej / (2 * j + 1);
      if (s1 === s) return s1;
      s = s1;
    }
    return s;
  }
  return x * Math.log(x / m) + m - x;
}

/**
 * `draws` draws with replacement from `total` items, of which sizes[j] are in category j (sizes
 * sum to `total`): out[j] = how many draws fell in category j, drawn as the chain of conditional
 * binomials out[j] ~ Binomial(draws left, sizes[j] / items left) — the multinomial exactly.
 */
export function multinomialInto(rng: Rng, draws: number, sizes: Int32Array, total: number, out: Int32Array): void {
  let left = draws;
  let rest = total;
  for (let j = 0; j < sizes.length; j++) {
    const s = sizes[j];
    let c = 0;
    if (left > 0 && s > 0) c = s >= rest ? left : binomial(rng, left, s / rest);
    out[j] = c;
    left -= c;
    rest -= s;
  }
}
