/**
 * trainForest: one forest on a whole table — a ForestTrainer opened for a single fit (bins the
 * table once, on every thread, grows the trees in this thread or in workers sharing it). A search that fits many
 * forests on one table opens a ForestTrainer itself and keeps it (forestTrainer.ts).
 */
import type { BinningOptions } from './binEdges.js';
import { ForestTrainer } from './forestTrainer.js';
import type { ForestModel } from './model.js';
import { normaliseParams, resolveThreads, type ForestParams, type TrainingData } from './types.js';

export interface TrainOptions {
  /** Aborting stops the workers and rejects with signal.reason. */
  signal?: AbortSignal;
  /** Called as each tree is done (in completion order). */
  onTree?: (done: number, total: number) => void;
  /** How bin edges are placed (default DEFAULT_BINNING); the edges go into the model, so it predicts alike whatever was used. */
  binning?: BinningOptions;
}

export async function trainForest(data: TrainingData, params: ForestParams, opts: TrainOptions = {}): Promise<ForestModel> {
  const stored = normaliseParams(params);
  opts.signal?.throwIfAborted();
  const trainer = await ForestTrainer.openAsync(data, { threads: resolveThreads(params.threads, stored.nTrees), maxBins: stored.maxBins, seed: stored.seed, binning: opts.binning });
  try {
    return await trainer.train(stored, opts);
  } finally {
    await trainer.close();
  }
}
