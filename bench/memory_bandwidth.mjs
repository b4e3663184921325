// bench/memory_bandwidth: the machine's memory bandwidth against what the forest's histogram
// kernel reads (issue 19.2). Prints medians of 5 runs (the machine is shared), per CPU second of the
// measuring thread (see `clock`), of:
//   - copy: TypedArray.prototype.set of a 256 MB buffer (memcpy; bytes read + bytes written per s),
//     in 1 and 2 threads (worker threads, each copying its own buffer);
//   - read: a JS loop summing the same buffer as 32-bit words (what a JS kernel can stream);
//   - histogram: the forest's histogram kernels over a 1 M-row binned table of 15 features (4 words
//     a row, each row's 4 bytes of bins and tag read once): bytes of bins read per s, in 1 thread —
//     the wasm kernel the engine uses (histogramKernel.wat, through workspace.ts) and histogram.ts's
//     JS accumulate (the engine's kernel before issue 19's second round, now the oracle).
// and the kernel's figure as a share of each bandwidth.
//
//   node bench/memory_bandwidth.mjs [--mb 256] [--rows 1000000]
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { accumulate } from '../dist/model/forest/histogram.js';
import { Workspace } from '../dist/model/forest/workspace.js';

// Timed in CPU seconds in the main thread (one thread runs at a time there): on a shared machine
// wall time also counts the time other processes run (at load 25 that cut every rate 5–10×). The
// 2-thread copy, in workers, is timed in wall time (process CPU time would add both threads).
const clock = isMainThread
  ? () => {
      const c = process.cpuUsage();
      return (c.user + c.system) / 1000;
    }
  : () => performance.now();
const median = (xs) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];
const REPEAT = 5;
const groupsOf15 = 4;

function copyRate(bytes) {
  const src = new Uint8Array(bytes).fill(1);
  const dst = new Uint8Array(bytes);
  dst.set(src); // touch the pages first
  const rates = [];
  for (let k = 0; k < REPEAT; k++) {
    const t0 = clock();
    dst.set(src);
    rates.push((2 * bytes) / ((clock() - t0) / 1000));
  }
  return median(rates);
}

function readRate(bytes) {
  const w = new Int32Array(bytes / 4).fill(1);
  const rates = [];
  let sink = 0;
  for (let k = 0; k < REPEAT; k++) {
    const t0 = clock();
    let s = 0;
    for (let i = 0; i < w.length; i++) s = (s + w[i]) | 0;
    sink ^= s;
    rates.push(bytes / ((clock() - t0) / 1000));
  }
  return sink === 12345 ? 0 : median(rates);
}

function histogramRate(rows, kernel) {
  const nFeatures = 15;
  const groups = (nFeatures + 4) >> 2;
  const ws = new Workspace(rows, groups, nFeatures, 1, kernel);
  const w32 = ws.w32;
  let x = 1;
  for (let i = 0; i < w32.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    w32[i] = x;
  }
  // Tag byte (top byte of the last group's word): one copy, label = low bit of the row.
  for (let r = 0, t = (groups - 1) * rows; r < rows; r++) w32[t + r] = (w32[t + r] & 0xffffff) | ((1 | ((r & 1) << 7)) << 24);
  const h = ws.acquire(new Int32Array(nFeatures).fill(255));
  const rates = [];
  for (let k = 0; k < REPEAT + 1; k++) {
    const t0 = clock();
    if (kernel === 'js') accumulate(w32, rows, nFeatures, 0, rows, h.cnt, h.pos);
    else ws.accumulate(0, rows, h);
    if (k > 0) rates.push((rows * groups * 4) / ((clock() - t0) / 1000)); // the first run warms up the JIT
  }
  return median(rates);
}

function inWorkers(n, bytes) {
  return Promise.all(
    Array.from({ length: n }, () => new Promise((resolve, reject) => {
      const w = new Worker(new URL(import.meta.url), { workerData: { bytes } });
      w.once('message', resolve);
      w.once('error', reject);
    })),
  );
}

if (!isMainThread) {
  parentPort.postMessage(copyRate(workerData.bytes));
} else {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
  const bytes = opt('--mb', 256) * 2 ** 20;
  const rows = opt('--rows', 1_000_000);
  const gb = (r) => `${(r / 1e9).toFixed(2)} GB/s`;
  const copy1 = copyRate(bytes);
  const copy2 = (await inWorkers(2, bytes)).reduce((a, b) => a + b, 0);
  const read1 = readRate(bytes);
  const hist1 = histogramRate(rows, 'wasm');
  const histJs = histogramRate(rows, 'js');
  console.log(`memory copy (memcpy, read + written), 1 thread: ${gb(copy1)}; 2 threads: ${gb(copy2)}`);
  console.log(`sequential read of 32-bit words in a JS loop, 1 thread: ${gb(read1)}`);
  console.log(`histogram building (${rows} rows × 15 features, bytes of bins read), 1 thread: wasm kernel ${gb(hist1)}, JS kernel ${gb(histJs)}`);
  console.log(`load average: ${(await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  console.log(`wasm histogram kernel at ${((100 * hist1) / copy1).toFixed(1)} % of the 1-thread copy bandwidth, ${((100 * hist1) / read1).toFixed(1)} % of a JS sequential read; ${((1e9 * 4 * groupsOf15) / hist1 / 15).toFixed(2)} ns per row-feature (JS kernel ${((1e9 * 4 * groupsOf15) / histJs / 15).toFixed(2)})`);
}
