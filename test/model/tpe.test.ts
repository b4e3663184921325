import { describe, expect, it } from 'vitest';
import { ExitCode, FraudctlError } from '../../src/errors.js';
import {
  adaptiveParzenNormal,
  erf,
  erfc,
  linearForgettingWeights,
  mixtureLogPmf,
  normalMass,
  splitTrials,
  suggest,
  type IntParam,
  type SearchOptions,
  type Trial,
} from '../../src/model/tpe.js';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('erf, erfc, normalMass', () => {
  it('match tabulated values, far into the tail', () => {
    expect(rel(erf(0.5), 0.5204998778130465)).toBeLessThan(1e-14);
    expect(rel(erf(1), 0.8427007929497149)).toBeLessThan(1e-14);
    expect(erf(-1)).toBe(-erf(1));
    expect(erf(0)).toBe(0);
    expect(rel(erfc(2), 0.004677734981047266)).toBeLessThan(1e-13);
    expect(rel(erfc(3), 2.209049699858544e-5)).toBeLessThan(1e-13);
    expect(rel(erfc(5), 1.5374597944280349e-12)).toBeLessThan(1e-13);
    expect(rel(erfc(10), 2.088487583762545e-45)).toBeLessThan(1e-13);
    expect(rel(erfc(-1), 1.842700792949715)).toBeLessThan(1e-14);
  });

  it('gives normal masses, without cancelling to 0 in a tail', () => {
    // P(-1 <= X <= 1) for a standard normal: 0.6826894921370859 (the 68 % rule)
    expect(rel(normalMass(-1, 1, 0, 1), 0.6826894921370859)).toBeLessThan(1e-14);
    // the same one-sigma interval of N(3, 2): [1, 5]
    expect(rel(normalMass(1, 5, 3, 2), 0.6826894921370859)).toBeLessThan(1e-14);
    // P(X > 10) = 7.619853024160527e-24 and P(X > 11) = 1.910659574498732e-28 (normal tables);
    // Φ(11) − Φ(10) is 0 in doubles.
    expect(rel(normalMass(10, 11, 0, 1), 7.619853024160527e-24 - 1.910659574498732e-28)).toBeLessThan(1e-10);
    expect(rel(normalMass(-11, -10, 0, 1), 7.619853024160527e-24 - 1.910659574498732e-28)).toBeLessThan(1e-10);
  });
});

