import { describe, expect, it } from 'vitest';
import type { FeatureRows } from '../../src/features/assemble.js';
import { stackDays, stackedColumns, stackLabels } from '../../src/train/trainingSet.js';

const day = (d: string, cols: number[][], labels: number[]): FeatureRows =>
  ({ day: d, n: labels.length, labels: Uint8Array.from(labels), columns: cols.map((c) => Float64Array.from(c)), featureNames: ['a', 'b'] }) as unknown as FeatureRows;

describe('stackDays', () => {
  it('stacks days in order; consumed days lose their columns, the others keep them', () => {
    const d1 = day('2025-01-01', [[1, 2], [10, 20]], [0, 1]);
    const d2 = day('2025-01-02', [[3], [30]], [1]);
    const set = stackDays([d1, d2], ['a', 'b'], (d) => d.day === '2025-01-01');
    expect(set.nRows).toBe(3);
    expect([...set.columns[0]]).toEqual([1, 2, 3]);
    expect([...set.columns[1]]).toEqual([10, 20, 30]);
    expect([...set.labels]).toEqual([0, 1, 1]);
    expect(d1.columns).toEqual([]);
    expect([...d2.columns[1]]).toEqual([30]);
    // In shared memory: the forest's workers bin the table from the columns themselves.
    expect(set.columns.every((c) => c.buffer instanceof SharedArrayBuffer)).toBe(true);
  });

  it('without consume the same table, and every day keeps its columns', () => {
    const d1 = day('2025-01-01', [[1, 2], [10, 20]], [0, 1]);
    const d2 = day('2025-01-02', [[3], [30]], [1]);
    const set = stackDays([d1, d2], ['a', 'b']);
    expect([...set.columns[0]]).toEqual([1, 2, 3]);
    expect([...d1.columns[0]]).toEqual([1, 2]);
    expect([...d2.columns[0]]).toEqual([3]);
  });

  it('a window read into stackedColumns\' slices is the table stackDays makes of its days', () => {
    const d1 = day('2025-01-01', [[1, 2], [10, 20]], [0, 1]);
    const d2 = day('2025-01-02', [[3], [30]], [1]);
    const { columns, slices } = stackedColumns([2, 1], 2);
    [d1, d2].forEach((d, i) => d.columns.forEach((c, j) => slices[i][j].set(c)));
    const set = stackDays([d1, d2], ['a', 'b']);
    expect(columns.map((c) => [...c])).toEqual(set.columns.map((c) => [...c]));
    expect([...stackLabels([d1, d2])]).toEqual([...set.labels]);
    // Views, not copies: a slice written is the table written.
    slices[1][0][0] = 9;
    expect(columns[0][2]).toBe(9);
    // One buffer for the whole table (one mapping, unmapped as a whole when the window goes).
    expect(columns[1].buffer).toBe(columns[0].buffer);
    expect(columns[0].buffer.byteLength).toBe(8 * 3 * 2);
    expect(columns[0].buffer instanceof SharedArrayBuffer).toBe(true);
  });
});

