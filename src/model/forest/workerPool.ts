/**
 * Worker threads for batch prediction (one contiguous range of binned rows per worker, written into
 * shared memory), and where the worker script is (training's workers: growPool.ts). Any worker
 * error, an unexpected exit, or the abort signal terminates all workers and rejects.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FlatForest } from './flatForest.js';
import type { HistogramKernel } from './workspace.js';

/** What a worker is started with (worker.ts). */
export type WorkerJob =
  | { kind: 'grow'; kernel?: HistogramKernel }
  | { kind: 'predict'; forest: FlatForest; bins: Uint8Array; stride: number; start: number; end: number; out: Float64Array };

/**
 * The compiled worker beside this module. Under vitest this module runs from src/*.ts, which a
 * Node 20 worker cannot load, so the worker is taken from dist/ (`npm test` builds it first).
 */
export function workerUrl(): URL {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new URL('./worker.js', here);
  const at = here.lastIndexOf('/src/');
  const url = new URL(`${here.slice(0, at)}/dist/${here.slice(at + 5, here.lastIndexOf('/'))}/worker.js`);
  if (!existsSync(fileURLToPath(url))) throw new Error(`worker not built: ${fileURLToPath(url)} is missing (run npm run build)`);
  return url;
}

/** Walks binned rows [0, nRows) with one worker per contiguous range, into shared memory. */
export async function predictInWorkers(forest: FlatForest, bins: Uint8Array, stride: number, nRows: number, threads: number): Promise<Float64Array> {
  const out = new Float64Array(new SharedArrayBuffer(nRows * 8));
  let running = threads;
  const job = (i: number): WorkerJob => ({
    kind: 'predict',
    forest,
    bins,
    stride,
    start: Math.floor((i * nRows) / threads),
    end: Math.floor(((i + 1) * nRows) / threads),
    out,
  });
  // A prediction worker is done when it exits cleanly: its rows are in shared memory by then.
  await withWorkers(threads, job, undefined, {
    exit: (code, finish) => {
      if (code !== 0) throw new Error(`forest prediction worker exited with code ${code}`);
      if (--running === 0) finish();
    },
  });
  return Float64Array.from(out);
}

interface Handlers {
  exit: (code: number, finish: () => void) => void;
}

/** Starts n workers and settles when a handler calls `finish`, or on the first failure or abort. */
async function withWorkers(n: number, job: (i: number) => WorkerJob, signal: AbortSignal | undefined, on: Handlers): Promise<void> {
  signal?.throwIfAborted();
  const url = workerUrl();
  const workers: Worker[] = [];
  let settled = false;
  let onAbort = () => {};
  try {
    await new Promise<void>((resolve, reject) => {
      const settle = (err?: unknown) => {
        if (settled) return;
        settled = true;
        if (err === undefined) resolve();
        else reject(err);
      };
      const guard = (fn: () => void) => {
        try {
          fn();
        } catch (err) {
          settle(err);
        }
      };
      onAbort = () => settle(signal!.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      for (let i = 0; i < n; i++) {
        const worker = new Worker(url, { workerData: job(i) });
        workers.push(worker);
        worker.on('error', settle);
        worker.on('messageerror', settle);
        worker.on('exit', (code) => guard(() => on.exit(code, () => settle())));
      }
    });
  } finally {
    settled = true;
    signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
