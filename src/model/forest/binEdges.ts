/**
 * Bin edges of the forest's features (quantile binning): each feature's values become bin indices
 * 0…nBins-1 (one byte), computed once per training table. Edges lie midway between neighbouring
 * distinct values, as scikit-learn's thresholds do, so a feature with at most maxBins distinct
 * values is binned without loss. A value's bin is the number of edges ≤ it, hence
 * `bin ≤ t` ⇔ `value < edges[t]` (binRows.ts turns values into bins, binnedTable.ts holds them).
 */
import { Rng } from '../../util/rng.js';
import { checkFinite } from './binRows.js';

/**
 * Rows sampled to place the edges (LightGBM's bin_construct_sample_cnt); all rows below this. A
 * 100 k sample was tried: 60 ms faster per forest, but at 200 k rows the test AUC moved by 0.005
 * (bins placed on half the rows), as much as the whole allowed gap to scikit-learn.
 */
export const BIN_SAMPLE_ROWS = 200_000;
/** Rng stream of the binning sample; tree streams are tree indices, far below this. */
const BIN_STREAM = 0xffffffff;

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
export function distinctCounts(values: Float64Array): { distinct: number[]; counts: number[] } {
  // Indexed, branch-free loops: `for…of` with `whole &&= Number.isInteger(v)` took 3-4× as long.
  const n = values.length;
  let lo = Infinity;
  let hi = -Infinity;
  let fractions = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
    fractions += +(v !== Math.floor(v));
  }
  const distinct: number[] = [];
  const counts: number[] = [];
  if (fractions === 0 && hi - lo < COUNTING_RANGE) {
    const tally = new Int32Array(hi - lo + 1);
    for (let i = 0; i < n; i++) tally[values[i] - lo]++;
    for (let i = 0; i < tally.length; i++) {
      if (tally[i] > 0) {
        distinct.push(lo + i);
        counts.push(tally[i]);
      }
    }
    return { distinct, counts };
  }
  if (hashedCounts(values, distinct, counts)) return { distinct, counts };
  const sorted = values.slice().sort();
  for (let i = 0; i < sorted.length; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) {
      distinct.push(sorted[i]);
      counts.push(1);
    } else counts[counts.length - 1]++;
  }
  return { distinct, counts };
}

/** Hashing gives up past this share of distinct values (sorting them all is then as fast). */
const HASH_DISTINCT_SHARE = 0.5;

/**
 * distinctCounts without sorting every value: each distinct value counted in an open-addressing
 * table keyed by its bits (-0 counted with 0), then only the distinct values sorted — 2-4× faster
 * than sorting the 200 k sample when values repeat (amounts in cents, risk ratios). The very
 * result of sorting them all: the same values in the same order, -0 standing for zero when any
 * zero is -0 (a sort puts -0 first, and dedupe keeps the first). False (nothing written) when more
 * than HASH_DISTINCT_SHARE of the values are distinct.
 */
function hashedCounts(values: Float64Array, distinct: number[], counts: number[]): boolean {
  const n = values.length;
  const limit = Math.floor(HASH_DISTINCT_SHARE * n);
  let bits = 4;
  while (1 << bits < 2 * limit) bits++;
  const mask = (1 << bits) - 1;
  const shift = 32 - bits;
  const slots = new Int32Array(mask + 1).fill(-1);
  const unique = new Float64Array(limit + 1);
  const tally = new Int32Array(limit + 1);
  const words = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  const hash = (lo: number, hi: number) => Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca77) >>> shift;
  let m = 0;
  let negativeZero = false;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    let h: number;
    if (v === 0) {
      negativeZero ||= words[2 * i + 1] !== 0;
      h = hash(0, 0);
    } else h = hash(words[2 * i], words[2 * i + 1]);
    for (;;) {
      const s = slots[h];
      if (s < 0) {
        if (m === limit) return false;
        slots[h] = m;
        unique[m] = v === 0 ? 0 : v;
        tally[m++] = 1;
        break;
      }
      if (unique[s] === v) {
        tally[s]++;
        break;
      }
      h = (h + 1) & mask;
    }
  }
  const sorted = unique.slice(0, m).sort();
  const bitsOf = new Uint32Array(sorted.buffer);
  for (let j = 0; j < m; j++) {
    const v = sorted[j];
    let h = v === 0 ? hash(0, 0) : hash(bitsOf[2 * j], bitsOf[2 * j + 1]);
    while (unique[slots[h]] !== v) h = (h + 1) & mask;
    distinct.push(v === 0 && negativeZero ? -0 : v);
    counts.push(tally[slots[h]]);
  }
  return true;
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
