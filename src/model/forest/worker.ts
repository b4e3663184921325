/**
 * Worker-thread entry. 'grow' (growPool.ts): takes each fit's params and rows, then grows trees whose
 * indices it takes from the fit's shared counter and sends each back, its arrays transferred; or runs its part
 * of binning a table (binInWorkers.ts). 'predict'
 * (workerPool.ts): walks its range of binned rows into the shared output and exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runBinJob } from './binInWorkers.js';
import { TreeGrower } from './grow.js';
import type { GrowMessage, GrowReply } from './growPool.js';
import { compileForest, predictBinned } from './predictKernel.js';
import type { WorkerJob } from './workerPool.js';
import { collectGarbage } from '../../util/collectGarbage.js';

const job = workerData as WorkerJob;
const port = parentPort!;

if (job.kind === 'grow') {
  let grower: TreeGrower | undefined;
  port.on('message', (m: GrowMessage) => {
    if (typeof m === 'object' && 'job' in m) {
      runBinJob(m);
      port.postMessage({ done: true } satisfies GrowReply);
      // The job held the caller's columns (shared memory: binShared). This thread, idle until its
      // next fit, would not collect them on its own, and a SharedArrayBuffer's memory lives while
      // any thread holds it: train read its refit window with the train window's 300 MB still held
      // here. Collected once this message is off the stack.
      if (m.job === 'shared') setImmediate(collectGarbage);
      return;
    }
    if (grower) grower.configure(m.fit, m.rows, m.table);
    else grower = new TreeGrower(m.table, m.fit, m.rows, job.kernel);
    // The fit's trees, one index at a time from the counter the pool's workers share, until none is left.
    for (let tree = Atomics.add(m.next, 0, 1); tree < m.nTrees; tree = Atomics.add(m.next, 0, 1)) {
      const result = grower.grow(tree);
      const transfer = [result.feature.buffer, result.threshold.buffer, result.left.buffer, result.value.buffer, result.importances.buffer];
      port.postMessage({ tree, result }, transfer as ArrayBuffer[]);
    }
  });
} else {
  const { forest, bins, stride, start, end, out } = job;
  predictBinned(compileForest(forest), bins, stride, start, end, out.subarray(start, end));
}
