import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { binForPrediction, predictThreads, type BinnedRows } from './binnedRows.js';
import { predictBinned } from './predictKernel.js';
import { predictInWorkers } from './workerPool.js';
import { checkColumns, refuseNonFinite, type ForestModel } from './model.js';
import { claimRows, type PredictJob } from './predictWorker.js';

/**
 * ForestModel.predict spread over threads; the result is identical to predict's. Default
 * threads: the available cores, fewer when the batch is too small to gain. This thread walks rows
 * too, beside threads - 1 workers: each takes the next chunk of rows from a shared counter until
 * none is left (no thread idles while another still has a long range), binning and walking it
 * in the wasm kernel. Without the kernel the rows are binned once (15 bytes a row, shared) and
 * walked in JS workers.
 */
export async function predictParallel(model: ForestModel, columns: Float64Array[], nRows: number, opts: { threads?: number } = {}): Promise<Float64Array> {
  checkColumns(model.featureNames, columns, nRows);
  const threads = predictThreads(model, nRows, opts.threads);
  if (threads === 1 || !model.floatKernel()) {
    if (threads === 1) return model.predict(columns, nRows);
    const { featureNames, binEdges } = model.parts;
    return predictBinnedRows(model, binForPrediction([{ columns, n: nRows }], binEdges, featureNames), { threads });
  }
  const job = predictJob(model, columns, nRows);
  const workers = Array.from({ length: threads - 1 }, () => runWorker(job));
  return finishJob(model, job, workers);
}

/**
 * P(fraud) of binned rows; the same numbers as model.predict on their float columns. Refuses rows
 * binned with other edges or for other features (their bins would mean other values). As
 * predictParallel: the wasm kernel on this thread and threads - 1 workers, each taking the next
 * chunk from a shared counter; without the kernel, the JS kernel (in workers: one range each).
 */
export async function predictBinnedRows(model: ForestModel, rows: BinnedRows, opts: { threads?: number } = {}): Promise<Float64Array> {
  const { featureNames, binEdges, forest } = model.parts;
  if (!sameEdges(featureNames, binEdges, rows)) throw new Error('predictBinnedRows: the rows were binned with other features or edges than the model was trained on');
  const threads = predictThreads(model, rows.nRows, opts.threads);
  const kernel = model.floatKernel();
  if (kernel) {
    if (threads === 1) {
      const out = new Float64Array(rows.nRows);
      kernel.predictBins(rows.bins, rows.stride, 0, rows.nRows, out);
      return out;
    }
    const job = predictJob(model, [], rows.nRows, { bins: rows });
    return finishJob(model, job, Array.from({ length: threads - 1 }, () => runWorker(job)));
  }
  if (threads > 1) return predictInWorkers(forest, rows.bins, rows.stride, rows.nRows, threads);
  const out = new Float64Array(rows.nRows);
  predictBinned(model.compiledForest(), rows.bins, rows.stride, 0, rows.nRows, out);
  return out;
}

function sameEdges(names: readonly string[], edges: readonly Float64Array[], rows: BinnedRows): boolean {
  if (names.length !== rows.featureNames.length || names.some((n, f) => n !== rows.featureNames[f])) return false;
  return edges.every((e, f) => {
    const r = rows.binEdges[f];
    if (e === r) return true;
    if (e.length !== r.length) return false;
    for (let i = 0; i < e.length; i++) if (!Object.is(e[i], r[i])) return false;
    return true;
  });
}

/**
 * predictParallel of the rows once per feature f, with column f replaced by permuted[f] (permutation
 * importance): result[f] is bit for bit predictParallel(model, columns with permuted[f] at f).
 * One job for all the passes, so the workers start once and no column is copied per pass.
 */
export async function predictPermuted(model: ForestModel, columns: Float64Array[], permuted: Float64Array[], nRows: number, opts: { threads?: number } = {}): Promise<Float64Array[]> {
  checkColumns(model.featureNames, columns, nRows);
  checkColumns(model.featureNames, permuted, nRows);
  const threads = predictThreads(model, nRows * permuted.length, opts.threads);
  if (threads === 1 || !model.floatKernel()) {
    const out: Float64Array[] = [];
    for (let f = 0; f < permuted.length; f++) out.push(await predictParallel(model, columns.map((c, k) => (k === f ? permuted[f] : c)), nRows, { threads }));
    return out;
  }
  const job = predictJob(model, columns, nRows, { permuted });
  const scores = await finishJob(model, job, Array.from({ length: threads - 1 }, () => runWorker(job)));
  // Views of the one copy finishJob made of the shared output.
  return permuted.map((_, f) => scores.subarray(f * nRows, (f + 1) * nRows));
}

