import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { compileKernel, kernelSource } from '../../../scripts/build-wasm.mjs';
import { ExitCode } from '../../../src/errors.js';
import { binForPrediction, ForestTrainer, predictAsFilled, predictBinnedRows, predictParallel, predictPermuted, type ForestModel } from '../../../src/model/forest/index.js';
import { predictRange } from '../../../src/model/forest/model.js';
import { compileForest, predictBinnedJs } from '../../../src/model/forest/predictKernel.js';
import { WasmForest } from '../../../src/model/forest/predictWasm.js';
import { noisyTable } from './fixtures.js';

const data = noisyTable(6000, 21);
const trainer = ForestTrainer.open(data, { threads: 1, seed: 5 });
// Deep trees (depth 14: walks of different lengths per tree), shallow ones (depth 4: the SIMD top
// levels alone) and stumps (depth 2: leaves above level 4), from the real grower.
const deep = await trainer.train({ nTrees: 9, maxDepth: 14, seed: 6 });
const shallow = await trainer.train({ nTrees: 23, maxDepth: 4, seed: 7 });
const stumps = await trainer.train({ nTrees: 5, maxDepth: 2, seed: 8 });
await trainer.close();

/** The JS kernel on binned rows: the oracle (binning, then the packed-word walk of predictKernel.ts). */
function jsOracle(model: ForestModel, columns: Float64Array[], n: number): Float64Array {
  const rows = binForPrediction([{ columns, n }], model.parts.binEdges, model.featureNames);
  const out = new Float64Array(n);
  predictBinnedJs(compileForest(model.parts.forest), rows.bins, rows.stride, 0, n, out);
  return out;
}

/**
 * n rows drawn from the table, with a third of the values replaced by a bin edge, the double just
 * below it or just above it (where a float test and a bin test could disagree), and values
 * below the first and above the last edge.
 */
function probeRows(model: ForestModel, n: number, seed: number): Float64Array[] {
  let s = seed;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return model.parts.binEdges.map((edges, f) => {
    const col = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      const u = next();
      const e = edges.length > 0 ? edges[Math.floor(next() * edges.length)] : 0;
      if (u < 0.1) col[r] = e;
      else if (u < 0.2) col[r] = e - Math.abs(e) * 2 ** -52 - 5e-324;
      else if (u < 0.3) col[r] = e + Math.abs(e) * 2 ** -52 + 5e-324;
      else if (u < 0.32) col[r] = (edges[0] ?? 0) - 1e6;
      else if (u < 0.34) col[r] = (edges[edges.length - 1] ?? 0) + 1e6;
      else col[r] = data.columns[f][Math.floor(next() * data.nRows)];
    }
    return col;
  });
}

