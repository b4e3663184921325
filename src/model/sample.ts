import { usageError } from '../errors.js';
import { Rng } from '../util/rng.js';

/**
 * Rng(seed, trial) would mix the trial into the seed by XOR first, so seed 1's trial 3 drew the
 * rows of seed 2's trial 0 (1 ^ 3 = 2 ^ 0); a fixed stream id in front scrambles the seed first.
 */
const SAMPLE_STREAM = 0x5a3b;

/**
 * The train rows of one trial (DESIGN.md §4): exactly round(n · fraction) distinct row indices,
 * ascending, drawn with Rng(seed, SAMPLE_STREAM, trial) — each trial its own sample, the same inputs the same one.
 * `fraction` is `--sample`, in (0, 1]; 1 takes every row. The result is empty when n · fraction < 0.5.
 *
 * Selection sampling (Knuth's Algorithm S): row t is taken with probability (still needed) /
 * (rows left), which gives every k-subset the same chance, exactly k rows, and indices already in
 * order — one pass, one uniform per row, nothing to sort (about 0.1 s for 4.5 M rows).
 */
export function sampleRows(n: number, fraction: number, seed: number, trial: number): Uint32Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`row count must be a whole number in [0, 2^32), got ${n}`);
  if (!(fraction > 0 && fraction <= 1)) throw usageError(`--sample must be a fraction in (0, 1], got ${fraction}`);
  const k = Math.round(n * fraction);
  const out = new Uint32Array(k);
  if (k === n) {
    for (let i = 0; i < n; i++) out[i] = i;
    return out;
  }
  const rng = new Rng(seed, SAMPLE_STREAM, trial);
  let m = 0;
  for (let t = 0; m < k; t++) {
    if ((n - t) * rng.next() < k - m) out[m++] = t;
  }
  return out;
}

/** The rows `idx` of every column and of the labels, as new arrays (column-major, like the input). */
export function takeRows(columns: Float64Array[], labels: Uint8Array, idx: Uint32Array): { columns: Float64Array[]; labels: Uint8Array } {
  const n = labels.length;
  columns.forEach((c, j) => {
    if (c.length !== n) throw new RangeError(`column ${j} has ${c.length} rows, the labels ${n}`);
  });
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] >= n) throw new RangeError(`row index ${idx[i]} is out of range (${n} rows)`);
  }
  const outLabels = new Uint8Array(idx.length);
  for (let i = 0; i < idx.length; i++) outLabels[i] = labels[idx[i]];
  const outColumns = columns.map((c) => {
    const o = new Float64Array(idx.length);
    for (let i = 0; i < idx.length; i++) o[i] = c[idx[i]];
    return o;
  });
  return { columns: outColumns, labels: outLabels };
}
