/**
 * Worker threads that grow trees, started once and kept for as many fits as their owner runs (a
 * whole search and its refit), reading binned tables in shared memory. A fit hands its table,
 * params and rows to each worker (the table's memory is shared, not copied) and a shared counter
 * the workers take tree indices from (Atomics.add), so a worker goes on to its next tree without
 * waiting for this thread, which may be busy meanwhile (train evaluates the validation window
 * while the refit grows, and takes trees from the same counter once it is free: ForestTrainer's
 * pools have threads - 1 workers); trees come back transferred and are kept by index, so which
 * thread grew a tree never matters. A worker error, an unexpected exit or the abort
 * signal terminates every worker and rejects the fit (and any later one).
 */
import { Worker } from 'node:worker_threads';
import type { BinJob } from './binInWorkers.js';
import type { BinnedTable } from './binnedTable.js';
import type { GrownTree } from './tree.js';
import type { GrowParams } from './types.js';
import { workerUrl } from './workerPool.js';
import type { HistogramKernel } from './workspace.js';

/**
 * What a grow worker receives: a fit's table, params and rows, with the counter its trees are
 * taken from (next[0]: the next tree index; the worker grows until it reaches nTrees); or its part of
 * binning a table (binInWorkers.ts), answered by `{ done: true }`.
 */
export type GrowMessage = { fit: GrowParams; rows?: Uint32Array; table: BinnedTable; next: Int32Array; nTrees: number } | BinJob;

/** What a grow worker sends back: a tree, or that its binning job is done. */
export type GrowReply = { tree: number; result: GrownTree } | { done: true };

interface Fit {
  message: (m: GrowReply) => void;
  reject: (err: unknown) => void;
}

export class GrowPool {
  private readonly workers: Worker[] = [];
  private failure: unknown;
  private closing = false;
  private fit: Fit | undefined;
  /** Per worker, the binning jobs it was handed and has not answered yet, oldest first. */
  private readonly jobs: { resolve: () => void; reject: (err: unknown) => void }[][] = [];
  private rejectFailed: (err: unknown) => void = () => {};
  /** Rejects when the pool fails or closes (binInWorkers races its waits on shared memory against it). */
  readonly failed = new Promise<never>((_, reject) => (this.rejectFailed = reject));

  constructor(threads: number, kernel?: HistogramKernel) {
    this.failed.catch(() => {});
    const url = workerUrl();
    for (let i = 0; i < threads; i++) {
      const jobs: (typeof this.jobs)[number] = [];
      this.jobs.push(jobs);
      const worker = new Worker(url, { workerData: { kind: 'grow', kernel } });
      this.workers.push(worker);
      worker.on('error', (err) => this.fail(err));
      worker.on('messageerror', (err) => this.fail(err));
      worker.on('exit', (code) => {
        if (!this.closing) this.fail(new Error(`forest worker exited early with code ${code}`));
      });
      worker.on('message', (m: GrowReply) => {
        try {
          if ('done' in m) jobs.shift()?.resolve();
          else this.fit?.message(m);
        } catch (err) {
          this.fail(err);
        }
      });
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /**
   * Grows trees 0…nTrees-1 of one fit on `rows` of `table` (all rows when undefined); the table's
   * data must be shared memory. With `here` (tree i grown on the caller's thread) this thread takes
   * indices from the same counter as the workers, yielding to the event loop between its trees (an
   * abort lands, the workers' trees are taken in), so a pool of n - 1 workers grows on n threads.
   */
  async grow(
    table: BinnedTable,
    params: GrowParams,
    rows: Uint32Array | undefined,
    nTrees: number,
    opts: { signal?: AbortSignal; onTree?: (done: number, total: number) => void; here?: (tree: number) => GrownTree },
  ): Promise<GrownTree[]> {
    if (this.failure !== undefined) throw this.failure;
    if (this.fit) throw new Error('GrowPool.grow: a fit is already running');
    opts.signal?.throwIfAborted();
    const trees: GrownTree[] = new Array(nTrees);
    const onAbort = () => this.fail(opts.signal!.reason);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const next = new Int32Array(new SharedArrayBuffer(4));
      await new Promise<void>((resolve, reject) => {
        let done = 0;
        const fit: Fit = {
          reject,
          message: (m) => {
            if (!('tree' in m)) return;
            trees[m.tree] = m.result;
            done++;
            opts.onTree?.(done, nTrees);
            if (done === nTrees) resolve();
          },
        };
        this.fit = fit;
        for (const worker of this.workers.slice(0, Math.min(nTrees, this.workers.length))) worker.postMessage({ fit: params, rows, table, next, nTrees } satisfies GrowMessage);
        const { here } = opts;
        if (here) {
          void (async () => {
            for (let tree = Atomics.add(next, 0, 1); tree < nTrees; tree = Atomics.add(next, 0, 1)) {
              await new Promise((r) => setImmediate(r));
              // The fit failed or was aborted meanwhile (it is rejected already).
              if (this.fit !== fit) return;
              fit.message({ tree, result: here(tree) });
            }
          })().catch((err) => this.fail(err));
        }
      });
    } finally {
      this.fit = undefined;
      opts.signal?.removeEventListener('abort', onAbort);
    }
    return trees;
  }

  /**
   * Hands jobs[i] to worker i (binInWorkers.ts; the caller's thread does its own part meanwhile);
   * settles when each has answered, or rejects on a worker failure. A worker takes its job after
   * what it was sent before (a worker still starting up answers late), and a fit may start meanwhile.
   */
  run(jobs: BinJob[]): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (jobs.length > this.workers.length) throw new Error(`GrowPool.run: ${jobs.length} jobs for ${this.workers.length} workers`);
    return Promise.all(
      jobs.map(
        (job, i) =>
          new Promise<void>((resolve, reject) => {
            this.jobs[i].push({ resolve, reject });
            this.workers[i].postMessage(job satisfies GrowMessage);
          }),
      ),
    ).then(() => undefined);
  }

  /** Terminates the workers; the pool cannot grow trees afterwards. */
  async close(): Promise<void> {
    this.closing = true;
    this.failure ??= new Error('GrowPool is closed');
    this.rejectPending();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private rejectPending(): void {
    this.rejectFailed(this.failure);
    for (const pending of this.jobs) for (const job of pending.splice(0)) job.reject(this.failure);
  }

  private fail(err: unknown): void {
    if (this.failure === undefined) this.failure = err;
    this.rejectPending();
    this.fit?.reject(err);
    this.fit = undefined;
    if (!this.closing) void this.close();
  }
}
