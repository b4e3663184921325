import { describe, expect, it } from 'vitest';
import { scoreQuantiles } from '../../src/score/runScore.js';

/** The definition: the value at rank ⌈q·n⌉ (1-based) of the sorted scores. */
function bySort(scores: Float64Array): Record<string, number | null> {
  const s = Float64Array.from(scores).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), 'p99.9': at(0.999), max: s[s.length - 1] };
}

describe('scoreQuantiles', () => {
  it('takes the nearest-rank values a person can count off', () => {
    // 1 … 10 shuffled: p50 is the 5th value, p90 the 9th, p99 and p99.9 the 10th.
    expect(scoreQuantiles(Float64Array.from([7, 3, 10, 1, 9, 5, 2, 8, 6, 4]))).toEqual({ p50: 5, p90: 9, p99: 10, 'p99.9': 10, max: 10 });
    expect(scoreQuantiles(Float64Array.from([0.25]))).toEqual({ p50: 0.25, p90: 0.25, p99: 0.25, 'p99.9': 0.25, max: 0.25 });
    expect(scoreQuantiles(new Float64Array(0))).toEqual({ p50: null, p90: null, p99: null, 'p99.9': null, max: null });
  });

  it('agrees with sorting on large days: distinct scores, few distinct scores (ties everywhere), sorted and reversed input', () => {
    let seed = 9;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const n = 200_003;
    const cases = [
      Float64Array.from({ length: n }, () => next()),
      Float64Array.from({ length: n }, () => Math.floor(next() * 7) / 7),
      Float64Array.from({ length: n }, (_, i) => i / n),
      Float64Array.from({ length: n }, (_, i) => (n - i) / n),
      Float64Array.from({ length: n }, () => (next() < 0.99 ? 0.01 : next())),
    ];
    for (const scores of cases) {
      const before = Float64Array.from(scores);
      expect(scoreQuantiles(scores)).toEqual(bySort(scores));
      expect(scores).toEqual(before); // the caller's array is left as it was
    }
  });
});
