/**
 * Values to bin indices with the edges of binEdges.ts: a value's bin is the number of edges ≤ it.
 * Training bins group-major (binnedTable.ts), prediction row-major (one row's bytes together, as a
 * tree walk visits one row's features in random order); both go through binRows.
 */
import { dataError } from '../../errors.js';

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
    const bad = binColumn(columns[f], padEdges(edges[f]), start, end, out, offset(f), step);
    if (bad > 0) throw nonFiniteError(names[f], bad);
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

/**
 * Bins col[start…end) (edges padded by padEdges) into out[base + (r - start) · step]; returns how
 * many of those values are missing or infinite (their bytes are meaningless: the caller refuses
 * them). Counting them here, on values already loaded, took a separate pass over the columns a
 * third as long as the binning itself (~50 ms of a 1 M-row, 15-feature table).
 */
export function binColumn(col: Float64Array, padded: Float64Array, start: number, end: number, out: Uint8Array, base: number, step: number): number {
  const top = (padded.length + 1) >> 1;
  const s1 = step;
  const s2 = 2 * step;
  const s3 = 3 * step;
  let r = start;
  let o = base;
  let bad = 0;
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
    // x - x is 0 for a finite x and NaN for NaN and ±Infinity.
    bad += +(x0 - x0 !== 0) + +(x1 - x1 !== 0) + +(x2 - x2 !== 0) + +(x3 - x3 !== 0);
  }
  for (; r < end; r++, o += step) {
    const x = col[r];
    let b = 0;
    for (let step = top; step > 0; step >>= 1) b += +(x >= padded[b + step - 1]) * step;
    out[o] = b;
    bad += +(x - x !== 0);
  }
  return bad;
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
