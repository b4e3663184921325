/**
 * Quantile binning: each feature's values become bin indices 0…nBins-1 (one byte), computed once per
 * training table. Edges lie midway between neighbouring distinct values, as scikit-learn's thresholds
 * do, so a feature with at most maxBins distinct values is binned without loss. A value's bin is the
 * number of edges ≤ it, hence `bin ≤ t` ⇔ `value < edges[t]`.
 *
 * A binned training table is group-major: features in groups of four bytes, one 32-bit word per row
 * and group (word g of row r at g·cap + r). A node's rows move as a handful of words, and splitting
 * a node scans one feature's bytes at a stride of 4, not whole rows. The last byte of the last
 * group is free for a per-row tag (the label during training). Prediction bins rows row-major
 * instead (one row's bytes together), as a tree walk visits one row's features in random order.
 */
import { dataError } from '../../errors.js';
import { Rng } from '../../util/rng.js';
import type { TrainingData } from './types.js';

/**
 * Rows sampled to place the edges (LightGBM's bin_construct_sample_cnt); all rows below this. A
 * 100 k sample was tried: 60 ms faster per forest, but at 200 k rows the test AUC moved by 0.005
 * (bins placed on half the rows), as much as the whole allowed gap to scikit-learn.
 */
export const BIN_SAMPLE_ROWS = 200_000;
/** Rng stream of the binning sample; tree streams are tree indices, far below this. */
const BIN_STREAM = 0xffffffff;

/** A binned training table (group-major, `nRows` capacity), the label (0/1) in each row's tag byte. */
export interface BinnedTable {
  data: Uint8Array;
  nRows: number;
  nFeatures: number;
  groups: number;
  /** Bins per feature: its edges + 1. */
  nBins: Int32Array;
}

/** Words per row of a group-major table: the features and one tag byte, four to a word. */
export function groupCount(nFeatures: number): number {
  return (nFeatures + 4) >> 2;
}

/** Byte of feature f (the tag when f = 4·groups - 1) of row 0 in a group-major table of `cap` rows; row r is 4r further on. */
export function featureOffset(f: number, cap: number): number {
  return (f >> 2) * cap * 4 + (f & 3);
}

/**
 * How edges are spread over a feature's rows. Plain quantile bins (tailFraction 0) give each bin
 * ~1/maxBins of the rows, so with 255 bins the top 0.4 % of a feature share one bin and a rule on
 * its extreme values (the handbook's amount > 220) cannot be learned. Here the `tailFraction` of
 * rows at each end weigh more: each tail gets `tailShare` of the bins (its rows are cut that much
 * finer), the bulk the rest. Chosen values: see DEFAULT_BINNING.
 */
export interface BinningOptions {
  /** Share of the rows at each end binned finer (0 = plain quantile bins). */
  tailFraction: number;
  /** Share of the bins that each tail gets. */
  tailShare: number;
}

/** Plain quantile bins: what fraudctl did before tail-keeping binning (kept for tests and bench). */
export const QUANTILE_BINNING: BinningOptions = { tailFraction: 0, tailShare: 0 };

/**
 * The default, measured with bench/forest_tails.mjs (issue 13's run: 68,222 train rows of 2018-07-25…31,
 * test 2018-08-08, 100 trees of depth 20; AUC / AP / mean score of scenario-1 frauds / of genuine
 * amounts 200–220, one seed): quantile 0.908 / 0.625 / 0.45 / 0.44 (top amount edge 205); tails
 * 0.01:0.25 0.894 / 0.672 / 0.93 / 0.05; 0.005:0.25 0.894 / 0.670 / 0.97 / 0.04; 0.01:0.125 0.898 /
 * 0.672 / 0.88 / 0.10; 0.02:0.25 0.897 / 0.658 / 0.90 / 0.10; 0.02:0.35 0.884 / 0.671 / 0.88 / 0.06;
 * scikit-learn (exact, 3 seeds) 0.894 / 0.671 / 0.94 / 0.04. Over seeds 1…3, 0.01:0.25 gives
 * 0.889 / 0.676 / 0.93 / 0.04. 0.01 rather than 0.005: the fine region then reaches past the top
 * 0.5 % of a feature (the issue's bar) with room to spare, at the same AP; a quarter of the bins per
 * tail rather than an eighth: an eighth lets genuine 200–220 amounts score 0.10.
 */
export const DEFAULT_BINNING: BinningOptions = { tailFraction: 0.01, tailShare: 0.25 };