describe('hyperopt building blocks', () => {
  it('linearForgettingWeights ramps the oldest n − 25 from 1/n to 1', () => {
    expect(linearForgettingWeights(0)).toEqual([]);
    expect(linearForgettingWeights(3)).toEqual([1, 1, 1]);
    expect(linearForgettingWeights(25)).toEqual(new Array(25).fill(1));
    expect(linearForgettingWeights(26)).toEqual([1 / 26, ...new Array(25).fill(1)]);
    // n = 30: linspace(1/30, 1, 5), step (1 − 1/30)/4 = 29/120
    const w = linearForgettingWeights(30);
    expect(w.length).toBe(30);
    [1 / 30, 1 / 30 + 29 / 120, 1 / 30 + 58 / 120, 1 / 30 + 87 / 120, 1].forEach((v, i) => expect(w[i]).toBeCloseTo(v, 14));
    expect(w.slice(5)).toEqual(new Array(25).fill(1));
  });

  it('splitTrials takes the ceil(gamma · sqrt(n)) lowest losses, at most 25, ties to the earlier trial', () => {
    // n = 5: ceil(0.25 · 2.236) = 1; the lowest loss 0.2 is tied by trials 1 and 3 → trial 1.
    expect(splitTrials([0.5, 0.2, 0.9, 0.2, 0.7], 0.25)).toEqual({ below: [1], above: [0, 2, 3, 4] });
    // n = 16: ceil(0.25 · 4) = 1; n = 17: ceil(0.25 · 4.123) = 2
    expect(splitTrials([...Array(16).keys()].reverse(), 0.25).below).toEqual([15]);
    expect(splitTrials([...Array(17).keys()].reverse(), 0.25).below).toEqual([15, 16]);
    // n = 10001: ceil(0.25 · 100.005) = 26, capped at 25
    expect(splitTrials([...Array(10001).keys()], 0.25).below.length).toBe(25);
    // a NaN loss (failed trial) is worst
    expect(splitTrials([Number.NaN, 3, 4, 5, 6], 0.25).below).toEqual([1]);
  });

  it('adaptiveParzenNormal with no or one observation', () => {
    expect(adaptiveParzenNormal([], 1, 5, 8)).toEqual({ weights: [1], mus: [5], sigmas: [8] });
    // one observation above the prior mean: prior first, its bandwidth priorSigma/2 = 4
    // (clip floor 8/min(100, 3) = 2.67 does not bite); weights 1:1, or 3:1 with prior weight 3.
    expect(adaptiveParzenNormal([10], 1, 5, 8)).toEqual({ weights: [0.5, 0.5], mus: [5, 10], sigmas: [8, 4] });
    expect(adaptiveParzenNormal([10], 3, 5, 8).weights).toEqual([0.75, 0.25]);
    // an observation equal to the prior mean goes first (hyperopt: prior_mu < mus[0] is false)
    expect(adaptiveParzenNormal([5], 1, 5, 8)).toEqual({ weights: [0.5, 0.5], mus: [5, 5], sigmas: [4, 8] });
  });

  it('adaptiveParzenNormal bandwidths: farther neighbour, clipped, prior kept', () => {
    // [1, 3] with prior 2 (sigma 4): centres 1 2 3, neighbour distances 1 1 1; floor 4/min(100, 4) = 1;
    // the prior's bandwidth is set back to 4.
    expect(adaptiveParzenNormal([3, 1], 1, 2, 4)).toEqual({ weights: [1 / 3, 1 / 3, 1 / 3], mus: [1, 2, 3], sigmas: [1, 4, 1] });
    // [30, 0, 11, 10] with prior 15 (sigma 40): centres 0 10 11 15 30;
    // raw bandwidths 10 (end), max(10, 1) = 10, max(1, 4) = 4, prior, 15 (end);
    // floor 40/min(100, 6) = 6.67 lifts 4; the prior gets 40.
    const m = adaptiveParzenNormal([30, 0, 11, 10], 1, 15, 40);
    expect(m.mus).toEqual([0, 10, 11, 15, 30]);
    expect(m.sigmas).toEqual([10, 10, 40 / 6, 40, 15]);
    expect(m.weights).toEqual(new Array(5).fill(0.2));
  });

  it('adaptiveParzenNormal forgets the oldest of more than 25 observations linearly', () => {
    // 27 observations 0..26 in trial order, prior at 100 (after all of them):
    // weights linspace(1/27, 1, 2) = [1/27, 1] for the two oldest, 1 for the rest, 1 for the prior.
    const m = adaptiveParzenNormal([...Array(27).keys()], 1, 100, 200);
    const total = 1 / 27 + 26 + 1;
    expect(m.weights[0]).toBeCloseTo(1 / 27 / total, 14);
    expect(m.weights[1]).toBeCloseTo(1 / total, 14);
    expect(m.weights[27]).toBeCloseTo(1 / total, 14); // the prior
  });

  it('mixtureLogPmf is the bucket mass over the accepted mass', () => {
    const one = { weights: [1], mus: [0], sigmas: [1] };
    // integers -1..1 as [-1.5, 1.5): P(|X| ≤ 0.5) = 0.3829249225480262, P(|X| ≤ 1.5) = 0.8663855974622838
    expect(mixtureLogPmf(0, one, -1.5, 1.5)).toBeCloseTo(Math.log(0.3829249225480262 / 0.8663855974622838), 12);
    // one integer only: its bucket is everything accepted
    expect(mixtureLogPmf(0, one, -0.5, 0.5)).toBeCloseTo(0, 14);
    // the masses of all the integers of the range sum to 1
    const mix = adaptiveParzenNormal([12, 40, 41], 1, 25, 51);
    let sum = 0;
    for (let x = 0; x <= 50; x++) sum += Math.exp(mixtureLogPmf(x, mix, -0.5, 50.5));
    expect(sum).toBeCloseTo(1, 12);
  });
});

const space: IntParam[] = [
  { name: 'trees', low: 50, high: 300 },
  { name: 'depth', low: 4, high: 20 },
];
const tpe = (seed: number): SearchOptions => ({ algo: 'tpe', seed, startupTrials: 5 });

// A bowl with its minimum inside the ranges (trees 180, depth 13) and a small ripple over depth.
const bowl = (p: Record<string, number>) => ((p.trees - 180) / 250) ** 2 + ((p.depth - 13) / 16) ** 2 + 0.01 * Math.cos(1.7 * p.depth);

function search(opts: SearchOptions, evals: number, objective = bowl, sp = space): Trial[] {
  const history: Trial[] = [];
  for (let t = 0; t < evals; t++) {
    const params = suggest(sp, history, t, opts);
    history.push({ params, loss: objective(params) });
  }
  return history;
}
const bestLoss = (h: Trial[]) => Math.min(...h.map((t) => t.loss));

