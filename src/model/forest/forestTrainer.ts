/**
 * ForestTrainer: one binned table and one pool of workers for many fits (a search's trials). The
 * bin edges are computed and the table binned once, when it opens; each fit then draws its trees
 * from a set of the table's rows (a trial's sample, by index), so nothing is copied or binned per
 * fit and no worker is started per fit. A fit on rows `idx` grows the very trees a fit on the
 * table of those rows alone, binned with the same edges, would grow (same candidates in the same
 * order), and tree i depends only on the table, the params and i, so the model is the same byte
 * for byte at any thread count.
 */
import { usageError } from '../../errors.js';
import { binInWorkers } from './binInWorkers.js';
import { computeBinEdges, type BinningOptions } from './binEdges.js';
import { allocateTable, fillTable, gatherRows, type BinnedTable } from './binnedTable.js';
import { flattenTrees, forestImportances } from './flatForest.js';
import { TreeGrower } from './grow.js';
import { GrowPool } from './growPool.js';
import { ForestModel } from './model.js';
import type { GrownTree } from './tree.js';
import type { HistogramKernel } from './workspace.js';
import { checkTrainingData, growParams, MAX_BINS, normaliseParams, resolveThreads, type ForestParams, type GrowParams, type TrainingData } from './types.js';

export interface TrainerOptions {
  /** Threads (default: available cores): this one and threads - 1 workers (1: this thread alone). Never changes a model. */
  threads?: number;
  /** Bins per feature (default 255); every fit's params.maxBins must match. */
  maxBins?: number;
  /** Seed of the row sample the edges are placed on (tables above 200 k rows). */
  seed: number;
  /** How edges are placed (default DEFAULT_BINNING). */
  binning?: BinningOptions;
  /** Edges to use instead of computing them (one Float64Array per feature). */
  binEdges?: Float64Array[];
  /** Histogram kernel (default 'wasm'; 'js' for tests and benchmarks): never changes a model. */
  kernel?: HistogramKernel;
  /**
   * Workers to grow with instead of starting `threads` of its own (ForestTrainer.pool): several
   * trainers then share one set of workers and their buffers (train's search and refit), one fit
   * at a time. The trainer does not close a pool it was given.
   */
  pool?: GrowPool;
}

export interface FitOptions {
  /** The table rows to train on (indices, each < nRows; default: all rows in order). */
  rows?: Uint32Array;
  /** Aborting stops the workers (the trainer is unusable afterwards) and rejects with signal.reason. */
  signal?: AbortSignal;
  /** Called as each tree is done (in completion order). */
  onTree?: (done: number, total: number) => void;
}

export class ForestTrainer {
  private grower: TreeGrower | undefined;
  private closed = false;

  private constructor(
    private readonly data: TrainingData,
    private table: BinnedTable,
    readonly binEdges: Float64Array[],
    private readonly maxBins: number,
    private readonly pool: GrowPool | undefined,
    private readonly kernel: HistogramKernel | undefined,
    private readonly ownsPool: boolean,
  ) {}

  /**
   * Worker threads for trainers to share (close it after the last of them is done): threads - 1 of
   * them, since a fit grows on the caller's thread too (and bins there); undefined for 1 thread.
   */
  static pool(threads?: number, kernel?: HistogramKernel): GrowPool | undefined {
    const n = resolveThreads(threads, Infinity);
    return n > 1 ? new GrowPool(n - 1, kernel) : undefined;
  }

  /** Bins `data` in this thread (while the workers start up) and starts `threads` - 1 workers. */
  static open(data: TrainingData, opts: TrainerOptions): ForestTrainer {
    const { maxBins, pool, ownsPool, table } = ForestTrainer.prepare(data, opts);
    try {
      const binEdges = opts.binEdges ?? computeBinEdges(data.columns, data.nRows, maxBins, opts.seed, data.featureNames, opts.binning);
      fillTable(table, data, binEdges);
      return new ForestTrainer(data, table, binEdges, maxBins, pool, opts.kernel, ownsPool);
    } catch (err) {
      if (ownsPool) void pool?.close();
      throw err;
    }
  }

  /**
   * As open, but bins on the workers too (binInWorkers.ts: this thread and the pool's workers):
   * the same edges and table byte for byte. With one thread (no pool) it is open.
   */
  static async openAsync(data: TrainingData, opts: TrainerOptions): Promise<ForestTrainer> {
    const { maxBins, pool, ownsPool, table } = ForestTrainer.prepare(data, opts);
    try {
      const helpers = pool ? pool.size : 0;
      let binEdges: Float64Array[];
      if (pool && helpers > 0) binEdges = (await binInWorkers(pool, helpers, data, table, { maxBins, seed: opts.seed, binning: opts.binning, binEdges: opts.binEdges })).edges;
      else {
        binEdges = opts.binEdges ?? computeBinEdges(data.columns, data.nRows, maxBins, opts.seed, data.featureNames, opts.binning);
        fillTable(table, data, binEdges);
      }
      return new ForestTrainer(data, table, binEdges, maxBins, pool, opts.kernel, ownsPool);
    } catch (err) {
      if (ownsPool) void pool?.close();
      throw err;
    }
  }