/** Edges of every feature from a sample of the rows (or all of them when there are few). */
export function computeBinEdges(
  columns: Float64Array[],
  nRows: number,
  maxBins: number,
  seed: number,
  names: readonly string[],
  binning: BinningOptions = DEFAULT_BINNING,
): Float64Array[] {
  const sampleRows = binSampleRows(nRows, seed);
  return columns.map((col, f) => {
    const values = sampleRows ? gather(col, sampleRows) : col.slice(0, nRows);
    checkFinite(values, values.length, names[f]);
    return featureEdges(values, maxBins, binning);
  });
}

/** The rows edges are placed on: a stratified sample of BIN_SAMPLE_ROWS, or null for all rows. */
export function binSampleRows(nRows: number, seed: number): Uint32Array | null {
  return nRows <= BIN_SAMPLE_ROWS ? null : stratifiedSample(nRows, BIN_SAMPLE_ROWS, new Rng(seed, BIN_STREAM));
}

/** One feature's edges from its (finite) sample values; depends on nothing else, so any thread may compute it. */
export function featureEdges(values: Float64Array, maxBins: number, binning: BinningOptions = DEFAULT_BINNING): Float64Array {
  const { distinct, counts } = distinctCounts(values);
  return cutEdges(distinct, tailWeights(counts, values.length, binning), maxBins);
}

/** Widest range of whole numbers counted without sorting (counts, flags: most fraud features). */
const COUNTING_RANGE = 1 << 16;

/** The distinct values in ascending order and how often each occurs. */
function distinctCounts(values: Float64Array): { distinct: number[]; counts: number[] } {
  let lo = Infinity;
  let hi = -Infinity;
  let whole = true;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    whole &&= Number.isInteger(v);
  }
  const distinct: number[] = [];
  const counts: number[] = [];
  if (whole && hi - lo < COUNTING_RANGE) {
    const tally = new Int32Array(hi - lo + 1);
    for (const v of values) tally[v - lo]++;
    tally.forEach((c, i) => {
      if (c > 0) {
        distinct.push(lo + i);
        counts.push(c);
      }
    });
    return { distinct, counts };
  }
  const sorted = values.slice().sort();
  for (let i = 0; i < sorted.length; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) {
      distinct.push(sorted[i]);
      counts.push(1);
    } else counts[counts.length - 1]++;
  }
  return { distinct, counts };
}

/** One row drawn from each of k equal blocks of [0, n): spread over the table whatever its order. */
function stratifiedSample(n: number, k: number, rng: Rng): Uint32Array {
  const rows = new Uint32Array(k);
  for (let i = 0; i < k; i++) {
    const lo = Math.floor((i * n) / k);
    rows[i] = lo + rng.int(Math.floor(((i + 1) * n) / k) - lo);
  }
  return rows;
}

/** col[rows[i]] for each i, into `out` (a new array by default). */
export function gather(col: Float64Array, rows: Uint32Array, out = new Float64Array(rows.length)): Float64Array {
  for (let i = 0; i < rows.length; i++) out[i] = col[rows[i]];
  return out;
}

/**
 * Each distinct value's weight: its rows, those among the first or last tailFraction·total rows
 * counted `r` times, r chosen so that each tail carries tailShare of the total weight. With
 * tailFraction 0 the weights are the counts (plain quantile bins).
 */
function tailWeights(counts: number[], total: number, { tailFraction, tailShare }: BinningOptions): number[] {
  const tail = tailFraction * total;
  if (tail <= 0 || tailShare <= 0 || 2 * tail >= total) return counts;
  const r = Math.max(1, (tailShare * (total - 2 * tail)) / (tail * (1 - 2 * tailShare)));
  // Cumulative weight of the first x rows (in ascending order of value).
  const cum = (x: number) => r * Math.min(x, tail) + Math.max(0, Math.min(x, total - tail) - tail) + r * Math.max(0, x - (total - tail));
  const weights: number[] = new Array(counts.length);
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    weights[i] = cum(below + counts[i]) - cum(below);
    below += counts[i];
  }
  return weights;
}

/**
 * Greedy cuts over the distinct values (ascending, with weights): a bin closes once it holds its
 * share of the weight still to place, so a value carrying half the rows gets a bin of its own and
 * the rest spread evenly by weight. A feature with at most maxBins distinct values is binned exactly.
 */
function cutEdges(distinct: number[], weights: number[], maxBins: number): Float64Array {
  const edges: number[] = [];
  if (distinct.length <= maxBins) {
    for (let i = 1; i < distinct.length; i++) edges.push(midpoint(distinct[i - 1], distinct[i]));
    return Float64Array.from(edges);
  }
  let total = 0;
  for (const w of weights) total += w;
  let placed = 0;
  let inBin = 0;
  for (let i = 0; i < distinct.length - 1 && edges.length < maxBins - 1; i++) {
    inBin += weights[i];
    const target = (total - placed) / (maxBins - edges.length);
    if (inBin >= target) {
      edges.push(midpoint(distinct[i], distinct[i + 1]));
      placed += inBin;
      inBin = 0;
    }
  }
  return Float64Array.from(edges);
}

