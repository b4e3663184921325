/** Public input types of the forest engine, and their validated internal form. */
import { availableParallelism } from 'node:os';
import { dataError, usageError } from '../../errors.js';

/** A training table: one Float64Array per feature (column-major, in `featureNames` order), 0/1 labels. */
export interface TrainingData {
  nRows: number;
  featureNames: readonly string[];
  columns: Float64Array[];
  labels: Uint8Array;
}

export interface ForestParams {
  nTrees: number;
  maxDepth: number;
  /** Features tried per split: 'sqrt' (default, ⌊√n⌋ as scikit-learn), a count ≥ 1, or a fraction in (0, 1). */
  maxFeatures?: 'sqrt' | number;
  /** Minimum bootstrap-weighted rows in a leaf (each drawn copy counts; default 1). */
  minSamplesLeaf?: number;
  /** Draw nRows rows with replacement per tree (default true), as scikit-learn's bootstrap. */
  bootstrap?: boolean;
  seed: number;
  /** Worker threads (default: available cores); never changes the result. Not stored in the model. */
  threads?: number;
  /** Histogram bins per feature, 2…255 (default 255). */
  maxBins?: number;
}

/** Parameters with defaults applied and maxFeatures resolved to a count; what a tree grower needs. */
export interface GrowParams {
  maxDepth: number;
  maxFeatures: number;
  minSamplesLeaf: number;
  bootstrap: boolean;
  seed: number;
}

/** Bins are one byte and a leaf's threshold is 255, so there are at most 255 bins (0…254 + leaf). */
export const MAX_BINS = 255;
/** A tree node stores its feature index in a byte. */
export const MAX_FEATURES = 256;
/** Weighted counts are Int32 sums of bootstrap draws, and nRows draws are made per tree. */
export const MAX_ROWS = 2 ** 31 - 1;
/** Deep enough for any sensible forest; bounds the per-tree stack of histograms. */
export const MAX_DEPTH = 64;

/** The params as stored in a model: defaults filled in, `threads` dropped (it never changes the model). */
export function normaliseParams(p: ForestParams): ForestParams {
  const out: ForestParams = {
    nTrees: p.nTrees,
    maxDepth: p.maxDepth,
    maxFeatures: p.maxFeatures ?? 'sqrt',
    minSamplesLeaf: p.minSamplesLeaf ?? 1,
    bootstrap: p.bootstrap ?? true,
    seed: p.seed,
    maxBins: p.maxBins ?? MAX_BINS,
  };
  const problems: string[] = [];
  const int = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
  if (!int(out.nTrees, 1, 100_000)) problems.push(`nTrees must be an integer in 1…100000, got ${p.nTrees}`);
  if (!int(out.maxDepth, 1, MAX_DEPTH)) problems.push(`maxDepth must be an integer in 1…${MAX_DEPTH}, got ${p.maxDepth}`);
  const mf = out.maxFeatures;
  if (mf !== 'sqrt' && !(typeof mf === 'number' && ((mf > 0 && mf < 1) || int(mf, 1, MAX_FEATURES)))) {
    problems.push(`maxFeatures must be 'sqrt', a count ≥ 1 or a fraction in (0, 1), got ${String(mf)}`);
  }
  if (!int(out.minSamplesLeaf!, 1, MAX_ROWS)) problems.push(`minSamplesLeaf must be an integer ≥ 1, got ${p.minSamplesLeaf}`);
  if (!int(out.seed, 0, 2 ** 32 - 1)) problems.push(`seed must be an integer in 0…2^32-1, got ${p.seed}`);
  if (!int(out.maxBins!, 2, MAX_BINS)) problems.push(`maxBins must be an integer in 2…${MAX_BINS}, got ${p.maxBins}`);
  if (p.threads !== undefined && !int(p.threads, 1, 1024)) problems.push(`threads must be an integer ≥ 1, got ${p.threads}`);
  if (problems.length > 0) throw usageError(`invalid forest parameters: ${problems.join('; ')}`);
  return out;
}

/** Features tried per split, as scikit-learn resolves max_features (never more than there are). */
export function resolveMaxFeatures(maxFeatures: 'sqrt' | number | undefined, nFeatures: number): number {
  const mf = maxFeatures ?? 'sqrt';
  const n = mf === 'sqrt' ? Math.floor(Math.sqrt(nFeatures)) : mf < 1 ? Math.floor(mf * nFeatures) : mf;
  return Math.min(nFeatures, Math.max(1, n));
}

export function growParams(p: ForestParams, nFeatures: number): GrowParams {
  return {
    maxDepth: p.maxDepth,
    maxFeatures: resolveMaxFeatures(p.maxFeatures, nFeatures),
    minSamplesLeaf: p.minSamplesLeaf ?? 1,
    bootstrap: p.bootstrap ?? true,
    seed: p.seed,
  };
}

export function resolveThreads(threads: number | undefined, nTrees: number): number {
  return Math.max(1, Math.min(threads ?? availableParallelism(), nTrees));
}

/** Shape checks of a training table; every problem found is named at once. */
export function checkTrainingData(data: TrainingData): void {
  const { nRows, featureNames, columns, labels } = data;
  const problems: string[] = [];
  if (!Number.isInteger(nRows) || nRows < 1 || nRows > MAX_ROWS) problems.push(`nRows must be an integer in 1…${MAX_ROWS}, got ${nRows}`);
  if (featureNames.length < 1 || featureNames.length > MAX_FEATURES) problems.push(`need 1…${MAX_FEATURES} features, got ${featureNames.length}`);
  if (new Set(featureNames).size !== featureNames.length) problems.push(`feature names repeat: ${featureNames.join(', ')}`);
  if (columns.length !== featureNames.length) problems.push(`${columns.length} columns for ${featureNames.length} feature names`);
  columns.forEach((c, i) => {
    if (c.length < nRows) problems.push(`column ${featureNames[i] ?? i} has ${c.length} values for ${nRows} rows`);
  });
  if (labels.length < nRows) problems.push(`${labels.length} labels for ${nRows} rows`);
  else {
    let bad = 0;
    for (let i = 0; i < nRows; i++) if (labels[i] > 1) bad++;
    if (bad > 0) problems.push(`${bad} labels are not 0 or 1`);
  }
  if (problems.length > 0) throw dataError(`invalid training data: ${problems.join('; ')}`);
}