describe('suggest', () => {
  it('random search draws every integer of a range equally often, ends included', () => {
    // 4000 draws over 1..4: 1000 each expected, sd sqrt(4000 · 1/4 · 3/4) ≈ 27; allow ±150.
    const counts = [0, 0, 0, 0];
    for (let t = 0; t < 4000; t++) counts[suggest([{ name: 'a', low: 1, high: 4 }], [], t, { algo: 'random', seed: 5, startupTrials: 0 }).a - 1]++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });

  it('draws at random until startupTrials trials are done', () => {
    const history = search(tpe(3), 4);
    const random = suggest(space, [], 4, { algo: 'random', seed: 3, startupTrials: 0 });
    expect(suggest(space, history, 4, { ...tpe(3), startupTrials: 5 })).toEqual(random);
    expect(suggest(space, history, 4, { ...tpe(3), startupTrials: 4 })).not.toEqual(random);
  });

  it('gives seeds independent streams: seed 1 trial t is not seed 2 trial t ^ 3 (an XOR-mixed seed made them equal)', () => {
    const wide: IntParam[] = [{ name: 'a', low: 0, high: 1_000_000 }, { name: 'b', low: 0, high: 1_000_000 }];
    const draw = (seed: number, t: number) => suggest(wide, [], t, { algo: 'random', seed, startupTrials: 0 });
    for (let t = 0; t < 8; t++) expect(draw(2, t ^ 3)).not.toEqual(draw(1, t));
  });

  it('is reproducible and does not depend on the order of calls', () => {
    const a = search(tpe(11), 15);
    const b = search(tpe(11), 15);
    expect(b).toEqual(a);
    expect(search(tpe(12), 15)).not.toEqual(a);
    const history = a.slice(0, 10);
    const first = suggest(space, history, 10, tpe(11));
    suggest(space, history, 3, tpe(11));
    suggest(space, a, 15, tpe(11));
    expect(suggest(space, history, 10, tpe(11))).toEqual(first);
  });

  it('keeps every suggestion an integer inside its range, also when the optimum is at a corner', () => {
    const corner = (p: Record<string, number>) => p.trees + 10 * p.depth; // best at trees 50, depth 4
    const narrow: IntParam[] = [...space, { name: 'one', low: 7, high: 7 }, { name: 'bit', low: 0, high: 1 }];
    for (const seed of [1, 2, 3]) {
      const h = search(tpe(seed), 40, corner, narrow);
      for (const { params } of h) {
        for (const p of narrow) {
          expect(Number.isInteger(params[p.name])).toBe(true);
          expect(Object.is(params[p.name], -0)).toBe(false);
          expect(params[p.name]).toBeGreaterThanOrEqual(p.low);
          expect(params[p.name]).toBeLessThanOrEqual(p.high);
        }
      }
      expect(bestLoss(h)).toBeLessThan(50 + 10 * 4 + 60); // near the corner: within a few steps of it
    }
  });

  it('finds a better best loss than random search on average (50 seeds × 20 evaluations)', () => {
    // Both searches share their first 5 (random) trials; TPE guides the other 15.
    let tpeSum = 0;
    let randomSum = 0;
    let tpeWins = 0;
    for (let seed = 0; seed < 50; seed++) {
      const t = bestLoss(search(tpe(seed), 20));
      const r = bestLoss(search({ algo: 'random', seed, startupTrials: 5 }, 20));
      tpeSum += t;
      randomSum += r;
      if (t < r) tpeWins++;
    }
    expect(tpeSum).toBeLessThan(randomSum * 0.7);
    expect(tpeWins).toBeGreaterThanOrEqual(30);
  });

  it('rejects a malformed space or options with exit 2', () => {
    const usage = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e instanceof FraudctlError && e.exitCode === ExitCode.Usage ? e.message : `other: ${String(e)}`;
      }
      return 'no error';
    };
    expect(usage(() => suggest([{ name: 'a', low: 5, high: 4 }], [], 0, tpe(1)))).toMatch(/'a' needs whole numbers low <= high/);
    expect(usage(() => suggest([{ name: 'a', low: 1.5, high: 4 }], [], 0, tpe(1)))).toMatch(/whole numbers/);
    expect(usage(() => suggest([space[0], space[0]], [], 0, tpe(1)))).toMatch(/appears twice/);
    expect(usage(() => suggest(space, [], 0, { ...tpe(1), gamma: 0 }))).toMatch(/gamma/);
    expect(usage(() => suggest(space, [], 0, { ...tpe(1), nCandidates: 0 }))).toMatch(/candidates/);
    expect(usage(() => suggest(space, [], 0, { ...tpe(1), startupTrials: -1 }))).toMatch(/startup/);
    expect(() => suggest(space, [{ params: { trees: 60 }, loss: 1 }], 1, { ...tpe(1), startupTrials: 0 })).toThrow(/depth/);
  });
});
