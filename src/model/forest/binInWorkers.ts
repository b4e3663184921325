/**
 * Binning a training table on the grow pool's workers and this thread together (ForestTrainer.openAsync),
 * byte for byte what binEdges.ts, binRows.ts and binnedTable.ts do serially: the same sample, the same per-feature edges (each
 * feature's depend on its sample values only) and the same bins (each value's depends on its edges
 * only); only who computes which part changes.
 *
 * Edges: this thread gathers each feature's sample into shared memory, and the workers take
 * features from one atomic counter as soon as their sample is there (gathering reads all the
 * columns, ~1/10 of binning at 2.5 M rows: serial before the workers had anything to do); this
 * thread joins in once it has gathered them all (a feature with many distinct doubles sorts for
 * ~20 ms, a count feature tallies in 1, so features are handed out as threads free up, not split in advance).
 * Table: the columns are the caller's (not shared memory, and copying them all would double a
 * large train set's footprint), so this thread walks the rows in blocks, copying a block into a
 * worker's free staging slot when it has one and binning the block itself when not; a worker
 * bins the blocks of its slots into the shared table. Copying a block costs ~1/15 of binning it.
 * Missing or infinite values are counted per feature and refused afterwards with the serial message.
 *
 * Columns in shared memory (train's stacked window: trainingSet.ts's stackedColumns) need neither
 * the serial gather nor the staging: every thread takes features from one counter, gathering each
 * one's sample and placing its edges, then takes the table's (group, rows) pieces from another,
 * binning a piece once its group's edges are placed (binShared). The worker, booting meanwhile
 * (~60-80 ms), joins with all the work still ahead of it rather than waiting for this thread's gather.
 */
import type { BinningOptions } from './binEdges.js';
import type { BinnedTable } from './binnedTable.js';
import { binSampleRows, featureEdges, gather } from './binEdges.js';
import { binColumn, checkFinite, countNonFinite, nonFiniteError, padEdges } from './binRows.js';
import { featureOffset, finishTable } from './binnedTable.js';
import type { GrowPool } from './growPool.js';
import type { TrainingData } from './types.js';

/** Rows per staged block (3.9 MB of 15 features), and staged blocks per worker. */
const BLOCK = 1 << 15;
const SLOTS = 2;
/** Words of a ring's control array: bumped on every change, blocks handed, blocks binned, no more blocks. */
const EPOCH = 0;
const HANDED = 1;
const BINNED = 2;
const END = 3;
/** Set by the worker as it takes the job: a worker still starting up is handed no block. */
const STARTED = 4;

type WaitAsync = (a: Int32Array, index: number, value: number) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** Resolves once a[index] ≠ value (or at once); rejects if the pool fails meanwhile, which would leave it waiting. */
async function changed(pool: GrowPool, a: Int32Array, index: number, value: number): Promise<void> {
  const w = waitAsync(a, index, value);
  if (w.async) await Promise.race([w.value, pool.failed]);
}

/** A worker's part of the edges: features taken from `next` until none is left. */
export interface EdgesJob {
  job: 'edges';
  /** Feature f's sample values at [f · sampleRows, (f + 1) · sampleRows). */
  samples: Float64Array;
  sampleRows: number;
  nFeatures: number;
  maxBins: number;
  binning: BinningOptions | undefined;
  next: Int32Array;
  /** Features whose sample is gathered (they are gathered in order), or -1 once gathering failed. */
  gathered: Int32Array;
  /** Feature f's edges at f · (maxBins - 1), `lengths[f]` of them (-1 until they are written). */
  edges: Float64Array;
  lengths: Int32Array;
}

/** A worker's part of the table: the blocks staged in its ring until END. */
export interface FillJob {
  job: 'fill';
  ctl: Int32Array;
  /** Slot s's block: rows [info[2s], info[2s + 1]) of the table. */
  info: Int32Array;
  /** Slot s's feature f at (s · nFeatures + f) · BLOCK. */
  staging: Float64Array;
  edges: Float64Array[];
  table: Uint8Array;
  nRows: number;
  /** Non-finite values per feature, added up by every thread. */
  bad: Int32Array;
}

