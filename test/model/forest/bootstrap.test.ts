import { describe, expect, it } from 'vitest';
import { binRows } from '../../../src/model/forest/binRows.js';
import { featureOffset, groupCount, type BinnedTable } from '../../../src/model/forest/binnedTable.js';
import { copyDrawnRows, drawBootstrap } from '../../../src/model/forest/bootstrap.js';
import { accumulate } from '../../../src/model/forest/histogram.js';
import { Rng } from '../../../src/util/rng.js';
import { randomBinnedTable } from './fixtures.js';

describe('drawBootstrap', () => {
  it('draws n rows with replacement: counts sum to n, about 1/e of the rows left out', () => {
    const n = 100_000;
    const counts = new Uint8Array(n);
    drawBootstrap(new Rng(5, 0), n, counts, new Map());
    let sum = 0;
    let zeros = 0;
    for (const c of counts) {
      sum += c;
      zeros += +(c === 0);
    }
    expect(sum).toBe(n);
    // P(a row is never drawn) = (1 - 1/n)^n ≈ e^-1 = 0.3679; its standard error here is 0.0015.
    expect(zeros / n).toBeCloseTo(Math.exp(-1), 2);
  });

  it('keeps counts past 127 in `extra`', () => {
    // A generator stuck at 2^32 - 1 draws the last row every time (x·n / 2^32 rounds down to n - 1).
    const counts = new Uint8Array(300);
    const extra = new Map<number, number>();
    drawBootstrap({ fillU32: (out, count) => out.fill(0xffffffff, 0, count) }, 300, counts, extra);
    expect(counts[299]).toBe(127);
    expect([...extra]).toEqual([[299, 173]]);
  });
});

describe('copyDrawnRows', () => {
  it('copies drawn rows in table order, tagged with copies and label, splits large counts (the root histogram then adds their copies)', () => {
    // Three rows of one feature with values 10, 20, 30; the last one is fraud.
    const groups = groupCount(1);
    const data = new Uint8Array(3 * groups * 4);
    binRows([Float64Array.from([10, 20, 30])], [Float64Array.from([15, 25])], 0, 3, data, (f) => featureOffset(f, 3), 4, ['x']);
    data[featureOffset(3, 3) + 8] = 1;
    const table: BinnedTable = { data, nRows: 3, nFeatures: 1, groups, nBins: Int32Array.from([3]) };
    const w32 = new Int32Array(3 * groups);
    // Row 0 not drawn, row 1 twice, row 2 128 times: 127 copies in one working row, 1 in another.
    const hist = { cnt: new Int32Array(groups * 1024), pos: new Int32Array(groups * 1024), at: 0 };
    const drawn = copyDrawnRows(table, Uint8Array.from([0, 2, 127]), new Map([[2, 1]]), w32, 3);
    accumulate(w32, 3, 1, 0, drawn.rows, hist.cnt, hist.pos);
    expect(drawn).toEqual({ rows: 3, cnt: 130, pos: 128 });
    const bin = (k: number) => w32[k] & 255;
    const tag = (k: number) => w32[k] >>> 24;
    expect([bin(0), bin(1), bin(2)]).toEqual([1, 2, 2]);
    expect([tag(0), tag(1), tag(2)]).toEqual([2, 127 | 128, 1 | 128]);
    // Bin 1: row 1's 2 copies; bin 2: row 2's 128, all fraud.
    expect([...hist.cnt.subarray(0, 3)]).toEqual([0, 2, 128]);
    expect([...hist.pos.subarray(0, 3)]).toEqual([0, 0, 128]);
  });

  it('takes candidate i from table row rows[i] (a sample of a shared table)', () => {
    const groups = groupCount(1);
    const data = new Uint8Array(4 * groups * 4);
    binRows([Float64Array.from([10, 20, 30, 40])], [Float64Array.from([15, 25, 35])], 0, 4, data, (f) => featureOffset(f, 4), 4, ['x']);
    const table: BinnedTable = { data, nRows: 4, nFeatures: 1, groups, nBins: Int32Array.from([4]) };
    // A working buffer of the sample's 2 rows, not the table's 4.
    const w32 = new Int32Array(2 * groups);
    const hist = { cnt: new Int32Array(1024), pos: new Int32Array(1024), at: 0 };
    // The sample is rows 1 and 3; its second row is drawn 3 times, its first once.
    const drawn = copyDrawnRows(table, Uint8Array.from([1, 3]), new Map(), w32, 2, Uint32Array.from([1, 3]));
    accumulate(w32, 2, 1, 0, drawn.rows, hist.cnt, hist.pos);
    expect(drawn).toEqual({ rows: 2, cnt: 4, pos: 0 });
    expect([w32[0] & 255, w32[1] & 255]).toEqual([1, 3]);
    expect([...hist.cnt.subarray(0, 4)]).toEqual([0, 1, 0, 3]);
  });

  it('copies every word of each drawn row, for 1…25 features (1 to 7 groups), with and without a sample, counts split', () => {
    const rng = new Rng(11);
    for (let nFeatures = 1; nFeatures <= 25; nFeatures++) {
      const nRows = 1000;
      const { table, samples } = randomBinnedTable(rng, nFeatures, nRows);
      const { groups } = table;
      const words = new Int32Array(table.data.buffer);
      for (const rows of samples) {
        const n = rows ? rows.length : nRows;
        const counts = Uint8Array.from({ length: n }, () => (rng.next() < 0.4 ? 0 : 1 + rng.int(4)));
        counts[7] = 127;
        const extra = new Map([[7, 130]]);
        const cap = n + 2;
        const w32 = new Int32Array(cap * groups);
        const drawn = copyDrawnRows(table, counts, extra, w32, cap, rows);
        // The oracle: candidates with counts in order, then the extra copies (127 and 3), each row's words as they are but the tag byte.
        const want: [number, number][] = [];
        counts.forEach((c, i) => c > 0 && want.push([rows ? rows[i] : i, c]));
        want.push([rows ? rows[7] : 7, 127], [rows ? rows[7] : 7, 3]);
        expect(drawn.rows).toBe(want.length);
        let cnt = 0;
        let pos = 0;
        want.forEach(([row, c], j) => {
          for (let g = 0; g < groups - 1; g++) expect(w32[g * cap + j]).toBe(words[g * nRows + row]);
          const tag = words[(groups - 1) * nRows + row];
          const label = tag >>> 24;
          expect(w32[(groups - 1) * cap + j]).toBe((tag & 0xffffff) | ((c | (label << 7)) << 24));
          cnt += c;
          pos += label * c;
        });
        expect([drawn.cnt, drawn.pos]).toEqual([cnt, pos]);
      }
    }
  });
});
