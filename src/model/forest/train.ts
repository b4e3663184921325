/**
 * trainForest: bins the table once, then grows the trees in this thread (threads = 1) or in worker
 * threads sharing the binned table. Tree i depends only on the table, the params and i, so the
 * model is the same byte for byte at any thread count.
 */
import { binRows, computeBinEdges, featureOffset, groupCount, type BinnedTable } from './binning.js';
import { flattenTrees, forestImportances } from './flatForest.js';
import { TreeGrower } from './grow.js';
import { ForestModel } from './model.js';
import type { GrownTree } from './tree.js';
import { checkTrainingData, growParams, normaliseParams, resolveThreads, type ForestParams, type GrowParams, type TrainingData } from './types.js';
import { growInWorkers } from './workerPool.js';

export interface TrainOptions {
  /** Aborting stops the workers and rejects with signal.reason. */
  signal?: AbortSignal;
  /** Called as each tree is done (in completion order). */
  onTree?: (done: number, total: number) => void;
}

export async function trainForest(data: TrainingData, params: ForestParams, opts: TrainOptions = {}): Promise<ForestModel> {
  const stored = normaliseParams(params);
  checkTrainingData(data);
  opts.signal?.throwIfAborted();
  const { nRows, featureNames, columns } = data;
  const binEdges = computeBinEdges(columns, nRows, stored.maxBins!, stored.seed, featureNames);
  const threads = resolveThreads(params.threads, stored.nTrees);
  const table = binTable(data, binEdges, threads > 1);
  const grow = growParams(stored, featureNames.length);
  const trees =
    threads === 1 ? await growInProcess(table, grow, stored.nTrees, opts) : await growInWorkers(table, grow, stored.nTrees, threads, opts);
  return new ForestModel({
    featureNames: [...featureNames],
    params: stored,
    binEdges,
    importances: forestImportances(trees, featureNames.length),
    forest: flattenTrees(trees),
  });
}

/** The group-major binned table with each row's label in its tag byte; shared memory for workers. */
function binTable(data: TrainingData, binEdges: Float64Array[], shared: boolean): BinnedTable {
  const { nRows, featureNames, columns, labels } = data;
  const groups = groupCount(featureNames.length);
  const bytes = nRows * groups * 4;
  const bins = new Uint8Array(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  binRows(columns, binEdges, 0, nRows, bins, (f) => featureOffset(f, nRows), 4, featureNames);
  for (let r = 0, o = featureOffset(groups * 4 - 1, nRows); r < nRows; r++, o += 4) bins[o] = labels[r];
  return { data: bins, nRows, nFeatures: featureNames.length, groups, nBins: Int32Array.from(binEdges, (e) => e.length + 1) };
}

/** One tree at a time, yielding to the event loop between trees so an abort can land. */
async function growInProcess(table: BinnedTable, params: GrowParams, nTrees: number, opts: TrainOptions): Promise<GrownTree[]> {
  const grower = new TreeGrower(table, params);
  const trees: GrownTree[] = [];
  for (let i = 0; i < nTrees; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    opts.signal?.throwIfAborted();
    trees.push(grower.grow(i));
    opts.onTree?.(i + 1, nTrees);
  }
  return trees;
}