/** Every thread's part of binning columns in shared memory (binShared). */
export interface SharedJob {
  job: 'shared';
  columns: Float64Array[];
  nRows: number;
  /** The binning sample's rows (binSampleRows), or null for all rows; unused when the edges are given. */
  sample: Uint32Array | null;
  maxBins: number;
  binning: BinningOptions | undefined;
  /** NEXT_FEATURE, NEXT_PIECE, PIECES_DONE, STOP. */
  ctl: Int32Array;
  /** Feature f's edges at f · (maxBins - 1), `lengths[f]` of them (-1 until they are placed). */
  edges: Float64Array;
  lengths: Int32Array;
  /** Non-finite values per feature in its sample (its edges are then empty), and over all rows. */
  sampleBad: Int32Array;
  bad: Int32Array;
  table: Uint8Array;
  /** Pieces each thread took (index 0 this thread's), features placed included. */
  taken: Int32Array;
  /** The worker's index in `taken` (1…). */
  worker?: number;
}

export type BinJob = EdgesJob | FillJob | SharedJob;

const shared = <T>(make: new (b: SharedArrayBuffer) => T, bytes: number): T => new make(new SharedArrayBuffer(bytes));

/** A worker's side of a job (worker.ts); returns when its part is done. */
export function runBinJob(job: BinJob): void {
  if (job.job === 'edges') takeEdges(job);
  else if (job.job === 'fill') binStaged(job);
  else {
    const next = sharedStep(job, job.worker ?? 1);
    for (let s = next(); s !== DONE; s = next()) {
      if (s === WORKED) continue;
      // Blocked on feature s's edges, placed by another thread; STOP when that thread has failed.
      while (Atomics.load(job.lengths, s) < 0 && !Atomics.load(job.ctl, STOP)) Atomics.wait(job.lengths, s, -1, 100);
      if (Atomics.load(job.ctl, STOP)) return;
    }
  }
}

/** Takes features until none is left; returns how many this thread took. */
function takeEdges(job: EdgesJob): number {
  const { samples, sampleRows, nFeatures, maxBins, next, edges, lengths } = job;
  let taken = 0;
  for (let f = Atomics.add(next, 0, 1); f < nFeatures; f = Atomics.add(next, 0, 1), taken++) {
    for (let g = Atomics.load(job.gathered, 0); g <= f; g = Atomics.load(job.gathered, 0)) {
      if (g < 0) return taken;
      Atomics.wait(job.gathered, 0, g);
    }
    const e = featureEdges(samples.subarray(f * sampleRows, (f + 1) * sampleRows), maxBins, job.binning);
    edges.set(e, f * (maxBins - 1));
    Atomics.store(lengths, f, e.length);
    Atomics.notify(lengths, f);
  }
  return taken;
}

/**
 * Bins rows [start, end) of features [f0, f1) of `columns` (whose row `start` is at index `from`)
 * into the table, adding their non-finite values to `bad`.
 */
function binBlock(columns: readonly Float64Array[], from: number, padded: Float64Array[], start: number, end: number, table: Uint8Array, nRows: number, bad: Int32Array, f0 = 0, f1 = columns.length): void {
  const len = end - start;
  for (let f = f0; f < f1; f++) {
    const n = binColumn(columns[f], padded[f], from, from + len, table, featureOffset(f, nRows) + 4 * start, 4);
    if (n > 0) Atomics.add(bad, f, n);
  }
}

