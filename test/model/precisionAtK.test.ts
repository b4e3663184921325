import { describe, expect, it } from 'vitest';
import { cardPrecisionAtK, topRows, txPrecisionAtK } from '../../src/model/precisionAtK.js';
import { Rng } from '../../src/util/rng.js';

/** The definition written out: every card's max score and label, all cards sorted (score desc, card asc). */
function cardOracle(cards: BigInt64Array, labels: Uint8Array, scores: Float64Array, k: number, exclude: Set<bigint>) {
  const best = new Map<bigint, { score: number; fraud: number }>();
  cards.forEach((c, i) => {
    if (exclude.has(c)) return;
    const b = best.get(c) ?? { score: -Infinity, fraud: 0 };
    best.set(c, { score: Math.max(b.score, scores[i]), fraud: Math.max(b.fraud, labels[i]) });
  });
  const ranked = [...best].sort(([ca, a], [cb, b]) => b.score - a.score || (ca < cb ? -1 : 1));
  if (ranked.length < k) return { value: undefined, detected: [] as bigint[] };
  const detected = ranked.slice(0, k).filter(([, v]) => v.fraud === 1).map(([c]) => c);
  return { value: detected.length / k, detected };
}

function txOracle(labels: Uint8Array, scores: Float64Array, ids: BigInt64Array, k: number) {
  const order = [...labels.keys()].sort((a, b) => scores[b] - scores[a] || (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : 0));
  return order.slice(0, k).reduce((s, i) => s + labels[i], 0) / k;
}

/** n rows over `nCards` cards, scores on a coarse grid (many ties), ~10 % fraud. */
function day(n: number, nCards: number, seed: number) {
  const rng = new Rng(seed, 5);
  const cards = BigInt64Array.from({ length: n }, () => BigInt(rng.int(nCards)));
  const scores = Float64Array.from({ length: n }, () => rng.int(20) / 20);
  const labels = Uint8Array.from({ length: n }, () => +(rng.next() < 0.1));
  const txIds = BigInt64Array.from({ length: n }, (_, i) => BigInt((i * 7919) % n));
  return { cards, scores, labels, txIds };
}

describe('precision@k without sorting every row', () => {
  it('card precision@k equals the definition (ties, excluded cards, one card holding the top rows, fewer than k cards)', () => {
    for (const [n, nCards, k, seed] of [[5000, 800, 100, 1], [5000, 120, 100, 2], [3000, 90, 100, 3], [20000, 3000, 50, 4]] as const) {
      const d = day(n, nCards, seed);
      // Card 0 takes the 1,000 best rows: the first k distinct cards lie far down the row order.
      if (seed === 4) for (let i = 0; i < 1000; i++) [d.cards[i], d.scores[i]] = [0n, 1];
      const exclude = new Set([1n, 2n, 3n, BigInt(nCards - 1)]);
      for (const ex of [new Set<bigint>(), exclude]) {
        const got = cardPrecisionAtK(d.cards, d.labels, d.scores, k, ex);
        const want = cardOracle(d.cards, d.labels, d.scores, k, ex);
        expect(got.value).toBe(want.value);
        expect(got.detected).toEqual(want.detected);
      }
    }
  });

  it('transaction precision@k equals a full sort with ties broken by id', () => {
    for (const seed of [1, 2, 3]) {
      const d = day(4000, 500, seed);
      for (const k of [1, 100, 4000]) expect(txPrecisionAtK(d.labels, d.scores, d.txIds, k)).toBe(txOracle(d.labels, d.scores, d.txIds, k));
    }
  });

  it('topRows gives the m first rows in order, skipping ineligible ones', () => {
    const v = [5, 3, 9, 9, 1, 7, 3];
    const first = (a: number, b: number) => v[a] > v[b] || (v[a] === v[b] && a < b);
    expect([...topRows(v.length, 4, first, () => true)]).toEqual([2, 3, 5, 0]);
    expect([...topRows(v.length, 3, first, (i) => i !== 3)]).toEqual([2, 5, 0]);
    expect([...topRows(v.length, 10, first, () => true)]).toEqual([2, 3, 5, 0, 1, 6, 4]);
  });
});
