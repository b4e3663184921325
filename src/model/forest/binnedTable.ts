/**
 * A binned training table is group-major: features in groups of four bytes, one 32-bit word per row
 * and group (word g of row r at g·cap + r). A node's rows move as a handful of words, and splitting
 * a node scans one feature's bytes at a stride of 4, not whole rows. The last byte of the last
 * group is free for a per-row tag (the label during training).
 */
import { binRows } from './binRows.js';
import type { TrainingData } from './types.js';

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
 * Rows `rows` of the group-major `table` (bins, tags and all), in that order, into `dst`: a
 * group-major buffer of rows.length rows (subTable's table, a grower's private copy).
 */
export function gatherRows(table: BinnedTable, rows: Uint32Array, dst: Int32Array): void {
  const src = new Int32Array(table.data.buffer, table.data.byteOffset, table.nRows * table.groups);
  for (let g = 0; g < table.groups; g++) {
    const from = g * table.nRows;
    const to = g * rows.length;
    for (let j = 0; j < rows.length; j++) dst[to + j] = src[from + rows[j]];
  }
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