function binStaged(job: FillJob): void {
  const { ctl, info, staging, table, nRows, bad } = job;
  const nFeatures = job.edges.length;
  const padded = job.edges.map(padEdges);
  Atomics.store(ctl, STARTED, 1);
  for (let k = 0; ; ) {
    const epoch = Atomics.load(ctl, EPOCH);
    if (k < Atomics.load(ctl, HANDED)) {
      const s = k % SLOTS;
      const at = s * nFeatures * BLOCK;
      const cols = Array.from({ length: nFeatures }, (_, f) => staging.subarray(at + f * BLOCK, at + (f + 1) * BLOCK));
      binBlock(cols, 0, padded, info[2 * s], info[2 * s + 1], table, nRows, bad);
      Atomics.store(ctl, BINNED, ++k);
      Atomics.notify(ctl, BINNED);
    } else if (Atomics.load(ctl, END)) return;
    // Returns at once if this thread's main side changed anything since `epoch` was read.
    else Atomics.wait(ctl, EPOCH, epoch);
  }
}

/** Options of binInWorkers: as ForestTrainer's. */
export interface BinOptions {
  maxBins: number;
  seed: number;
  binning?: BinningOptions;
  binEdges?: Float64Array[];
}

/**
 * Fills `table` (shared memory, `data.nRows` rows) using `workers` of the pool's workers beside
 * this thread; returns the edges and what the workers did: the blocks staged for them (columns not
 * in shared memory) or the features and pieces they took (columns in shared memory). Throws
 * binRows.ts's errors for non-finite values.
 */
export async function binInWorkers(
  pool: GrowPool,
  workers: number,
  data: TrainingData,
  table: BinnedTable,
  opts: BinOptions,
): Promise<{ edges: Float64Array[]; stagedBlocks: number; workerPieces: number }> {
  if (data.columns.every((c) => c.buffer instanceof SharedArrayBuffer)) return { ...(await binShared(pool, workers, data, table, opts)), stagedBlocks: 0 };
  const edges = opts.binEdges ?? (await edgesInWorkers(pool, workers, data, opts));
  return { edges, stagedBlocks: await fillInWorkers(pool, workers, data, table, edges), workerPieces: 0 };
}

/** Rows of a piece of the table (a multiple of 16: two threads never write one cache line). */
const PIECE_ROWS = 1 << 16;
/** Words of SharedJob.ctl. */
const NEXT_FEATURE = 0;
const NEXT_PIECE = 1;
const PIECES_DONE = 2;
const STOP = 3;
/** What sharedStep's step returns once no piece is left (else -1 for a piece done, or the feature it waits for). */
const DONE = -2;
const WORKED = -1;

const piecesOf = (nRows: number, nFeatures: number) => {
  const perGroup = Math.max(1, Math.ceil(nRows / PIECE_ROWS));
  return { perGroup, total: perGroup * Math.ceil(nFeatures / 4) };
};

/**
 * One thread's steps of a SharedJob: each call places one feature's edges, or bins one piece
 * (a group's four features over PIECE_ROWS rows, group-major order so the first groups' edges are
 * placed first), returning WORKED; or returns the feature whose edges the piece it holds waits
 * for (call again once they are placed), or DONE.
 */
function sharedStep(job: SharedJob, thread: number): () => number {
  const { columns, nRows, sample, maxBins, ctl, edges, lengths, sampleBad, bad, table, taken } = job;
  const nFeatures = columns.length;
  const { perGroup, total } = piecesOf(nRows, nFeatures);
  const padded: Float64Array[] = [];
  const values = new Float64Array(sample ? sample.length : 0);
  let piece = -1;
  return () => {
    if (piece < 0) {
      const f = Atomics.add(ctl, NEXT_FEATURE, 1);
      if (f < nFeatures) {
        const col = columns[f];
        const v = sample ? gather(col, sample, values) : col.subarray(0, nRows);
        const n = countNonFinite(v);
        const e = n > 0 ? new Float64Array(0) : featureEdges(v, maxBins, job.binning);
        sampleBad[f] = n;
        edges.set(e, f * (maxBins - 1));
        Atomics.store(lengths, f, e.length);
        Atomics.notify(lengths, f);
        Atomics.add(taken, thread, 1);
        return WORKED;
      }
      piece = Atomics.add(ctl, NEXT_PIECE, 1);
      if (piece >= total) return DONE;
    }
    const g = Math.floor(piece / perGroup);
    const start = (piece % perGroup) * PIECE_ROWS;
    const end = Math.min(nRows, start + PIECE_ROWS);
    const last = Math.min(nFeatures, 4 * g + 4);
    for (let f = 4 * g; f < last; f++) {
      const len = Atomics.load(lengths, f);
      if (len < 0) return f;
      padded[f] ??= padEdges(edges.subarray(f * (maxBins - 1), f * (maxBins - 1) + len));
    }
    binBlock(columns, start, padded, start, end, table, nRows, bad, 4 * g, last);
    piece = -1;
    Atomics.add(taken, thread, 1);
    Atomics.add(ctl, PIECES_DONE, 1);
    Atomics.notify(ctl, PIECES_DONE);
    return WORKED;
  };
}

