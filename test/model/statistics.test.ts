import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bootstrapApInterval } from '../../src/model/bootstrapAp.js';
import { delongFromComponents, pairedDelong } from '../../src/model/delong.js';
import { evaluateWindow } from '../../src/model/evaluate.js';
import { computeMetrics } from '../../src/model/metrics.js';
import { normalSf } from '../../src/model/normal.js';
import { cardPrecisionAtK, txPrecisionAtK } from '../../src/model/precisionAtK.js';
import { rankScores } from '../../src/model/ranking.js';
import { Rng } from '../../src/util/rng.js';
import { venvPython } from '../helpers/python.js';
import { midrankAuc, stepwiseAp } from './rankingOracle.js';

/** ROC AUC with DeLong's interval as train reports it (evaluate.ts: rankScores, then the variance). */
const delongAuc = (labels: Uint8Array, scores: Float64Array) => {
  const c = rankScores(labels, scores, { delong: true }).components;
  return c && delongFromComponents(c);
};

/** scikit-learn / scipy / numpy on the same inputs (test/model/sklearnOracle.py). */
function oracle(query: Record<string, unknown>): Record<string, any> {
  const r = spawnSync(venvPython('sklearn'), [join(import.meta.dirname, 'sklearnOracle.py')], { input: JSON.stringify(query), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`sklearnOracle.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** A fraud-like day: ~3 % positives, scores informative but noisy, rounded so that ties occur. */
function fakeDay(n: number, seed: number, cardsCount = Math.ceil(n / 3)) {
  const rng = new Rng(seed);
  const labels = new Uint8Array(n);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const cards = new BigInt64Array(n);
  const txIds = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.next() < 0.03 ? 1 : 0;
    a[i] = Math.round(100 * Math.min(1, Math.max(0, 0.3 + 0.35 * labels[i] + rng.normal(0, 0.18)))) / 100;
    b[i] = Math.round(100 * Math.min(1, Math.max(0, 0.5 * a[i] + 0.5 * (0.3 + 0.2 * labels[i] + rng.normal(0, 0.2))))) / 100;
    cards[i] = BigInt(rng.int(cardsCount));
    txIds[i] = BigInt(1000 + ((i * 7919) % n)); // not in row order
  }
  return { labels, a, b, cards, txIds };
}

const list = (x: ArrayLike<number | bigint>) => Array.from(x as ArrayLike<number>, (v) => (typeof v === 'bigint' ? String(v) : v));

describe('normal tail', () => {
  it('matches scipy.stats.norm.sf from -8 to 30', () => {
    const z = [-8, -3.3, -1.96, -0.5, 0, 0.3, 0.46875 * Math.SQRT2, 1, 1.6448536269514722, 2.5, 4 * Math.SQRT2, 7, 10, 20, 30];
    const ref = oracle({ labels: [0, 1], scores: [0, 1], z }).sf as number[];
    z.forEach((v, i) => expect(normalSf(v) / ref[i]).toBeCloseTo(1, 12));
  });
});

describe('DeLong', () => {
  it('a hand-checked example: pos 0.9, 0.4; neg 0.5, 0.1 → AUC 0.75, Var 0.125', () => {
    const r = delongAuc(Uint8Array.from([1, 1, 0, 0]), Float64Array.from([0.9, 0.4, 0.5, 0.1]))!;
    // V10 = (1, 0.5), V01 = (0.5, 1): S10 = S01 = 0.125, Var = 0.125/2 + 0.125/2.
    expect(r.auc).toBe(0.75);
    expect(r.variance).toBeCloseTo(0.125, 15);
    expect(r.ci95[1]).toBe(1);
  });

  it('is undefined with one class or a single positive', () => {
    expect(delongAuc(Uint8Array.from([0, 0, 0]), Float64Array.from([0.1, 0.2, 0.3]))).toBeUndefined();
    expect(delongAuc(Uint8Array.from([1, 0, 0]), Float64Array.from([0.1, 0.2, 0.3]))).toBeUndefined();
  });

  it('variance and interval equal the midrank algorithm (scipy), AUC equals sklearn, and a bootstrap agrees', () => {
    const d = fakeDay(3000, 11);
    const ref = oracle({ labels: list(d.labels), scores: list(d.a), resamples: 1000, seed: 1 });
    const r = delongAuc(d.labels, d.a)!;
    expect(r.auc).toBeCloseTo(ref.roc_auc, 12);
    expect(computeMetrics(d.labels, d.a, { threshold: 0.5, beta: 1 }).pr_auc).toBeCloseTo(ref.ap, 12);
    // the plain oracles of ranking.test.ts agree with sklearn too
    expect(midrankAuc(d.labels, d.a)).toBeCloseTo(ref.roc_auc, 12);
    expect(stepwiseAp(d.labels, d.a)).toBeCloseTo(ref.ap, 12);
    expect(ref.mann_whitney_matches_sklearn).toBe(true);
    expect(r.variance).toBeCloseTo(ref.delong_var, 14);
    expect(r.ci95[0]).toBeCloseTo(ref.delong_ci[0], 10);
    expect(r.ci95[1]).toBeCloseTo(ref.delong_ci[1], 10);
    // DeLong estimates the sampling variance a bootstrap measures: within the bootstrap's own noise
    // (1000 resamples: relative standard error of a variance ≈ √(2/1000) ≈ 4.5 %).
    expect(r.variance / ref.bootstrap_auc_var).toBeGreaterThan(0.8);
    expect(r.variance / ref.bootstrap_auc_var).toBeLessThan(1.25);
  }, 60_000);

  it('the paired test of two correlated AUCs equals the scipy implementation', () => {
    const d = fakeDay(4000, 12);
    const ref = oracle({ labels: list(d.labels), scores: list(d.a), scoresB: list(d.b) }).paired;
    const t = pairedDelong(d.labels, d.a, d.b)!;
    expect(t.delta).toBeCloseTo(ref.delta, 12);
    expect(t.variance).toBeCloseTo(ref.var, 14);
    expect(t.z!).toBeCloseTo(ref.z, 9);
    expect(t.pBetter!).toBeCloseTo(ref.p_better, 9);
    expect(t.pTwoSided!).toBeCloseTo(ref.p_two, 9);
    expect(t.pBetter! + t.pWorse!).toBeCloseTo(1, 12);
    // The same scores twice: no evidence either way, no z.
    const same = pairedDelong(d.labels, d.a, d.a)!;
    expect(same.delta).toBe(0);
    expect(same.z).toBeUndefined();
  }, 60_000);
});

describe('average precision interval', () => {
  it('matches a numpy + sklearn stratified bootstrap within Monte Carlo error', () => {
    const d = fakeDay(2000, 13);
    const ref = oracle({ labels: list(d.labels), scores: list(d.a), resamples: 2000, seed: 3 });
    const ci = bootstrapApInterval(d.labels, d.a, { resamples: 2000, seed: 5 })!;
    expect(ref.numpy_ap_matches_sklearn).toBe(true);
    expect(ci[0]).toBeLessThan(ref.ap);
    expect(ci[1]).toBeGreaterThan(ref.ap);
    expect(Math.abs(ci[0] - ref.bootstrap_ap_ci[0])).toBeLessThan(0.02);
    expect(Math.abs(ci[1] - ref.bootstrap_ap_ci[1])).toBeLessThan(0.02);
  }, 60_000);

  it('is undefined without a positive', () => {
    expect(bootstrapApInterval(new Uint8Array(5), Float64Array.from([1, 2, 3, 4, 5]), { resamples: 100, seed: 1 })).toBeUndefined();
  });
});

describe('precision@k', () => {
  it('a hand-checked day: card = max score and max label of its transactions', () => {
    // cards 1: (0.9 genuine, 0.2 fraud) → score 0.9, compromised; 2: 0.8 genuine; 3: 0.7 fraud; 4: 0.1 fraud
    const cards = BigInt64Array.from([1n, 1n, 2n, 3n, 4n]);
    const labels = Uint8Array.from([0, 1, 0, 1, 1]);
    const scores = Float64Array.from([0.9, 0.2, 0.8, 0.7, 0.1]);
    const cp = cardPrecisionAtK(cards, labels, scores, 2);
    expect(cp.value).toBe(0.5); // cards 1 and 2: one compromised
    expect(cp.detected).toEqual([1n]);
    expect(cardPrecisionAtK(cards, labels, scores, 2, new Set([1n])).value).toBe(0.5); // cards 2 and 3
    expect(cardPrecisionAtK(cards, labels, scores, 5).value).toBeUndefined(); // only 4 cards
    expect(txPrecisionAtK(labels, scores, BigInt64Array.from([5n, 4n, 3n, 2n, 1n]), 3)).toBeCloseTo(1 / 3, 15);
  });

  it('card and transaction precision@100 equal a numpy group-by, with ties and excluded cards', () => {
    const d = fakeDay(6000, 14, 1500);
    const exclude = [3n, 7n, 11n, 500n];
    const ref = oracle({ labels: list(d.labels), scores: list(d.a), cards: list(d.cards), txIds: list(d.txIds), k: 100, exclude: exclude.map(Number) });
    const cp = cardPrecisionAtK(d.cards, d.labels, d.a, 100, new Set(exclude));
    expect(cp.value).toBe(ref.card_precision);
    expect(cp.detected.map(Number).sort((x, y) => x - y)).toEqual([...ref.detected].sort((x: number, y: number) => x - y));
    expect(txPrecisionAtK(d.labels, d.a, d.txIds, 100)).toBe(ref.tx_precision);
  }, 60_000);
});

describe('evaluateWindow', () => {
  it('drops known cards, removes cards detected on earlier days, pools AUC over all rows', () => {
    const d1 = fakeDay(3000, 21, 600);
    const d2 = fakeDay(3000, 22, 600);
    const drop = Uint8Array.from(d1.cards, (c) => (c === 5n ? 1 : 0));
    const o = { threshold: 0.5, beta: 1.5, k: 50, bootstrap: 0, seed: 1 };
    const w = evaluateWindow(
      [
        { day: '2025-01-01', labels: d1.labels, scores: d1.a, cards: d1.cards, txIds: d1.txIds, drop },
        { day: '2025-01-02', labels: d2.labels, scores: d2.a, cards: d2.cards, txIds: d2.txIds },
      ],
      o,
    );
    const dropped = drop.reduce((s, x) => s + x, 0);
    expect(w.days[0].droppedRows).toBe(dropped);
    expect(w.days[0].droppedCards).toBe(1);
    expect(w.days[0].rows).toBe(3000 - dropped);
    const first = cardPrecisionAtK(d1.cards.filter((_, i) => !drop[i]), d1.labels.filter((_, i) => !drop[i]), d1.a.filter((_, i) => !drop[i]), 50);
    expect(w.days[0].card_precision_at_k).toBe(first.value);
    expect(w.days[1].card_precision_at_k).toBe(cardPrecisionAtK(d2.cards, d2.labels, d2.a, 50, new Set(first.detected)).value);
    expect(w.pooled.card_precision_at_k).toBeCloseTo((w.days[0].card_precision_at_k! + w.days[1].card_precision_at_k!) / 2, 15);
    expect(w.days[1].tx_precision_at_k).toBe(txPrecisionAtK(d2.labels, d2.a, d2.txIds, 50));
    expect(w.pooled.tx_precision_at_k).toBeCloseTo((w.days[0].tx_precision_at_k! + w.days[1].tx_precision_at_k!) / 2, 15);
    const keep = (a: Float64Array) => Float64Array.from([...a.filter((_, i) => !drop[i]), ...d2.a]);
    const labels = Uint8Array.from([...d1.labels.filter((_, i) => !drop[i]), ...d2.labels]);
    expect(w.pooled.roc_auc).toBe(computeMetrics(labels, keep(d1.a), { threshold: 0.5, beta: 1 }).roc_auc);
    expect(w.pooled.rows).toBe(6000 - dropped);
    expect(w.pooled.pr_auc_ci95).toBeNull();
    expect(w.pooled.undefinedMetrics).toEqual([]);
  });

  it('a day with one class names its undefined metrics and never holds NaN', () => {
    const w = evaluateWindow([{ day: '2025-01-01', labels: new Uint8Array(4), scores: Float64Array.from([0.1, 0.2, 0.3, 0.4]), cards: BigInt64Array.from([1n, 2n, 3n, 4n]), txIds: BigInt64Array.from([1n, 2n, 3n, 4n]) }], {
      threshold: 0.25,
      beta: 1,
      k: 2,
      bootstrap: 10,
      seed: 1,
    });
    const p = w.pooled;
    expect(p.roc_auc).toBeNull();
    expect(p.pr_auc).toBeNull();
    expect(p.undefinedMetrics).toEqual(expect.arrayContaining(['roc_auc', 'roc_auc_ci95', 'pr_auc', 'pr_auc_ci95', 'recall', 'f1', 'f_beta']));
    expect(p.card_precision_at_k).toBe(0);
    expect(JSON.stringify(w)).not.toMatch(/NaN/);
  });
});