/** Same doubles, bit for bit (toEqual treats 0 and -0 alike; the bytes do not). */
const bytes = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('the wasm prediction kernel', () => {
  it('is the compiled predictKernel.wat (npm run build:wasm is up to date)', async () => {
    const source = kernelSource(await compileKernel('predictKernel'), 'predictKernel');
    expect(readFileSync(new URL('../../../src/model/forest/predictKernelWasm.ts', import.meta.url), 'utf8')).toBe(source);
  });

  for (const [name, model] of [['depth 14', deep], ['depth 4', shallow], ['depth 2', stumps]] as const) {
    it(`gives the JS kernel's scores bit for bit on binned rows and on float columns (${name})`, () => {
      // 1,037 rows: blocks of 256 and walks of 8 with remainders.
      const n = 1037;
      const columns = probeRows(model, n, 3);
      const expected = jsOracle(model, columns, n);
      // the probes do reach both sides of edges: rows land on different leaves than their neighbours
      expect(new Set(expected).size).toBeGreaterThan(2 * model.parts.forest.roots.length);

      const rows = binForPrediction([{ columns, n }], model.parts.binEdges, model.featureNames);
      const kernel = WasmForest.create(model.parts.forest, rows.stride)!;
      const binsOut = new Float64Array(n);
      kernel.predictBins(rows.bins, rows.stride, 0, n, binsOut);
      expect(bytes(binsOut)).toEqual(bytes(expected));
      // a range that starts mid-table writes out[0 …)
      const part = new Float64Array(300);
      kernel.predictBins(rows.bins, rows.stride, 500, 800, part);
      expect(bytes(part)).toEqual(bytes(expected.subarray(500, 800)));

      const floatsOut = new Float64Array(n);
      const bad = new Float64Array(columns.length);
      kernel.predictColumns(columns, model.parts.binEdges, 0, n, floatsOut, bad);
      expect(bytes(floatsOut)).toEqual(bytes(expected));
      expect([...bad].every((b) => b === 0)).toBe(true);

      // model.predict (chunks binned and walked in wasm) and predictRange (binning, then predictBinned: wasm) agree too
      expect(bytes(model.predict(columns, n))).toEqual(bytes(expected));
      const ranged = new Float64Array(n);
      predictRange(model.parts, columns, 0, n, ranged);
      expect(bytes(ranged)).toEqual(bytes(expected));
    });
  }

  it('predicts on all cores exactly as on one: float columns (predictParallel) and binned rows (predictBinnedRows)', async () => {
    // 2 × 16,384-row chunks and a remainder, shared and unshared columns.
    const n = 2 * 16384 + 777;
    const columns = probeRows(deep, n, 9);
    const expected = jsOracle(deep, columns, n);
    expect(bytes(await predictParallel(deep, columns, n, { threads: 2 }))).toEqual(bytes(expected));
    const shared = columns.map((c) => {
      const s = new Float64Array(new SharedArrayBuffer(c.byteLength));
      s.set(c);
      return s;
    });
    expect(bytes(await predictParallel(deep, shared, n, { threads: 3 }))).toEqual(bytes(expected));
    const rows = binForPrediction([{ columns, n }], deep.parts.binEdges, deep.featureNames);
    expect(bytes(await predictBinnedRows(deep, rows, { threads: 2 }))).toEqual(bytes(expected));
  });

  it('predicts every permuted pass (predictPermuted) as the JS oracle does on the columns with that one replaced, at 1 and 2 threads', async () => {
    // 2 chunks and a remainder per pass, so chunks of different passes interleave between the threads.
    const n = 2 * 16384 + 99;
    const columns = probeRows(deep, n, 11);
    const permuted = probeRows(deep, n, 12);
    const expected = permuted.map((p, f) => jsOracle(deep, columns.map((c, k) => (k === f ? p : c)), n));
    for (const threads of [1, 2]) {
      const passes = await predictPermuted(deep, columns, permuted, n, { threads });
      expect(passes.length).toBe(columns.length);
      passes.forEach((p, f) => expect(bytes(p)).toEqual(bytes(expected[f])));
    }
    // A pass differs from the unpermuted prediction where its feature matters (the test above checks the columns as they are).
    expect(expected.some((e) => !bytes(e).equals(bytes(jsOracle(deep, columns, n))))).toBe(true);
  });

  it('predicts shared columns while they fill (predictAsFilled): the same numbers, no chunk walked before its rows are there', async () => {
    const n = 3 * 16384 + 123;
    const columns = probeRows(deep, n, 11);
    const expected = jsOracle(deep, columns, n);
    // Zeros until filled: a chunk walked too early would give other scores.
    const shared = columns.map((c) => new Float64Array(new SharedArrayBuffer(c.byteLength)));
    const run = predictAsFilled(deep, shared, n, { threads: 2 });
    // The first chunk and a bit, then a pause long enough for the worker to start and walk what it may.
    const fill = (start: number, end: number) => {
      shared.forEach((s, f) => s.set(columns[f].subarray(start, end), start));
      run.filled(end);
    };
    fill(0, 20_000);
    await new Promise((r) => setTimeout(r, 1000));
    for (let start = 20_000; start < n; start += 5000) {
      fill(start, Math.min(n, start + 5000));
      await new Promise((r) => setTimeout(r, 2));
    }
    // (equals, not toEqual: a diff of 400 kB of bytes takes minutes)
    expect(bytes(await run.result()).equals(bytes(expected))).toBe(true);
    // Unshared columns (no workers can read them) wait for result().
    const plain = columns.map((c) => new Float64Array(c.length));
    const late = predictAsFilled(deep, plain, n, { threads: 2 });
    plain.forEach((p, f) => p.set(columns[f]));
    expect(bytes(await late.result()).equals(bytes(expected))).toBe(true);
    // A non-finite value is refused as by predictParallel.
    shared[3][n - 2] = NaN;
    const bad = predictAsFilled(deep, shared, n, { threads: 2 });
    bad.filled(n);
    await expect(bad.result()).rejects.toThrow(expect.objectContaining({ exitCode: ExitCode.Data }));
  });

  it('refuses a missing or infinite value (exit 3, naming the feature and counting its values) on every path', async () => {
    const n = 40_000;
    const columns = probeRows(deep, n, 4);
    const f = 2;
    columns[f][7] = NaN;
    columns[f][n - 1] = NaN;
    columns[f][20_000] = Infinity;
    const failure = expect.objectContaining({ exitCode: ExitCode.Data, message: `feature ${deep.featureNames[f]} has 3 missing or infinite values; the forest needs finite numbers` });
    expect(() => deep.predict(columns, n)).toThrow(failure);
    await expect(predictParallel(deep, columns, n, { threads: 1 })).rejects.toThrow(failure);
    await expect(predictParallel(deep, columns, n, { threads: 2 })).rejects.toThrow(failure);
    expect(() => binForPrediction([{ columns, n }], deep.parts.binEdges, deep.featureNames)).toThrow(failure);
  });

  it('leaves forests it cannot take to the JS kernel: a node naming a feature the rows do not have', () => {
    expect(WasmForest.create(deep.parts.forest, deep.featureNames.length)).not.toBeNull();
    expect(WasmForest.create(deep.parts.forest, Math.max(...deep.parts.forest.feature))).toBeNull();
  });

  it('leaves a split of threshold 255 to the JS kernel (the wasm walk reads threshold 255 as a leaf and stops there)', () => {
    const f = deep.parts.forest;
    const split = f.left.findIndex((l, i) => l !== i);
    expect(split).toBeGreaterThanOrEqual(0);
    const threshold = f.threshold.slice();
    threshold[split] = 255;
    expect(WasmForest.create({ ...f, threshold }, deep.featureNames.length)).toBeNull();
  });
});
