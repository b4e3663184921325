import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { compileKernel, kernelSource } from '../../../scripts/build-wasm.mjs';
import { groupCount } from '../../../src/model/forest/binnedTable.js';
import { copyDrawnRows, drawBootstrap } from '../../../src/model/forest/bootstrap.js';
import { ForestTrainer } from '../../../src/model/forest/index.js';
import { Workspace } from '../../../src/model/forest/workspace.js';
import { Rng } from '../../../src/util/rng.js';
import { noisyTable, randomBinnedTable } from './fixtures.js';

/** Working rows of `nFeatures` random bins (edge bins 0 and 254 often), copies 1…127, some fraud, written into ws. */
function fillRows(ws: Workspace, cap: number, nFeatures: number, rng: Rng): void {
  const groups = groupCount(nFeatures);
  const bin = () => [0, 254, 1, 253][rng.int(8)] ?? rng.int(255);
  for (let r = 0; r < cap; r++) {
    for (let f = 0; f < nFeatures; f++) ws.u8[(f >> 2) * cap * 4 + 4 * r + (f & 3)] = bin();
    const copies = rng.next() < 0.05 ? 127 : 1 + rng.int(4);
    ws.u8[(groups - 1) * cap * 4 + 4 * r + 3] = copies | (+(rng.next() < 0.3) << 7);
  }
}

describe('the wasm histogram kernel', () => {
  it('is the compiled histogramKernel.wat (npm run build:wasm is up to date)', async () => {
    const source = readFileSync(new URL('../../../src/model/forest/histogramKernelWasm.ts', import.meta.url), 'utf8');
    expect(source).toBe(kernelSource(await compileKernel()));
  });

  it('adds, subtracts and clears as the JS kernel does, for any number of features and any row range', () => {
    for (const nFeatures of [1, 2, 3, 4, 5, 8, 15, 17]) {
      const cap = 3000;
      const groups = groupCount(nFeatures);
      const nBins = new Int32Array(nFeatures).fill(255);
      const sides = (['wasm', 'js'] as const).map((kernel) => {
        const ws = new Workspace(cap, groups, nFeatures, 3, kernel);
        fillRows(ws, cap, nFeatures, new Rng(nFeatures, 1));
        const h = ws.acquire(nBins);
        ws.accumulate(0, cap, h);
        // A second range into a histogram that already holds counts.
        ws.accumulate(117, 2011, h);
        // A child's histogram subtracted, and one cleared after use (acquired again).
        const child = ws.acquire(nBins);
        ws.accumulate(500, 900, child);
        ws.subtract(h, child, nBins);
        ws.release(child);
        const cleared = ws.acquire(nBins);
        expect(cleared).toBe(child);
        ws.accumulate(0, 10, cleared);
        return { ws, h, cleared };
      });
      expect(sides[0].ws.kernel).toBe('wasm');
      expect(sides[1].ws.kernel).toBe('js');
      const slots = (a: Int32Array) => Array.from({ length: nFeatures }, (_, f) => Array.from(a.subarray(f << 8, (f << 8) + 255)));
      expect(slots(sides[0].h.cnt)).toEqual(slots(sides[1].h.cnt));
      expect(slots(sides[0].h.pos)).toEqual(slots(sides[1].h.pos));
      expect(slots(sides[0].cleared.cnt)).toEqual(slots(sides[1].cleared.cnt));
      expect(slots(sides[0].cleared.pos)).toEqual(slots(sides[1].cleared.pos));
    }
  });

  it('counts a hand-made row: bins 0 and 254, 127 copies, fraud', () => {
    // Two features in one group; the row's bins are 0 and 254, the tag 127 copies | fraud.
    const ws = new Workspace(2, 1, 2, 1, 'wasm');
    ws.u8.set([0, 254, 0, 127 | 128, 7, 9, 0, 3]);
    const nBins = Int32Array.from([255, 255]);
    const h = ws.acquire(nBins);
    ws.accumulate(0, 2, h);
    expect([h.cnt[0], h.cnt[256 + 254], h.cnt[7], h.cnt[256 + 9]]).toEqual([127, 127, 3, 3]);
    expect([h.pos[0], h.pos[256 + 254], h.pos[7], h.pos[256 + 9]]).toEqual([127, 127, 0, 0]);
    // Only those four slots of the two features are non-zero.
    const nonZero = (a: Int32Array) => [...a.subarray(0, 512)].filter((v) => v !== 0).length;
    expect([nonZero(h.cnt), nonZero(h.pos)]).toEqual([4, 2]);
  });

  it('grows byte-identical models with either kernel, at 1 and 2 threads and on sampled rows', async () => {
    const data = noisyTable(8000, 3);
    const params = { nTrees: 6, maxDepth: 12, seed: 5 };
    const rows = Uint32Array.from({ length: 3000 }, (_, i) => (i * 7) % 8000).sort();
    const models: Buffer[] = [];
    for (const kernel of ['wasm', 'js'] as const) {
      for (const threads of [1, 2]) {
        const trainer = ForestTrainer.open(data, { threads, seed: 5, kernel });
        try {
          models.push((await trainer.train(params)).toBuffer(), (await trainer.train(params, { rows })).toBuffer());
        } finally {
          await trainer.close();
        }
      }
    }
    // [wasm 1 thread all rows, sampled, wasm 2 threads …, js 1 thread …, js 2 threads …]
    for (let k = 2; k < models.length; k++) expect(models[k].equals(models[k % 2])).toBe(true);
    expect(models[0].equals(models[1])).toBe(false);
  });
});

