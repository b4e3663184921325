/**
 * A tree's working rows: the bootstrap draw, and the drawn rows copied out of the shared table in
 * table order, each tagged `copies | label << 7` in its tag byte (histogram.ts reads it).
 */
import type { Rng } from '../../util/rng.js';
import type { BinnedTable } from './binning.js';
import { addRow, type Hist } from './histogram.js';

/** Copies a working row stands for at most: the count shares the tag byte with the label bit. */
export const MAX_COPIES = 127;

/**
 * counts[i] = how often row i comes up in n uniform draws with replacement, saturating at
 * MAX_COPIES with the rest in `extra` (in practice never: P(Poisson(1) ≥ 127) is nil). A byte per
 * row keeps the scattered increments in cache, which is what this loop's time is made of. Draws
 * use Lemire's multiply-shift with rejection: exactly uniform, and no division (Rng.int's modulo
 * costs more than the rest of the draw).
 */
export function drawBootstrap(rng: Pick<Rng, 'u32'>, n: number, counts: Uint8Array, extra: Map<number, number>): void {
  counts.fill(0, 0, n);
  extra.clear();
  const reject = (4294967296 - n) % n;
  for (let k = 0; k < n; k++) {
    let x = rng.u32();
    // Math.imul gives the low 32 bits of x·n exactly; the draw is the high bits.
    while (Math.imul(x, n) >>> 0 < reject) x = rng.u32();
    const i = Math.floor(((x >>> 16) * n + Math.floor(((x & 0xffff) * n) / 65536)) / 65536);
    if (counts[i] === MAX_COPIES) extra.set(i, (extra.get(i) ?? 0) + 1);
    else counts[i]++;
  }
}

export interface DrawnRows {
  /** Working rows written. */
  rows: number;
  /** Draws they stand for, in all and of fraud rows. */
  cnt: number;
  pos: number;
}

/**
 * Writes the drawn rows into `w32`, a group-major buffer of `cap` rows (≥ the candidates), and adds them
 * to `hist` (the root's histogram, so the root's rows are not scanned a second time). Candidate i
 * is table row rows[i] (every row in order without `rows`: a trial's sample of a shared table);
 * it is drawn counts[i] times (plus `extra`). Working rows keep candidate order, so a table binned
 * once and sampled by index gives the very working rows of a table built from the sample.
 */
export function copyDrawnRows(table: BinnedTable, counts: Uint8Array, extra: Map<number, number>, w32: Int32Array, cap: number, hist: Hist, rows?: Uint32Array): DrawnRows {
  const { nRows, groups, data, nFeatures } = table;
  const src32 = new Int32Array(data.buffer, data.byteOffset, nRows * groups);
  const full = nFeatures >> 2;
  const last = nFeatures & 3;
  const tags = (groups - 1) * cap;
  const candidates = rows ? rows.length : nRows;
  const out: DrawnRows = { rows: 0, cnt: 0, pos: 0 };
  let m = 0;
  const copy = (r: number, copies: number) => {
    for (let g = 0, d = 0, s = 0; g < groups; g++, d += cap, s += nRows) w32[d + m] = src32[s + r];
    const x = w32[tags + m];
    const label = x >>> 24;
    w32[tags + m] = (x & 0xffffff) | ((copies | (label << 7)) << 24);
    addRow(w32, cap, full, last, m, copies, hist.cnt);
    if (label) addRow(w32, cap, full, last, m, copies, hist.pos);
    out.cnt += copies;
    out.pos += label * copies;
    m++;
  };
  for (let i = 0; i < candidates; i++) {
    const c = counts[i];
    if (c !== 0) copy(rows ? rows[i] : i, c);
  }
  for (const [i, more] of extra) for (let left = more; left > 0; left -= MAX_COPIES) copy(rows ? rows[i] : i, Math.min(left, MAX_COPIES));
  out.rows = m;
  return out;
}
