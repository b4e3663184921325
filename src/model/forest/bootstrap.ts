/**
 * A tree's working rows: the bootstrap draw, and the drawn rows copied out of the shared table in
 * table order, each tagged `copies | label << 7` in its tag byte (histogram.ts reads it).
 */
import type { Rng } from '../../util/rng.js';
import type { BinnedTable } from './binning.js';

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
  counts.fill(0);
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
 * Writes the rows with counts[r] > 0 (plus further rows for `extra`) into `w32`, a group-major
 * buffer with the table's capacity. `drawn` is scratch space of nRows entries.
 */
export function copyDrawnRows(table: BinnedTable, counts: Uint8Array, extra: Map<number, number>, drawn: Int32Array, w32: Int32Array): DrawnRows {
  const { nRows: n, groups, data } = table;
  const src32 = new Int32Array(data.buffer, data.byteOffset, n * groups);
  let m = 0;
  for (let r = 0; r < n; r++) {
    drawn[m] = r;
    m += +(counts[r] !== 0);
  }
  // Same capacity (nRows) in both buffers, so a group starts at the same word in each.
  for (let g = 0, d = 0; g < groups; g++, d += n) for (let k = 0; k < m; k++) w32[d + k] = src32[d + drawn[k]];
  const tags = (groups - 1) * n;
  const out: DrawnRows = { rows: 0, cnt: 0, pos: 0 };
  const tag = (k: number, copies: number) => {
    const x = w32[tags + k];
    const label = x >>> 24;
    w32[tags + k] = (x & 0xffffff) | ((copies | (label << 7)) << 24);
    out.cnt += copies;
    out.pos += label * copies;
  };
  for (let k = 0; k < m; k++) tag(k, counts[drawn[k]]);
  for (const [r, more] of extra) {
    for (let left = more; left > 0; left -= MAX_COPIES, m++) {
      for (let g = 0, d = 0; g < groups; g++, d += n) w32[d + m] = src32[d + r];
      tag(m, Math.min(left, MAX_COPIES));
    }
  }
  out.rows = m;
  return out;
}
