/**
 * The grower's inner loops over a tree's working rows, kept in the group-major layout of
 * binnedTable.ts: `groups` arrays of one 32-bit word per row (word g of row i at g·cap + i), each word
 * holding four feature bins, little-endian. The tag byte (the last byte of the last group) holds
 * `copies | label << 7`: how many bootstrap draws the row stands for (1…127) and its label. A
 * node's rows are contiguous, so building its histogram is a sequential scan, and splitting it an
 * in-place partition that scans one feature's bytes and moves only misplaced rows.
 *
 * Histograms are Int32 (bootstrap-weighted counts), 256 slots per byte of a row (those of the tag
 * byte unused); `cnt` counts all rows, `pos` the fraud rows.
 */

export interface Hist {
  cnt: Int32Array;
  pos: Int32Array;
  /** Byte offset of cnt in its workspace's memory (where the wasm kernel finds it); pos follows cnt. */
  at: number;
}

/** Adds rows [start, end) of a table of `nFeatures` to the histograms (histogramKernel.wat's accumulate in JS). */
export function accumulate(w32: Int32Array, cap: number, nFeatures: number, start: number, end: number, cnt: Int32Array, pos: Int32Array): void {
  const full = nFeatures >> 2;
  const last = nFeatures & 3;
  const tagGroup = full * cap;
  for (let i = start; i < end; i++) {
    const tag = w32[tagGroup + i] >>> 24;
    addRow(w32, cap, full, last, i, tag & 127, cnt);
    if (tag > 127) addRow(w32, cap, full, last, i, tag & 127, pos);
  }
}

/** Adds w to the slots of row i's bins: `full` whole words, then `last` bytes of the tag's word. */
export function addRow(w32: Int32Array, cap: number, full: number, last: number, i: number, w: number, h: Int32Array): void {
  let k = i;
  let o = 0;
  for (let g = 0; g < full; g++, k += cap, o += 1024) {
    const x = w32[k];
    h[o + (x & 255)] += w;
    h[o + 256 + ((x >>> 8) & 255)] += w;
    h[o + 512 + ((x >>> 16) & 255)] += w;
    h[o + 768 + (x >>> 24)] += w;
  }
  const x = w32[k];
  if (last > 0) h[o + (x & 255)] += w;
  if (last > 1) h[o + 256 + ((x >>> 8) & 255)] += w;
  if (last > 2) h[o + 512 + ((x >>> 16) & 255)] += w;
}

/** parent -= child over each feature's bins: the sibling's histogram without touching its rows. */
export function subtract(parent: Hist, child: Hist, nBins: Int32Array): void {
  const { cnt, pos } = parent;
  for (let f = 0; f < nBins.length; f++) {
    for (let i = f << 8, e = i + nBins[f]; i < e; i++) {
      cnt[i] -= child.cnt[i];
      pos[i] -= child.pos[i];
    }
  }
}

/** Zeroes each feature's bins (the only slots ever filled). */
export function clearHist(h: Hist, nBins: Int32Array): void {
  for (let f = 0; f < nBins.length; f++) {
    h.cnt.fill(0, f << 8, (f << 8) + nBins[f]);
    h.pos.fill(0, f << 8, (f << 8) + nBins[f]);
  }
}

/**
 * Reorders rows [start, end) so that those with bin ≤ t of feature f come first (Hoare's scheme:
 * only misplaced rows move, all their groups). Returns the first row of the right part.
 */
export function partition(u8: Uint8Array, w32: Int32Array, cap: number, groups: number, start: number, end: number, f: number, t: number): number {
  const base = (f >> 2) * cap * 4 + (f & 3);
  let i = start;
  let j = end - 1;
  for (;;) {
    while (i <= j && u8[base + 4 * i] <= t) i++;
    while (i <= j && u8[base + 4 * j] > t) j--;
    if (i > j) return i;
    for (let g = 0, a = i, b = j; g < groups; g++, a += cap, b += cap) {
      const x = w32[a];
      w32[a] = w32[b];
      w32[b] = x;
    }
    i++;
    j--;
  }
}

/** The chosen split of a node: rows with bin ≤ threshold of `feature` go left. */
export interface Split {
  feature: number;
  threshold: number;
  score: number;
  leftCnt: number;
  leftPos: number;
}

/**
 * Best Gini split of one feature's histogram, if it beats `best` (which it updates). Candidates lie
 * between neighbouring non-empty bins; the threshold is the middle bin of the empty gap between them,
 * as scikit-learn puts its threshold midway between the two values. The score is scikit-learn's
 * impurity-improvement proxy Σ_children Σ_class count² / count; ties go to the lower feature index,
 * then the lower threshold, so the order features are drawn in never matters. Returns false when
 * the feature is constant in the node (a single non-empty bin).
 */
export function scanFeature(
  cnt: Int32Array,
  pos: Int32Array,
  f: number,
  nBins: number,
  total: number,
  totalPos: number,
  minLeaf: number,
  best: Split,
): boolean {
  const o = f << 8;
  let cl = 0;
  let pl = 0;
  let last = -1;
  let nonEmpty = 0;
  for (let b = 0; b < nBins; b++) {
    const c = cnt[o + b];
    if (c === 0) continue;
    nonEmpty++;
    if (last >= 0 && cl >= minLeaf && total - cl >= minLeaf) {
      const cr = total - cl;
      const pr = totalPos - pl;
      const nl = cl - pl;
      const nr = cr - pr;
      const score = (pl * pl + nl * nl) / cl + (pr * pr + nr * nr) / cr;
      const t = (last + b - 1) >> 1;
      if (score > best.score || (score === best.score && (f < best.feature || (f === best.feature && t < best.threshold)))) {
        best.feature = f;
        best.threshold = t;
        best.score = score;
        best.leftCnt = cl;
        best.leftPos = pl;
      }
    }
    cl += c;
    pl += pos[o + b];
    last = b;
  }
  return nonEmpty > 1;
}
