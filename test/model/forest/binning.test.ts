import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import { computeBinEdges, QUANTILE_BINNING } from '../../../src/model/forest/binEdges.js';
import { binRows } from '../../../src/model/forest/binRows.js';
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
});