describe('Workspace', () => {
  it('hands out zeroed histograms again after release, and refuses more than it holds', () => {
    const ws = new Workspace(4, 1, 1, 2, 'wasm');
    const nBins = Int32Array.from([3]);
    const a = ws.acquire(nBins);
    a.cnt[2] = 5;
    a.pos[1] = 4;
    const b = ws.acquire(nBins);
    expect(() => ws.acquire(nBins)).toThrow(/more than 2 histograms/);
    ws.release(a);
    const again = ws.acquire(nBins);
    expect(again).toBe(a);
    expect([...again.cnt.subarray(0, 3), ...again.pos.subarray(0, 3)]).toEqual([0, 0, 0, 0, 0, 0]);
    expect(b.at).not.toBe(a.at);
    // reserve makes room (a new memory: the old histograms are gone).
    ws.reserve(5);
    for (let k = 0; k < 5; k++) ws.acquire(nBins);
  });
});

describe('the wasm bootstrap draw and partition', () => {
  it('draws what drawBootstrap draws and leaves the generator where it leaves it', () => {
    const n = 50_000;
    const ws = new Workspace(n, 1, 1, 1, 'wasm');
    const counts = new Uint8Array(n);
    const [js, wasm] = [new Rng(3, 9), new Rng(3, 9)];
    drawBootstrap(js, n, counts, new Map());
    expect(ws.drawBootstrap(wasm, n)).toBe(true);
    expect(Buffer.from(ws.counts.subarray(0, n)).equals(Buffer.from(counts))).toBe(true);
    expect([wasm.u32(), wasm.u32()]).toEqual([js.u32(), js.u32()]);
  });

  it('gives up, the generator untouched, when a count would pass the limit', () => {
    // 1000 draws from 1000 rows: some row comes up 3 times (P ≈ 8 % per row), past a limit of 2.
    const ws = new Workspace(1000, 1, 1, 1, 'wasm');
    const rng = new Rng(4);
    expect(ws.drawBootstrap(rng, 1000, 2)).toBe(false);
    expect(rng.u32()).toBe(new Rng(4).u32());
  });

  it('partitions like the JS partition (same split point, same row order)', () => {
    const cap = 5000;
    const sides = (['wasm', 'js'] as const).map((kernel) => {
      const ws = new Workspace(cap, groupCount(7), 7, 1, kernel);
      fillRows(ws, cap, 7, new Rng(8, 2));
      const mids = [ws.partition(0, cap, 5, 100), ws.partition(10, 4000, 2, 0), ws.partition(0, 1, 0, 254), ws.partition(7, 7, 1, 3)];
      return { mids, rows: Buffer.from(ws.u8) };
    });
    expect(sides[0].mids).toEqual(sides[1].mids);
    expect(sides[0].rows.equals(sides[1].rows)).toBe(true);
    // The first split point is the number of rows whose feature-5 bin is ≤ 100.
    const fresh = new Workspace(cap, groupCount(7), 7, 1, 'js');
    fillRows(fresh, cap, 7, new Rng(8, 2));
    let low = 0;
    for (let r = 0; r < cap; r++) low += +(fresh.u8[1 * cap * 4 + 4 * r + 1] <= 100);
    expect(sides[0].mids[0]).toBe(low);
    expect(sides[0].mids.slice(2)).toEqual([1, 7]);
  });

  it('partitions correctly on either side of its block phase (255…1000 rows, balanced and lopsided splits)', () => {
    const [cap, nf] = [1200, 6];
    const groups = groupCount(nf);
    /** Row r's words, as one string (a row is moved whole or not at all). */
    const rowKey = (ws: Workspace, r: number) => Array.from({ length: groups }, (_, g) => ws.w32[g * cap + r]).join(',');
    for (const kernel of ['wasm', 'js'] as const) {
      for (const [start, end] of [[0, 255], [3, 259], [0, 256], [100, 1100], [0, 1200]]) {
        for (const t of [0, 1, 100, 253, 254]) {
          const ws = new Workspace(cap, groups, nf, 1, kernel);
          fillRows(ws, cap, nf, new Rng(start + end, t));
          const f = (start + t) % nf;
          const bin = (r: number) => ws.u8[(f >> 2) * cap * 4 + 4 * r + (f & 3)];
          const before = Array.from({ length: end - start }, (_, k) => rowKey(ws, start + k)).sort();
          const outside = [...Array.from({ length: start }, (_, r) => rowKey(ws, r)), ...Array.from({ length: cap - end }, (_, k) => rowKey(ws, end + k))];
          const mid = ws.partition(start, end, f, t);
          for (let r = start; r < end; r++) expect(bin(r) <= t, `${kernel} [${start}, ${end}) t ${t} row ${r}`).toBe(r < mid);
          expect(Array.from({ length: end - start }, (_, k) => rowKey(ws, start + k)).sort()).toEqual(before);
          expect([...Array.from({ length: start }, (_, r) => rowKey(ws, r)), ...Array.from({ length: cap - end }, (_, k) => rowKey(ws, end + k))]).toEqual(outside);
        }
      }
    }
  });
});

