import { Rng } from '../util/rng.js';
import { STREAM } from './params.js';

/** The map is a 100 × 100 square (handbook units). */
const MAP_SIZE = 100;
/** Upper bound on grid cells per axis: a tiny radius must not allocate a huge grid. */
const MAX_CELLS_PER_AXIS = 1024;

export interface CustomerProfiles {
  count: number;
  x: Float64Array;
  y: Float64Array;
  meanAmount: Float64Array;
  stdAmount: Float64Array;
  meanTxPerDay: Float64Array;
}

export interface TerminalProfiles {
  count: number;
  x: Float64Array;
  y: Float64Array;
}

/** Terminals each customer can use, as compressed rows: customer c uses ids[offsets[c] .. offsets[c+1]). */
export interface AvailableTerminals {
  offsets: Int32Array;
  ids: Int32Array;
}

/** x, y ~ U(0,100); mean amount ~ U(5,100), std = mean/2; transactions per day ~ U(0,4). Drawn in that order per customer. */
export function generateCustomers(n: number, seed: number): CustomerProfiles {
  const rng = new Rng(seed, STREAM.customers);
  const p: CustomerProfiles = {
    count: n,
    x: new Float64Array(n),
    y: new Float64Array(n),
    meanAmount: new Float64Array(n),
    stdAmount: new Float64Array(n),
    meanTxPerDay: new Float64Array(n),
  };
  for (let c = 0; c < n; c++) {
    p.x[c] = rng.uniform(0, MAP_SIZE);
    p.y[c] = rng.uniform(0, MAP_SIZE);
    p.meanAmount[c] = rng.uniform(5, 100);
    p.stdAmount[c] = p.meanAmount[c] / 2;
    p.meanTxPerDay[c] = rng.uniform(0, 4);
  }
  return p;
}

export function generateTerminals(m: number, seed: number): TerminalProfiles {
  const rng = new Rng(seed, STREAM.terminals);
  const t: TerminalProfiles = { count: m, x: new Float64Array(m), y: new Float64Array(m) };
  for (let i = 0; i < m; i++) {
    t.x[i] = rng.uniform(0, MAP_SIZE);
    t.y[i] = rng.uniform(0, MAP_SIZE);
  }
  return t;
}

/**
 * For each customer, the terminals at Euclidean distance strictly below `radius`, ascending by id.
 * Terminals are bucketed in a grid whose cells are at least `radius` wide, so only the 3 × 3 cells
 * around a customer need checking: O(customers × terminals within reach), not O(customers × terminals).
 */
export function findAvailableTerminals(customers: CustomerProfiles, terminals: TerminalProfiles, radius: number): AvailableTerminals {
  const g = Math.max(1, Math.min(MAX_CELLS_PER_AXIS, Math.floor(MAP_SIZE / radius)));
  const cellSize = MAP_SIZE / g;
  const cellOf = (v: number) => Math.min(g - 1, Math.max(0, Math.floor(v / cellSize)));

  // Terminals sorted by cell (counting sort, stable: ascending id within a cell).
  const cellStart = new Int32Array(g * g + 1);
  const cellOfTerminal = new Int32Array(terminals.count);
  for (let t = 0; t < terminals.count; t++) {
    const cell = cellOf(terminals.y[t]) * g + cellOf(terminals.x[t]);
    cellOfTerminal[t] = cell;
    cellStart[cell + 1]++;
  }
  for (let i = 0; i < g * g; i++) cellStart[i + 1] += cellStart[i];
  const cellTerminals = new Int32Array(terminals.count);
  const fill = cellStart.slice(0, g * g);
  for (let t = 0; t < terminals.count; t++) cellTerminals[fill[cellOfTerminal[t]]++] = t;

  const r2 = radius * radius;
  const offsets = new Int32Array(customers.count + 1);
  let ids = new Int32Array(Math.min(1 << 24, Math.max(16, customers.count * Math.min(terminals.count, estimateReach(terminals.count, radius)))));
  let n = 0;
  for (let c = 0; c < customers.count; c++) {
    const cx = customers.x[c];
    const cy = customers.y[c];
    const gx = cellOf(cx);
    const gy = cellOf(cy);
    const first = n;
    for (let yy = Math.max(0, gy - 1); yy <= Math.min(g - 1, gy + 1); yy++) {
      for (let xx = Math.max(0, gx - 1); xx <= Math.min(g - 1, gx + 1); xx++) {
        const cell = yy * g + xx;
        for (let k = cellStart[cell]; k < cellStart[cell + 1]; k++) {
          const t = cellTerminals[k];
          const dx = terminals.x[t] - cx;
          const dy = terminals.y[t] - cy;
          if (dx * dx + dy * dy < r2) {
            if (n === ids.length) ids = grow(ids);
            ids[n++] = t;
          }
        }
      }
    }
    insertionSort(ids, first, n);
    offsets[c + 1] = n;
  }
  return { offsets, ids: ids.slice(0, n) };
}

/** Expected terminals within reach (disc area share of the map), with some slack. */
function estimateReach(m: number, radius: number): number {
  return Math.ceil((m * Math.PI * radius * radius) / (MAP_SIZE * MAP_SIZE) * 1.1) + 1;
}

function grow(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

function insertionSort(a: Int32Array, from: number, to: number): void {
  for (let i = from + 1; i < to; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= from && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}
