import { usageError } from '../errors.js';
import { Rng } from '../util/rng.js';

/**
 * Tree-structured Parzen Estimator search as hyperopt's `tpe.suggest` does it (hyperopt/tpe.py,
 * Bergstra et al. 2011), for integer parameters only. An integer range low..high is the hyperopt
 * space `hp.quniform(name, low - 0.5, high + 0.5, 1)`: rounding a uniform draw over that interval
 * gives every integer the same chance (hp.quniform(name, low, high, 1) would give both ends half).
 *
 * One suggestion, per parameter independently (hyperopt builds one posterior per node):
 * 1. split the trials so far into "below" (the n_below lowest losses) and "above" (the rest), with
 *    n_below = min(ceil(gamma · sqrt(n)), 25)  (`ap_split_trials`, gamma_cap = linear forgetting 25);
 * 2. fit `adaptiveParzenNormal` to each group's values: a Gaussian mixture with one component per
 *    observation plus the prior N((lo+hi)/2, hi-lo);
 * 3. draw nCandidates values from the "below" mixture truncated to [lo, hi) and rounded (`GMM1`);
 * 4. keep the candidate with the largest log l(x) − log g(x), each being the mixture's probability
 *    of x's rounding bucket [x − ½, x + ½] given the truncation (`GMM1_lpdf` with q = 1).
 */

export interface IntParam {
  name: string;
  low: number;
  high: number;
}

export interface Trial {
  params: Record<string, number>;
  loss: number;
}

export interface SearchOptions {
  algo: 'tpe' | 'random';
  seed: number;
  /** Trials drawn at random before TPE starts (hyperopt's n_startup_jobs, whose default is 20). */
  startupTrials: number;
  /** Candidates drawn per suggestion (hyperopt's n_EI_candidates); default 24. */
  nCandidates?: number;
  /** Share of good trials: n_below = ceil(gamma · sqrt(n)); default 0.25. */
  gamma?: number;
  /** Weight of the prior component in both mixtures; default 1.0. */
  priorWeight?: number;
}

/** hyperopt's DEFAULT_LF: linear forgetting beyond 25 observations, and the cap of n_below. */
export const LINEAR_FORGETTING = 25;
const EPS = 1e-12;
/**
 * Rng(seed, trial) mixes the trial into the seed by XOR first, so seed 1's trial 3 drew what seed
 * 2's trial 0 drew (1 ^ 3 = 2 ^ 0); a fixed stream id in front scrambles the seed first.
 */
const TPE_STREAM = 0x7be5;

/**
 * Parameters for trial `trialIndex`, drawn with Rng(seed, TPE_STREAM, trialIndex): reproducible, and the same
 * whatever else was suggested before. `history` holds the finished trials in the order they ran (the
 * order matters to linear forgetting); a NaN loss counts as +Infinity, as hyperopt counts a failed
 * trial. Random search (and TPE's first `startupTrials` trials) draws uniform integers.
 */
export function suggest(space: IntParam[], history: Trial[], trialIndex: number, opts: SearchOptions): Record<string, number> {
  checkSpace(space);
  const nCandidates = opts.nCandidates ?? 24;
  const gamma = opts.gamma ?? 0.25;
  const priorWeight = opts.priorWeight ?? 1.0;
  checkOptions(opts, nCandidates, gamma, priorWeight);
  const rng = new Rng(opts.seed, TPE_STREAM, trialIndex);
  const out: Record<string, number> = {};

  if (opts.algo === 'random' || history.length < opts.startupTrials) {
    for (const p of space) out[p.name] = p.low + rng.int(p.high - p.low + 1);
    return out;
  }

  const { below, above } = splitTrials(
    history.map((t) => t.loss),
    gamma,
  );
  for (const p of space) {
    const values = history.map((t, i) => {
      const v = t.params[p.name];
      if (!Number.isFinite(v)) throw new RangeError(`trial ${i} has no value for parameter '${p.name}'`);
      return v;
    });
    const lo = p.low - 0.5;
    const hi = p.high + 0.5;
    const good = adaptiveParzenNormal(below.map((i) => values[i]), priorWeight, (lo + hi) / 2, hi - lo);
    const bad = adaptiveParzenNormal(above.map((i) => values[i]), priorWeight, (lo + hi) / 2, hi - lo);
    let best = NaN;
    let bestScore = -Infinity;
    for (let c = 0; c < nCandidates; c++) {
      const x = sampleMixture(rng, good, lo, hi);
      const score = mixtureLogPmf(x, good, lo, hi) - mixtureLogPmf(x, bad, lo, hi);
      if (score > bestScore || Number.isNaN(best)) {
        best = x; // first of equal scores wins, as np.argmax
        bestScore = score;
      }
    }
    out[p.name] = best;
  }
  return out;
}

