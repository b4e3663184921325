/** The random-forest engine (issue 4): histogram trees, worker threads, a versioned binary model file. */
export type { TrainingData, ForestParams } from './types.js';
export { trainForest, type TrainOptions } from './train.js';
export { ForestTrainer, type TrainerOptions, type FitOptions } from './forestTrainer.js';
export type { GrowPool } from './growPool.js';
export { ForestModel } from './model.js';
export { predictAsFilled, predictBinnedRows, predictParallel, predictPermuted, type FilledPrediction } from './predictParallel.js';
export { saveForest, loadForest } from './io.js';
export { MODEL_FORMAT_VERSION } from './modelFile.js';
export { DEFAULT_BINNING, QUANTILE_BINNING, type BinningOptions } from './binEdges.js';
export { binForPrediction, type BinnedRows } from './binnedRows.js';