/** A threshold strictly above a and at most b, so a goes left and b right. */
function midpoint(a: number, b: number): number {
  const m = a + (b - a) / 2;
  return m > a && m <= b ? m : b;
}

/**
 * Bins rows [start, end) of the columns into `out`: feature f of row r at
 * offset(f) + (r - start) · step. Non-finite values are refused: a NaN would silently land in bin 0.
 */
export function binRows(
  columns: readonly Float64Array[],
  edges: readonly Float64Array[],
  start: number,
  end: number,
  out: Uint8Array,
  offset: (f: number) => number,
  step: number,
  names: readonly string[],
): void {
  for (let f = 0; f < columns.length; f++) {
    const col = columns[f];
    checkFinite(col.subarray(start, end), end - start, names[f]);
    binColumn(col, padEdges(edges[f]), start, end, out, offset(f), step);
  }
}

/** Edges padded with +Infinity to 2^k - 1 entries, for a branch-free search of fixed length. */
export function padEdges(edges: Float64Array): Float64Array {
  let size = 1;
  while (size - 1 < edges.length) size *= 2;
  const padded = new Float64Array(size - 1).fill(Infinity);
  padded.set(edges);
  return padded;
}

/** Bins col[start…end) (edges padded by padEdges) into out[base + (r - start) · step]. */
export function binColumn(col: Float64Array, padded: Float64Array, start: number, end: number, out: Uint8Array, base: number, step: number): void {
  const top = (padded.length + 1) >> 1;
  const s1 = step;
  const s2 = 2 * step;
  const s3 = 3 * step;
  let r = start;
  let o = base;
  // Branch-free binary search, four values at a time so their chains of loads overlap; b ends as
  // the count of edges ≤ x. (`+bool` compiles to a flag move, where `? :` would branch.)
  for (; r + 4 <= end; r += 4, o += 4 * step) {
    const x0 = col[r];
    const x1 = col[r + 1];
    const x2 = col[r + 2];
    const x3 = col[r + 3];
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    let b3 = 0;
    for (let step = top; step > 0; step >>= 1) {
      const s = step - 1;
      b0 += +(x0 >= padded[b0 + s]) * step;
      b1 += +(x1 >= padded[b1 + s]) * step;
      b2 += +(x2 >= padded[b2 + s]) * step;
      b3 += +(x3 >= padded[b3 + s]) * step;
    }
    out[o] = b0;
    out[o + s1] = b1;
    out[o + s2] = b2;
    out[o + s3] = b3;
  }
  for (; r < end; r++, o += step) {
    const x = col[r];
    let b = 0;
    for (let step = top; step > 0; step >>= 1) b += +(x >= padded[b + step - 1]) * step;
    out[o] = b;
  }
}

/** Missing (NaN) or infinite values among values[0…n). */
export function countNonFinite(values: Float64Array, n: number = values.length): number {
  let bad = 0;
  for (let i = 0; i < n; i++) if (values[i] - values[i] !== 0) bad++;
  return bad;
}

/** The error for `bad` non-finite values of a feature (exit 3). */
export function nonFiniteError(name: string, bad: number): Error {
  return dataError(`feature ${name} has ${bad} missing or infinite values; the forest needs finite numbers`);
}

export function checkFinite(values: Float64Array, n: number, name: string): void {
  const bad = countNonFinite(values, n);
  if (bad > 0) throw nonFiniteError(name, bad);
}

/** An empty group-major table (shared memory when workers will read it). */
export function allocateTable(nRows: number, nFeatures: number, shared: boolean): BinnedTable {
  const groups = groupCount(nFeatures);
  const buffer = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  return { data: new Uint8Array(buffer(nRows * groups * 4)), nRows, nFeatures, groups, nBins: new Int32Array(buffer(nFeatures * 4)) };
}

/** Bins the columns into the table, each row's label in its tag byte. */
export function fillTable(table: BinnedTable, data: TrainingData, binEdges: Float64Array[]): void {
  const { nRows, featureNames, columns, labels } = data;
  binRows(columns, binEdges, 0, nRows, table.data, (f) => featureOffset(f, nRows), 4, featureNames);
  finishTable(table, labels, binEdges);
}

/** Once the features are binned: each row's label into its tag byte, each feature's bin count. */
export function finishTable(table: BinnedTable, labels: Uint8Array, binEdges: readonly Float64Array[]): void {
  const { nRows, data } = table;
  for (let r = 0, o = featureOffset(table.groups * 4 - 1, nRows); r < nRows; r++, o += 4) data[o] = labels[r];
  binEdges.forEach((e, f) => (table.nBins[f] = e.length + 1));
}