async function binShared(pool: GrowPool, workers: number, data: TrainingData, table: BinnedTable, opts: BinOptions): Promise<{ edges: Float64Array[]; workerPieces: number }> {
  const { nRows, columns, featureNames, labels } = data;
  const nFeatures = columns.length;
  const { maxBins } = opts;
  const given = opts.binEdges;
  const rows = given ? null : binSampleRows(nRows, opts.seed);
  const job: SharedJob = {
    job: 'shared',
    columns,
    nRows,
    sample: rows && shared(Uint32Array, rows.length * 4),
    maxBins,
    binning: opts.binning,
    ctl: shared(Int32Array, 4 * 4),
    edges: shared(Float64Array, nFeatures * (maxBins - 1) * 8),
    lengths: shared(Int32Array, nFeatures * 4).fill(-1),
    sampleBad: shared(Int32Array, nFeatures * 4),
    bad: shared(Int32Array, nFeatures * 4),
    table: table.data,
    taken: shared(Int32Array, (workers + 1) * 4),
  };
  if (rows) job.sample!.set(rows);
  if (given) {
    // Edges given (a validation set binned with the train set's): only the pieces are left.
    given.forEach((e, f) => (job.edges.set(e, f * (maxBins - 1)), (job.lengths[f] = e.length)));
    job.ctl[NEXT_FEATURE] = nFeatures;
  }
  // Not awaited: a worker still starting up joins once it has (the pieces left are its part).
  pool.run(Array.from({ length: workers }, (_, w) => ({ ...job, worker: w + 1 }))).catch(() => {});
  const { total } = piecesOf(nRows, nFeatures);
  try {
    const next = sharedStep(job, 0);
    for (let s = next(); s !== DONE; s = next()) if (s >= 0) await changed(pool, job.lengths, s, -1);
    for (let d = Atomics.load(job.ctl, PIECES_DONE); d < total; d = Atomics.load(job.ctl, PIECES_DONE)) await changed(pool, job.ctl, PIECES_DONE, d);
  } catch (err) {
    // A worker waiting for edges this thread was to place returns to the pool.
    Atomics.store(job.ctl, STOP, 1);
    throw err;
  }
  // The serial order of refusals: a sample's non-finite values (computeBinEdges), then the table's (fillTable).
  for (const counts of [job.sampleBad, job.bad]) {
    const f = featureNames.findIndex((_, i) => counts[i] > 0);
    if (f >= 0) throw nonFiniteError(featureNames[f], counts[f]);
  }
  const edges = given ?? Array.from({ length: nFeatures }, (_, f) => job.edges.slice(f * (maxBins - 1), f * (maxBins - 1) + job.lengths[f]));
  finishTable(table, labels, edges);
  return { edges, workerPieces: job.taken.reduce((a, b) => a + b, 0) - job.taken[0] };
}

