/**
 * A tree's working rows: the bootstrap draw, and the drawn rows copied out of the shared table in
 * table order, each tagged `copies | label << 7` in its tag byte (histogram.ts reads it).
 */
import type { Rng } from '../../util/rng.js';
import type { BinnedTable } from './binnedTable.js';

/** Copies a working row stands for at most: the count shares the tag byte with the label bit. */
export const MAX_COPIES = 127;

/** u32 values drawn at a time (fillU32 keeps the generator's state in locals). */
const DRAW_BLOCK = 4096;
const block = new Uint32Array(DRAW_BLOCK);

/**
 * counts[i] = how often row i comes up in n uniform draws with replacement, saturating at
 * MAX_COPIES with the rest in `extra` (in practice never: P(Poisson(1) ≥ 127) is nil). A byte per
 * row keeps the scattered increments in cache, which is what this loop's time is made of. Draws
 * use Lemire's multiply-shift with rejection: exactly uniform, and no division (Rng.int's modulo
 * costs more than the rest of the draw). Values are taken from the generator in blocks of at most
 * the draws still to make, so exactly as many are consumed as one u32() per draw (plus one per
 * rejection) would: what the generator gives next (the split features) does not change.
 */
export function drawBootstrap(rng: Pick<Rng, 'fillU32'>, n: number, counts: Uint8Array, extra: Map<number, number>): void {
  counts.fill(0, 0, n);
  extra.clear();
  const reject = (4294967296 - n) % n;
  // Below 2^21 rows x·n < 2^53 is exact in a double, and so is its scaling by 2^-32.
  const small = n <= 2 ** 21;
  let left = n;
  while (left > 0) {
    const size = Math.min(left, DRAW_BLOCK);
    rng.fillU32(block, size);
    for (let k = 0; k < size; k++) {
      const x = block[k];
      // Math.imul gives the low 32 bits of x·n exactly; the draw is the high bits.
      if (Math.imul(x, n) >>> 0 < reject) continue;
      left--;
      const i = small ? Math.floor(x * n * 2.3283064365386963e-10) : Math.floor(((x >>> 16) * n + Math.floor(((x & 0xffff) * n) / 65536)) / 65536);
      if (counts[i] === MAX_COPIES) extra.set(i, (extra.get(i) ?? 0) + 1);
      else counts[i]++;
    }
  }
}

export interface DrawnRows {
  /** Working rows written. */
  rows: number;
  /** Draws they stand for, in all and of fraud rows. */
  cnt: number;
  pos: number;
}

/** A grower's scratch for copyDrawnRows: each working row's table row and copies. */
export interface DrawScratch {
  source: Int32Array;
  copies: Uint8Array;
}

export function drawScratch(nRows: number): DrawScratch {
  return { source: new Int32Array(nRows), copies: new Uint8Array(nRows) };
}

/**
 * Writes the drawn rows into `w32`, a group-major buffer of `cap` rows (at least the fit's candidates:
 * a working row stands for ≥ 1 of the n draws). Candidate i is table row rows[i] (every row in order without
 * `rows`: a trial's sample of a shared table); it is drawn counts[i] times (plus `extra`). Working
 * rows keep candidate order, so a table binned once and sampled by index gives the very working
 * rows of a table built from the sample. In passes: the drawn rows' sources listed (branch-free),
 * then their words gathered (up to three groups and the tags a pass) and the tags rewritten. The
 * JS kernel's copy (and the oracle of the wasm one, histogramKernel.wat's copy).
 */
export function copyDrawnRows(
  table: BinnedTable,
  counts: Uint8Array,
  extra: Map<number, number>,
  w32: Int32Array,
  cap: number,
  rows?: Uint32Array,
  scratch: DrawScratch = drawScratch(cap),
): DrawnRows {
  const { nRows, groups, data } = table;
  const { source, copies } = scratch;
  const src32 = new Int32Array(data.buffer, data.byteOffset, nRows * groups);
  const candidates = rows ? rows.length : nRows;
  let m = 0;
  if (rows) {
    for (let i = 0; i < candidates; i++) {
      const c = counts[i];
      source[m] = rows[i];
      copies[m] = c;
      m += +(c !== 0);
    }
  } else {
    for (let i = 0; i < candidates; i++) {
      const c = counts[i];
      source[m] = i;
      copies[m] = c;
      m += +(c !== 0);
    }
  }
  for (const [i, more] of extra) {
    for (let left = more; left > 0; left -= MAX_COPIES) {
      source[m] = rows ? rows[i] : i;
      copies[m++] = Math.min(left, MAX_COPIES);
    }
  }
  // Each working row's words in one pass over the sources (a pass per group read them and the
  // table's rows once per group: the copy took ~1/3 longer at 2.5 M rows, and memory is what two
  // threads share). The first pass takes data groups 0…2 with the tags; a group that does not
  // exist is the tags' own, whose word is written last.
  const last = groups - 1;
  for (let g = 3; g < last; g += 3) copyGroups(src32, nRows, w32, cap, source, m, g, Math.min(g + 1, last - 1), Math.min(g + 2, last - 1));
  const [sa, sb, sc] = [0, 1, 2].map((g) => Math.min(g, last) * nRows);
  const [da, db, dc] = [0, 1, 2].map((g) => Math.min(g, last) * cap);
  const tags = last * cap;
  const srcTags = last * nRows;
  let cnt = 0;
  let pos = 0;
  for (let j = 0; j < m; j++) {
    const s = source[j];
    w32[da + j] = src32[sa + s];
    w32[db + j] = src32[sb + s];
    w32[dc + j] = src32[sc + s];
    const x = src32[srcTags + s];
    const label = x >>> 24;
    const c = copies[j];
    w32[tags + j] = (x & 0xffffff) | ((c | (label << 7)) << 24);
    cnt += c;
    pos += label * c;
  }
  return { rows: m, cnt, pos };
}

/** Groups a, b and c (a group given twice is copied twice) of working rows [0, m) from table rows source[j]. */
function copyGroups(src32: Int32Array, nRows: number, w32: Int32Array, cap: number, source: Int32Array, m: number, a: number, b: number, c: number): void {
  const [sa, sb, sc] = [a * nRows, b * nRows, c * nRows];
  const [da, db, dc] = [a * cap, b * cap, c * cap];
  for (let j = 0; j < m; j++) {
    const s = source[j];
    w32[da + j] = src32[sa + s];
    w32[db + j] = src32[sb + s];
    w32[dc + j] = src32[sc + s];
  }
}