/**
 * `ap_split_trials`: indices of the n_below = min(ceil(gamma · sqrt(n)), 25) trials with the lowest
 * loss ("below") and of the others ("above"), each list in trial order. Ties in loss go to the
 * earlier trial (a stable sort; numpy's argsort does not promise an order for ties).
 */
export function splitTrials(losses: number[], gamma: number): { below: number[]; above: number[] } {
  const n = losses.length;
  const nBelow = Math.min(Math.ceil(gamma * Math.sqrt(n)), LINEAR_FORGETTING);
  const key = (i: number) => (Number.isNaN(losses[i]) ? Infinity : losses[i]);
  const order = losses.map((_, i) => i).sort((a, b) => key(a) - key(b) || a - b);
  const isBelow = new Array<boolean>(n).fill(false);
  for (const i of order.slice(0, nBelow)) isBelow[i] = true;
  const below: number[] = [];
  const above: number[] = [];
  for (let i = 0; i < n; i++) (isBelow[i] ? below : above).push(i);
  return { below, above };
}

/** hyperopt's `linear_forgetting_weights`: the oldest n − lf observations ramp up from 1/n to 1. */
export function linearForgettingWeights(n: number, lf = LINEAR_FORGETTING): number[] {
  if (n < lf) return new Array<number>(n).fill(1);
  const ramp = n - lf; // numpy linspace(1/n, 1, ramp)
  const out: number[] = [];
  for (let i = 0; i < ramp; i++) out.push(ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1));
  for (let i = 0; i < lf; i++) out.push(1);
  return out;
}

export interface Mixture {
  weights: number[];
  mus: number[];
  sigmas: number[];
}

/**
 * hyperopt's `adaptive_parzen_normal`. Components: the observations (`mus`, in trial order) and the
 * prior N(priorMu, priorSigma), sorted by centre with the prior inserted before any equal
 * observation. Bandwidths:
 * - no observation: the prior alone;
 * - one observation: priorSigma / 2 for it;
 * - more: each component's distance to the farther of its two neighbours, the distance to the only
 *   neighbour at either end;
 * then clipped to [priorSigma / min(100, 1 + components), priorSigma], and the prior's set back to
 * priorSigma. Weights: 1 per observation (linearly forgotten past 25), priorWeight for the prior,
 * normalised to sum 1.
 */
export function adaptiveParzenNormal(mus: number[], priorWeight: number, priorMu: number, priorSigma: number, lf = LINEAR_FORGETTING): Mixture {
  const n = mus.length;
  const order = mus.map((_, i) => i).sort((a, b) => mus[a] - mus[b] || a - b);
  let priorPos = order.findIndex((i) => mus[i] >= priorMu); // np.searchsorted, side 'left'
  if (priorPos < 0) priorPos = n;
  if (n === 1) priorPos = priorMu < mus[0] ? 0 : 1; // hyperopt's one-observation branch
  const srtd: number[] = order.map((i) => mus[i]);
  srtd.splice(priorPos, 0, priorMu);
  const m = srtd.length;

  let sigmas: number[];
  if (n === 0) sigmas = [priorSigma];
  else if (n === 1) sigmas = priorPos === 0 ? [priorSigma, priorSigma * 0.5] : [priorSigma * 0.5, priorSigma];
  else {
    sigmas = srtd.map((x, k) => {
      if (k === 0) return srtd[1] - srtd[0];
      if (k === m - 1) return srtd[m - 1] - srtd[m - 2];
      return Math.max(x - srtd[k - 1], srtd[k + 1] - x);
    });
  }
  const minSigma = priorSigma / Math.min(100, 1 + m);
  sigmas = sigmas.map((s) => Math.min(Math.max(s, minSigma), priorSigma));
  sigmas[priorPos] = priorSigma;

  const obsWeights = lf > 0 && lf < n ? linearForgettingWeights(n, lf) : new Array<number>(n).fill(1);
  const weights: number[] = order.map((i) => obsWeights[i]);
  weights.splice(priorPos, 0, priorWeight);
  const total = weights.reduce((s, w) => s + w, 0);
  return { weights: weights.map((w) => w / total), mus: srtd, sigmas };
}