async function edgesInWorkers(pool: GrowPool, workers: number, data: TrainingData, { maxBins, seed, binning }: BinOptions): Promise<Float64Array[]> {
  const { nRows, columns, featureNames } = data;
  const nFeatures = columns.length;
  const rows = binSampleRows(nRows, seed);
  const sampleRows = rows ? rows.length : nRows;
  const samples = shared(Float64Array, nFeatures * sampleRows * 8);
  const job: EdgesJob = {
    job: 'edges',
    samples,
    sampleRows,
    nFeatures,
    maxBins,
    binning,
    next: shared(Int32Array, 4),
    gathered: shared(Int32Array, 4),
    edges: shared(Float64Array, nFeatures * (maxBins - 1) * 8),
    lengths: shared(Int32Array, nFeatures * 4).fill(-1),
  };
  // Not awaited: a worker still starting up answers once it has, and is not waited for.
  pool.run(new Array<BinJob>(workers).fill(job)).catch(() => {});
  const { gathered } = job;
  try {
    columns.forEach((col, f) => {
      const values = samples.subarray(f * sampleRows, (f + 1) * sampleRows);
      if (rows) gather(col, rows, values);
      else values.set(col.subarray(0, nRows));
      checkFinite(values, sampleRows, featureNames[f]);
      Atomics.store(gathered, 0, f + 1);
      Atomics.notify(gathered, 0);
    });
  } catch (err) {
    // A worker waiting for a sample returns to the pool.
    Atomics.store(gathered, 0, -1);
    Atomics.notify(gathered, 0);
    throw err;
  }
  if (takeEdges(job) < nFeatures) {
    for (let f = 0; f < nFeatures; f++) await changed(pool, job.lengths, f, -1);
  }
  return Array.from({ length: nFeatures }, (_, f) => job.edges.slice(f * (maxBins - 1), f * (maxBins - 1) + job.lengths[f]));
}

async function fillInWorkers(pool: GrowPool, workers: number, data: TrainingData, table: BinnedTable, edges: Float64Array[]): Promise<number> {
  const { nRows, columns, featureNames, labels } = data;
  const nFeatures = columns.length;
  const bad = shared(Int32Array, nFeatures * 4);
  const jobs: FillJob[] = Array.from({ length: workers }, () => ({
    job: 'fill',
    ctl: shared(Int32Array, 5 * 4),
    info: shared(Int32Array, SLOTS * 2 * 4),
    staging: shared(Float64Array, SLOTS * nFeatures * BLOCK * 8),
    edges,
    table: table.data,
    nRows,
    bad,
  }));
  // Not awaited, as for the edges: only the blocks a worker was handed are waited for.
  pool.run(jobs).catch(() => {});
  const padded = edges.map(padEdges);
  const handed = new Int32Array(workers);
  try {
    for (let start = 0; start < nRows; start += BLOCK) {
      const end = Math.min(nRows, start + BLOCK);
      const w = jobs.findIndex((j, i) => handed[i] - Atomics.load(j.ctl, BINNED) < SLOTS && Atomics.load(j.ctl, STARTED) === 1);
      if (w < 0) {
        binBlock(columns, start, padded, start, end, table.data, nRows, bad);
        continue;
      }
      const { ctl, info, staging } = jobs[w];
      const s = handed[w]++ % SLOTS;
      columns.forEach((col, f) => staging.set(col.subarray(start, end), (s * nFeatures + f) * BLOCK));
      info[2 * s] = start;
      info[2 * s + 1] = end;
      Atomics.store(ctl, HANDED, handed[w]);
      Atomics.add(ctl, EPOCH, 1);
      Atomics.notify(ctl, EPOCH);
    }
  } finally {
    // Even when this thread failed: a worker waiting for blocks must return to the pool.
    for (const { ctl } of jobs) {
      Atomics.store(ctl, END, 1);
      Atomics.add(ctl, EPOCH, 1);
      Atomics.notify(ctl, EPOCH);
    }
  }
  for (const [w, { ctl }] of jobs.entries()) {
    for (let b = Atomics.load(ctl, BINNED); b < handed[w]; b = Atomics.load(ctl, BINNED)) await changed(pool, ctl, BINNED, b);
  }
  featureNames.forEach((name, f) => {
    if (bad[f] > 0) throw nonFiniteError(name, bad[f]);
  });
  finishTable(table, labels, edges);
  return handed.reduce((a, b) => a + b, 0);
}
