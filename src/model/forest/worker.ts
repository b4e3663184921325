/**
 * Worker-thread entry (workerPool.ts). 'grow': grows the tree whose index arrives in each message
 * and sends it back, its arrays transferred. 'predict': walks its range of binned rows into the
 * shared output and exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TreeGrower } from './grow.js';
import { compileForest, predictBinned } from './predictKernel.js';
import type { WorkerJob } from './workerPool.js';

const job = workerData as WorkerJob;
const port = parentPort!;

if (job.kind === 'grow') {
  const grower = new TreeGrower(job.table, job.params);
  port.on('message', (tree: number) => {
    const result = grower.grow(tree);
    const transfer = [result.feature.buffer, result.threshold.buffer, result.left.buffer, result.value.buffer, result.importances.buffer];
    port.postMessage({ tree, result }, transfer as ArrayBuffer[]);
  });
} else {
  const { forest, bins, stride, start, end, out } = job;
  predictBinned(compileForest(forest), bins, stride, start, end, out.subarray(start, end));
}
