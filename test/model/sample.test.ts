import { describe, expect, it } from 'vitest';
import { ExitCode, FraudctlError } from '../../src/errors.js';
import { sampleRows, takeRows } from '../../src/model/sample.js';

function isStrictlyAscending(a: Uint32Array): boolean {
  for (let i = 1; i < a.length; i++) if (a[i] <= a[i - 1]) return false;
  return true;
}

describe('sampleRows', () => {
  it('draws exactly round(n · fraction) distinct rows, ascending and in range', () => {
    for (const [n, fraction, k] of [
      [1000, 0.3, 300],
      [10, 0.25, 3], // 2.5 rounds up
      [9, 0.5, 5], // 4.5 rounds up
      [3, 0.1, 0], // 0.3 rounds to no row at all
      [0, 0.5, 0],
    ]) {
      const rows = sampleRows(n, fraction, 42, 1);
      expect(rows.length).toBe(k);
      expect(isStrictlyAscending(rows)).toBe(true);
      if (k > 0) expect(rows[k - 1]).toBeLessThan(n);
    }
  });

  it('takes every row with fraction 1', () => {
    expect([...sampleRows(5, 1, 42, 3)]).toEqual([0, 1, 2, 3, 4]);
  });

  it('gives the same sample for the same seed and trial, and another for another trial or seed', () => {
    const a = sampleRows(10_000, 0.1, 7, 0);
    expect(sampleRows(10_000, 0.1, 7, 0)).toEqual(a);
    expect(sampleRows(10_000, 0.1, 7, 1)).not.toEqual(a);
    expect(sampleRows(10_000, 0.1, 8, 0)).not.toEqual(a);
  });

  it('gives seeds independent streams: seed 1 trial t is not seed 2 trial t ^ 3 (an XOR-mixed seed made them equal)', () => {
    for (let t = 0; t < 4; t++) expect(sampleRows(10_000, 0.1, 2, t ^ 3)).not.toEqual(sampleRows(10_000, 0.1, 1, t));
  });

  it('takes every row equally often', () => {
    // 20 rows, 5 per sample, 4000 trials: each row expected 4000 · 5/20 = 1000 times,
    // standard deviation sqrt(4000 · 0.25 · 0.75) ≈ 27; allow ±150 (5.5 sd).
    const counts = new Array<number>(20).fill(0);
    for (let trial = 0; trial < 4000; trial++) for (const r of sampleRows(20, 0.25, 11, trial)) counts[r]++;
    for (const c of counts) {
      expect(c).toBeGreaterThan(850);
      expect(c).toBeLessThan(1150);
    }
  });

  it('rejects a fraction outside (0, 1] with exit 2', () => {
    for (const f of [0, -0.5, 1.5, Number.NaN]) {
      const e = (() => {
        try {
          sampleRows(100, f, 1, 1);
        } catch (err) {
          return err;
        }
        return undefined;
      })();
      expect(e).toBeInstanceOf(FraudctlError);
      expect((e as FraudctlError).exitCode).toBe(ExitCode.Usage);
    }
    expect(() => sampleRows(-1, 0.5, 1, 1)).toThrow(RangeError);
  });

  it('samples 4.5 M rows (course scale: 3 days × 1.5 M)', () => {
    const rows = sampleRows(4_500_000, 0.5, 1, 1);
    expect(rows.length).toBe(2_250_000);
    expect(isStrictlyAscending(rows)).toBe(true);
  });
});

describe('takeRows', () => {
  it('gathers the chosen rows of every column and of the labels', () => {
    const columns = [Float64Array.from([10, 11, 12, 13]), Float64Array.from([0.5, 1.5, 2.5, 3.5])];
    const labels = Uint8Array.from([0, 1, 0, 1]);
    const out = takeRows(columns, labels, Uint32Array.from([1, 3]));
    expect(out.columns.map((c) => [...c])).toEqual([
      [11, 13],
      [1.5, 3.5],
    ]);
    expect([...out.labels]).toEqual([1, 1]);
  });

  it('rejects columns of another length and indices out of range', () => {
    const labels = Uint8Array.from([0, 1]);
    expect(() => takeRows([new Float64Array(3)], labels, Uint32Array.from([0]))).toThrow(/column 0/);
    expect(() => takeRows([new Float64Array(2)], labels, Uint32Array.from([2]))).toThrow(/out of range/);
  });
});