/** `GMM1` with q = 1: pick a component by weight, draw from it until the draw is in [lo, hi), round. */
export function sampleMixture(rng: Rng, mix: Mixture, lo: number, hi: number): number {
  for (;;) {
    const u = rng.next();
    let k = 0;
    for (let acc = mix.weights[0]; acc <= u && k < mix.weights.length - 1; acc += mix.weights[++k]);
    const draw = rng.normal(mix.mus[k], mix.sigmas[k]);
    if (draw >= lo && draw < hi) return Math.round(draw) + 0; // + 0: no -0 from a draw in [-0.5, 0)
  }
}

/**
 * `GMM1_lpdf` with q = 1: log of the mixture's mass on x's bucket [x − ½, x + ½] ∩ [lo, hi], divided
 * by its mass on [lo, hi]. Masses come from erfc in the tails so far components do not cancel to 0.
 */
export function mixtureLogPmf(x: number, mix: Mixture, lo: number, hi: number): number {
  const a = Math.max(x - 0.5, lo);
  const b = Math.min(x + 0.5, hi);
  let prob = 0;
  let accept = 0;
  for (let k = 0; k < mix.weights.length; k++) {
    prob += mix.weights[k] * normalMass(a, b, mix.mus[k], mix.sigmas[k]);
    accept += mix.weights[k] * normalMass(lo, hi, mix.mus[k], mix.sigmas[k]);
  }
  return Math.log(prob) - Math.log(accept);
}

/** P(a ≤ X ≤ b) for X ~ N(mu, sigma), without the cancellation of Φ(b) − Φ(a) in a tail. */
export function normalMass(a: number, b: number, mu: number, sigma: number): number {
  const s = Math.max(Math.SQRT2 * sigma, EPS);
  const za = (a - mu) / s;
  const zb = (b - mu) / s;
  if (za >= 0) return 0.5 * (erfc(za) - erfc(zb));
  if (zb <= 0) return 0.5 * (erfc(-zb) - erfc(-za));
  return 0.5 * (erf(zb) - erf(za));
}

/** Error function, to about 1e-15 (series below 3, continued fraction of erfc above). */
export function erf(x: number): number {
  if (x < 0) return -erf(-x);
  if (x < 3) return erfSeries(x);
  return 1 - erfcFraction(x);
}

/** Complementary error function 1 − erf(x), accurate in the upper tail (erfc(10) ≈ 2.1e-45). */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 2) return 1 - erfSeries(x); // erfc(2) ≈ 0.005: little lost to the subtraction
  return erfcFraction(x);
}

// erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)): positive terms, no cancellation.
function erfSeries(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; term > sum * 1e-17; n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

// erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), modified Lentz, for x ≥ 2.
function erfcFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const ak = k / 2;
    d = x + ak * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = x + ak / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

function checkSpace(space: IntParam[]): void {
  const seen = new Set<string>();
  for (const p of space) {
    if (seen.has(p.name)) throw usageError(`search space: parameter '${p.name}' appears twice`);
    seen.add(p.name);
    if (!Number.isInteger(p.low) || !Number.isInteger(p.high) || p.low > p.high) {
      throw usageError(`search space: '${p.name}' needs whole numbers low <= high, got ${p.low}..${p.high}`);
    }
  }
}

function checkOptions(opts: SearchOptions, nCandidates: number, gamma: number, priorWeight: number): void {
  if (!Number.isInteger(opts.startupTrials) || opts.startupTrials < 0) throw usageError(`startup trials must be a whole number >= 0, got ${opts.startupTrials}`);
  if (!Number.isInteger(nCandidates) || nCandidates < 1) throw usageError(`TPE candidates must be a whole number >= 1, got ${nCandidates}`);
  if (!(gamma > 0 && gamma <= 1)) throw usageError(`TPE gamma must be in (0, 1], got ${gamma}`);
  if (!(priorWeight > 0) || !Number.isFinite(priorWeight)) throw usageError(`TPE prior weight must be > 0, got ${priorWeight}`);
}