  /** Checks the data and maxBins, starts the workers (unless given a pool) and allocates the table. */
  private static prepare(data: TrainingData, opts: TrainerOptions): { maxBins: number; pool: GrowPool | undefined; ownsPool: boolean; table: BinnedTable } {
    checkTrainingData(data);
    const maxBins = opts.maxBins ?? MAX_BINS;
    if (!(Number.isInteger(maxBins) && maxBins >= 2 && maxBins <= MAX_BINS)) throw usageError(`maxBins must be an integer in 2…${MAX_BINS}, got ${maxBins}`);
    const ownsPool = !opts.pool;
    const pool = opts.pool ?? ForestTrainer.pool(opts.threads, opts.kernel);
    return { maxBins, pool, ownsPool, table: allocateTable(data.nRows, data.featureNames.length, pool !== undefined) };
  }

  /** Trains one forest on the fit's rows; params.threads is ignored (the trainer's threads grow it). */
  async train(params: ForestParams, opts: FitOptions = {}): Promise<ForestModel> {
    const stored = normaliseParams(params);
    if (stored.maxBins !== this.maxBins) throw usageError(`maxBins ${stored.maxBins} differs from the trainer's ${this.maxBins} (the table is binned once)`);
    if (this.closed) throw new Error('ForestTrainer is closed');
    const { rows } = opts;
    if (rows) checkRows(rows, this.table.nRows);
    opts.signal?.throwIfAborted();
    const { featureNames } = this.data;
    const grow = growParams(stored, featureNames.length);
    // A fit on part of the table (a trial's sample) grows on a copy of just those rows, in order:
    // the trees a fit on `rows` grows (the same candidates in the same order), while each tree's
    // copy of its drawn rows reads half the memory (a 0.5 sample of 2.5 M rows: 8-19 % faster fits,
    // for one ~20 ms gather a fit). The wasm kernel's growers make that copy themselves, into their
    // own memory (workspace.ts's loadTable: each thread gathers the rows beside the others, and no
    // shared copy is held); the JS kernel's share one made here.
    const copyHere = rows && rows.length < this.table.nRows && this.kernel === 'js';
    const [table, fitRows] = copyHere ? [subTable(this.table, rows, this.pool !== undefined), undefined] : [this.table, rows];
    const trees = this.pool ? await this.pool.grow(table, grow, fitRows, stored.nTrees, { ...opts, here: this.growerFor(table, grow, fitRows) }) : await this.growInProcess(table, grow, fitRows, stored.nTrees, opts);
    return new ForestModel({
      featureNames: [...featureNames],
      params: stored,
      binEdges: this.binEdges,
      importances: forestImportances(trees, featureNames.length),
      forest: flattenTrees(trees),
    });
  }

  /**
   * Closes the trainer's own workers (a shared pool stays open for its owner to close) and lets its
   * binned table go, though the trainer object may still be referenced (48 MB at 3 M rows).
   */
  async close(): Promise<void> {
    this.closed = true;
    this.table = allocateTable(0, this.table.nFeatures, false);
    this.grower = undefined;
    if (this.ownsPool) await this.pool?.close();
  }

  /** This thread's grower, configured for a fit; tree i of it. */
  private growerFor(table: BinnedTable, params: GrowParams, rows: Uint32Array | undefined): (tree: number) => GrownTree {
    if (this.grower) this.grower.configure(params, rows, table);
    else this.grower = new TreeGrower(table, params, rows, this.kernel);
    const grower = this.grower;
    return (tree) => grower.grow(tree);
  }

  /** One tree at a time, yielding to the event loop between trees so an abort can land. */
  private async growInProcess(table: BinnedTable, params: GrowParams, rows: Uint32Array | undefined, nTrees: number, opts: FitOptions): Promise<GrownTree[]> {
    const grow = this.growerFor(table, params, rows);
    const trees: GrownTree[] = [];
    for (let i = 0; i < nTrees; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      opts.signal?.throwIfAborted();
      trees.push(grow(i));
      opts.onTree?.(i + 1, nTrees);
    }
    return trees;
  }
}

/** Rows `rows` of a group-major table (bins, tags and all), in that order, as a table of their own. */
export function subTable(table: BinnedTable, rows: Uint32Array, shared: boolean): BinnedTable {
  const sub = allocateTable(rows.length, table.nFeatures, shared);
  gatherRows(table, rows, new Int32Array(sub.data.buffer, sub.data.byteOffset, rows.length * table.groups));
  sub.nBins.set(table.nBins);
  return sub;
}

function checkRows(rows: Uint32Array, nRows: number): void {
  if (rows.length === 0) throw usageError('a fit needs at least one row');
  for (let i = 0; i < rows.length; i++) if (rows[i] >= nRows) throw new RangeError(`row index ${rows[i]} is out of range (${nRows} rows)`);
}