describe('the wasm copy of drawn rows (copyDrawn over a loaded table)', () => {
  it('writes the working rows copyDrawnRows writes, for 1…25 features, with and without a sample, counts past 127 split', () => {
    const rng = new Rng(12);
    for (let nFeatures = 1; nFeatures <= 25; nFeatures++) {
      const { table, samples } = randomBinnedTable(rng, nFeatures, 1000);
      const { groups } = table;
      for (const rows of samples) {
        const n = rows ? rows.length : table.nRows;
        const counts = Uint8Array.from({ length: n }, () => (rng.next() < 0.4 ? 0 : 1 + rng.int(4)));
        counts[7] = 127;
        const extra = new Map([[7, 130], [n - 1, 2]]);
        if (counts[n - 1] === 0) counts[n - 1] = 127;
        const cap = n + 3;
        const w32 = new Int32Array(cap * groups);
        const want = copyDrawnRows(table, counts, extra, w32, cap, rows);
        const ws = new Workspace(cap, groups, nFeatures, 1, 'wasm');
        expect(ws.loadTable(table, rows)).toBe(true);
        expect(ws.loadedRows).toBe(n);
        ws.counts.set(counts);
        // Rows past the drawn ones are left as they were: compare the drawn ones only.
        const got = ws.copyDrawn(extra);
        expect(got).toEqual(want);
        for (let g = 0; g < groups; g++) expect([...ws.w32.subarray(g * cap, g * cap + got.rows)]).toEqual([...w32.subarray(g * cap, g * cap + want.rows)]);
      }
    }
  });

  it('copies a hand-made table: rows 1 and 3 drawn twice and once, the second a fraud', () => {
    // 3 features: one group, bytes [f0, f1, f2, tag]; the tag byte holds the label.
    const data = Uint8Array.from([10, 11, 12, 0, 20, 21, 22, 0, 30, 31, 32, 0, 40, 41, 42, 1]);
    const ws = new Workspace(4, 1, 3, 1, 'wasm');
    ws.loadTable({ data, nRows: 4, nFeatures: 3, groups: 1, nBins: new Int32Array(3) });
    ws.counts.set([0, 2, 0, 1]);
    expect(ws.copyDrawn(new Map())).toEqual({ rows: 2, cnt: 3, pos: 1 });
    expect([...ws.u8.subarray(0, 8)]).toEqual([20, 21, 22, 2, 40, 41, 42, 1 | 128]);
  });

  it('keeps the loaded table when a larger memory is allocated, and has none with the JS kernel', () => {
    const data = Uint8Array.from([1, 2, 3, 1, 4, 5, 6, 0]);
    const table = { data, nRows: 2, nFeatures: 3, groups: 1, nBins: new Int32Array(3) };
    const ws = new Workspace(2, 1, 3, 1, 'wasm');
    ws.loadTable(table);
    ws.reserve(20);
    ws.counts.set([1, 1]);
    expect(ws.copyDrawn(new Map())).toEqual({ rows: 2, cnt: 2, pos: 1 });
    expect([...ws.u8.subarray(0, 8)]).toEqual([1, 2, 3, 1 | 128, 4, 5, 6, 1]);
    const js = new Workspace(2, 1, 3, 1, 'js');
    expect(js.loadTable(table)).toBe(false);
    expect(js.loadedRows).toBe(-1);
  });
});