/** A job over the columns (with a permuted pass per feature), or over rows already binned (`bins`, no columns). */
function predictJob(model: ForestModel, columns: Float64Array[], nRows: number, { permuted, bins }: { permuted?: Float64Array[]; bins?: BinnedRows } = {}): PredictJob {
  // Shared so that the workers read them in place (a feature table of 1.9 M rows is 230 MB).
  const share = (c: Float64Array) => (c.buffer instanceof SharedArrayBuffer ? c.subarray(0, nRows) : sharedCopy(c, nRows));
  return {
    forest: model.parts.forest,
    binEdges: model.parts.binEdges,
    featureNames: model.featureNames,
    columns: columns.map(share),
    permuted: permuted?.map(share),
    bins: bins?.bins,
    stride: bins?.stride,
    nRows,
    next: new Int32Array(new SharedArrayBuffer(4)),
    out: new Float64Array(new SharedArrayBuffer(8 * nRows * (permuted?.length ?? 1))),
  };
}

/** This thread walks chunks beside the workers; then their counts of non-finite values are checked. */
async function finishJob(model: ForestModel, job: PredictJob, workers: Promise<Float64Array>[]): Promise<Float64Array> {
  const bad = claimRows(model.floatKernel()!, job);
  for (const theirs of await Promise.all(workers)) for (let f = 0; f < bad.length; f++) bad[f] += theirs[f];
  refuseNonFinite(model.featureNames, bad);
  return Float64Array.from(job.out);
}

/** A prediction started on feature columns still being filled (predictAsFilled). */
export interface FilledPrediction {
  /** The columns predicted (those given). */
  readonly columns: Float64Array[];
  /** The first `rows` rows of every column are filled (never fewer than a call before). */
  filled(rows: number): void;
  /** All rows are filled: this thread walks the rest too; resolves to predictParallel's result. */
  result(): Promise<Float64Array>;
  /** The columns will not be filled: the workers stop; result() must not be called. */
  abandon(): void;
}

/**
 * predictParallel on shared columns that are filled in row order meanwhile (score's features
 * as they stream in): the workers walk each chunk once `filled` says its rows are there, on the
 * cores the feature load leaves idle; this thread joins in result(). The same numbers as
 * predictParallel (each row's walk does not depend on when it runs). Without workers (one
 * thread, no wasm kernel) everything waits for result().
 */
export function predictAsFilled(model: ForestModel, columns: Float64Array[], nRows: number, opts: { threads?: number } = {}): FilledPrediction {
  checkColumns(model.featureNames, columns, nRows);
  const threads = predictThreads(model, nRows, opts.threads);
  if (threads === 1 || !model.floatKernel() || columns.some((c) => !(c.buffer instanceof SharedArrayBuffer))) {
    return { columns, filled: () => undefined, result: () => predictParallel(model, columns, nRows, opts), abandon: () => undefined };
  }
  const job = predictJob(model, columns, nRows);
  job.filled = new Int32Array(new SharedArrayBuffer(4));
  const signal = (rows: number) => {
    Atomics.store(job.filled!, 0, rows);
    Atomics.notify(job.filled!, 0);
  };
  const workers = Array.from({ length: threads - 1 }, () => runWorker(job));
  // A worker that fails while the features load is reported by result(), not as an unhandled rejection.
  for (const w of workers) w.catch(() => undefined);
  return {
    columns,
    filled: (rows) => signal(Math.min(rows, nRows)),
    abandon: () => signal(-1),
    async result() {
      signal(nRows);
      return finishJob(model, job, workers);
    },
  };
}

function sharedCopy(c: Float64Array, n: number): Float64Array {
  const s = new Float64Array(new SharedArrayBuffer(8 * n));
  s.set(c.subarray(0, n));
  return s;
}

/** A worker walking chunks of the job; resolves to its count of non-finite values per feature. */
function runWorker(job: PredictJob): Promise<Float64Array> {
  return new Promise((resolve, reject) => {
    const w = new Worker(predictWorkerUrl(), { workerData: job });
    let result: Float64Array | undefined;
    w.once('message', (bad: Float64Array) => (result = bad));
    w.once('error', reject);
    w.once('exit', (code) => (result && code === 0 ? resolve(result) : reject(new Error(`forest prediction worker exited with code ${code}`))));
  });
}

/** predictWorker.js beside this module in dist (under vitest this module is the .ts source: use the build). */
function predictWorkerUrl(): URL {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new URL('./predictWorker.js', here);
  const at = here.lastIndexOf('/src/');
  const url = new URL(`${here.slice(0, at)}/dist/${here.slice(at + 5).replace(/predictParallel\.ts$/, 'predictWorker.js')}`);
  if (!existsSync(fileURLToPath(url))) throw new Error(`prediction worker not built: ${fileURLToPath(url)} is missing (run npm run build)`);
  return url;
}
