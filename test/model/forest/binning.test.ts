import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import { computeBinEdges, distinctCounts, QUANTILE_BINNING } from '../../../src/model/forest/binEdges.js';
import { Rng } from '../../../src/util/rng.js';
import { binColumn, binRows, padEdges } from '../../../src/model/forest/binRows.js';
import { featureOffset, groupCount } from '../../../src/model/forest/binnedTable.js';

const F = (...v: number[]) => Float64Array.from(v);
/** Edges of one column of values (all rows: fewer than the binning sample). */
const edgesOf = (values: Float64Array, maxBins: number) => Array.from(computeBinEdges([values], values.length, maxBins, 1, ['x'], QUANTILE_BINNING)[0]);

describe('bin edges', () => {
  it('puts an edge midway between neighbouring distinct values when there are few', () => {
    expect(edgesOf(F(4, 1, 2, 1), 255)).toEqual([1.5, 3]);
    expect(edgesOf(F(0.5, 0.25, 1.5, 0.25), 255)).toEqual([0.375, 1]);
    expect(edgesOf(F(7, 7, 7), 255)).toEqual([]);
  });

  it('cuts quantiles greedily (plain quantile binning; tail binning: tailBinning.test.ts), giving a heavy value a bin of its own', () => {
    // 50 zeros then 1…50, 4 bins: {0} holds half the rows; the other 50 rows share 3 bins,
    // closed once they hold 50/3 ≈ 16.7 rows (after 17), then 33/2 = 16.5 (after 17 more).
    const values = F(...new Array(50).fill(0), ...Array.from({ length: 50 }, (_, i) => i + 1));
    expect(edgesOf(values, 4)).toEqual([0.5, 17.5, 34.5]);
    // The same cuts when the values are not whole numbers (sorted, not counted).
    expect(edgesOf(values.map((v) => v / 4), 4)).toEqual([0.125, 4.375, 8.625]);
  });

  it('keeps a threshold strictly between two neighbouring doubles', () => {
    const a = 1;
    const b = 1 + Number.EPSILON;
    const [edge] = edgesOf(F(a, b), 255);
    expect(edge > a && edge <= b).toBe(true);
  });

  it('uses all rows below the sample size, so binning is lossless for ≤ 255 distinct values', () => {
    const col = Float64Array.from({ length: 1000 }, (_, i) => i % 200);
    const [edges] = computeBinEdges([col], 1000, 255, 1, ['x']);
    expect(edges.length).toBe(199);
  });
});

describe('binRows', () => {
  it('gives each value the number of edges ≤ it, in the group-major layout', () => {
    const edges = [F(1.5, 3), F(0.5)];
    const x = F(-5, 1, 1.5, 2, 3, 100);
    const y = F(0, 1, 0, 1, 0, 1);
    const groups = groupCount(2);
    const out = new Uint8Array(6 * groups * 4);
    binRows([x, y], edges, 0, 6, out, (f) => featureOffset(f, 6), 4, ['x', 'y']);
    const bins = (f: number) => Array.from({ length: 6 }, (_, r) => out[featureOffset(f, 6) + 4 * r]);
    expect(bins(0)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(bins(1)).toEqual([0, 1, 0, 1, 0, 1]);
  });

  it('refuses missing and infinite values, naming the feature (exit 3)', () => {
    const out = new Uint8Array(16);
    expect(() => binRows([F(1, NaN, Infinity)], [F(2)], 0, 3, out, (f) => f, 1, ['tx_amount'])).toThrow(
      expect.objectContaining({ exitCode: ExitCode.Data, message: expect.stringContaining('feature tx_amount has 2 missing or infinite') }),
    );
  });

  it('counts the non-finite values of the rows it bins, four at a time and in the tail, and bins the finite ones alike', () => {
    // 11 rows: two blocks of four, then three one by one; the counts are of rows [start, end) only.
    const col = F(1, NaN, 2, 3, -Infinity, 4, 5, 6, Infinity, 0, NaN);
    const padded = padEdges(F(1.5, 4.5));
    const out = new Uint8Array(11);
    expect(binColumn(col, padded, 0, 11, out, 0, 1)).toBe(4);
    expect([out[0], out[2], out[3], out[5], out[6], out[7], out[9]]).toEqual([0, 1, 1, 1, 2, 2, 0]);
    expect(binColumn(col, padded, 2, 8, out, 0, 1)).toBe(1);
    expect(binColumn(col, padded, 5, 8, out, 0, 1)).toBe(0);
    expect(binColumn(col, padded, 8, 11, out, 0, 1)).toBe(2);
    // Finite values far out are not miscounted: ±MAX_VALUE, subnormals, -0.
    expect(binColumn(F(Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324, -0, 1, 2), padded, 0, 6, out, 0, 1)).toBe(0);
  });
});

describe('distinct values and their counts (hashed, counted or sorted)', () => {
  /** The oracle: sort every value, keep the first of each run of equal ones (-0 === 0). */
  function bySorting(values: Float64Array): { distinct: number[]; counts: number[] } {
    const sorted = values.slice().sort();
    const distinct: number[] = [];
    const counts: number[] = [];
    sorted.forEach((v, i) => {
      if (i > 0 && v === sorted[i - 1]) counts[counts.length - 1]++;
      else distinct.push(v), counts.push(1);
    });
    return { distinct, counts };
  }
  const same = (got: { distinct: number[]; counts: number[] }, want: { distinct: number[]; counts: number[] }) => {
    expect(got.counts).toEqual(want.counts);
    // Object.is: -0 and 0 told apart (an edge of -0 would change the model's bytes).
    expect(got.distinct.length).toBe(want.distinct.length);
    got.distinct.forEach((v, i) => expect(Object.is(v, want.distinct[i])).toBe(true));
  };

  // (Whole numbers in a narrow range are tallied, not hashed or sorted: not cases here.)
  it('gives what sorting gives: repeated cents, ratios, ±0 and subnormals, all distinct, few values', () => {
    const rng = new Rng(4);
    const n = 20_000;
    const cases: Float64Array[] = [
      Float64Array.from({ length: n }, () => Math.round(rng.next() * 40000) / 100),
      Float64Array.from({ length: n }, () => rng.int(7) / (1 + rng.int(30))),
      Float64Array.from({ length: n }, (_, i) => [0, -0, 5e-324, -5e-324, -2.5, 1e308, -1e308][i % 7]),
      Float64Array.from({ length: n }, (_, i) => [-0, 3.25][i % 2]),
      Float64Array.from({ length: n }, (_, i) => [0, 3.25, -0][i % 3]),
      Float64Array.from({ length: n }, () => rng.next() - 0.5),
      Float64Array.from({ length: n }, (_, i) => (i < n / 2 ? i + 0.5 : 7.5)),
      Float64Array.from({ length: n }, (_, i) => (i <= n / 2 ? i + 0.5 : 7.5)),
      F(-0, 0.5),
      F(2.5, 2.5),
    ];
    for (const values of cases) same(distinctCounts(values), bySorting(values));
  });

  it('counts a hand-made column: -0 stands for zero once any zero is -0', () => {
    expect(distinctCounts(F(0.5, 0, 0.5, -0, -1.5))).toEqual({ distinct: [-1.5, -0, 0.5], counts: [1, 2, 2] });
    expect(Object.is(distinctCounts(F(0.5, 0, 0.25)).distinct[0], 0)).toBe(true);
  });
});
