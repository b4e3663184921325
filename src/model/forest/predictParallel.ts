import { availableParallelism } from 'node:os';
import { checkColumns, type ForestModel } from './model.js';
import { predictInWorkers } from './workerPool.js';

/** Below this many rows per thread, starting workers costs more than it saves. */
const MIN_ROWS_PER_WORKER = 50_000;

/**
 * ForestModel.predict spread over worker threads (default: available cores) by ranges of rows;
 * the result is identical to predict's.
 */
export async function predictParallel(model: ForestModel, columns: Float64Array[], nRows: number, opts: { threads?: number } = {}): Promise<Float64Array> {
  checkColumns(model.featureNames, columns, nRows);
  const threads = Math.max(1, Math.min(opts.threads ?? availableParallelism(), Math.floor(nRows / MIN_ROWS_PER_WORKER)));
  if (threads === 1) return model.predict(columns, nRows);
  return predictInWorkers(model.parts, columns, nRows, threads);
}
