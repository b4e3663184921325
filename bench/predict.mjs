// bench/predict: the wasm prediction kernel on shallow and deep forests (issue 19: train's trials,
// test window and permutation importance predict 294-tree depth-20 forests at course scale).
// Trains three forests on bench/forest.mjs's synthetic table (300 k rows; 100 trees of depth 6 and
// 10, 300 of depth 20) and times one thread's walk of 300 k other rows through
// WasmForest.predictColumns (binning included), CPU seconds, median of 3, alternating with
// --dist OTHER/dist (an older build) when given; says whether both give the same scores bit for bit.
//
//   node bench/predict.mjs [--rows 300000] [--dist OTHER/dist]
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { generate } from './_forestTable.mjs';

const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '300000' }, dist: { type: 'string' } } });
const n = Number(args.rows);
const ours = join(fileURLToPath(new URL('.', import.meta.url)), '../dist');
const dists = { ours, ...(args.dist ? { baseline: args.dist } : {}) };
const kernels = {};
for (const [name, d] of Object.entries(dists)) kernels[name] = (await import(pathToFileURL(join(d, 'model/forest/predictWasm.js')).href)).WasmForest;
const { ForestTrainer } = await import(pathToFileURL(join(ours, 'model/forest/index.js')).href);
const { FEATURE_NAMES } = await import(pathToFileURL(join(ours, 'features/spec.js')).href);

// Rows [0, n) train, rows [n, 2n) are predicted (the table's prefixes are the same at any size).
const { cols, labels } = generate(2 * n, 1);
const train = { nRows: n, featureNames: FEATURE_NAMES, columns: cols.map((c) => c.subarray(0, n)), labels: labels.subarray(0, n) };
const rows = cols.map((c) => c.slice(n, 2 * n));
const trainer = await ForestTrainer.openAsync(train, { threads: 2, seed: 1 });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`| trees | depth | nodes | ${Object.keys(dists).map((k) => `${k} CPU s (3 runs)`).join(' | ')} | ns per row and tree (ours) |${args.dist ? ' baseline / ours | same scores |' : ''}`);
console.log(`|---|---|---|${Object.keys(dists).map(() => '---|').join('')}---|${args.dist ? '---|---|' : ''}`);
for (const [nTrees, maxDepth] of [[100, 6], [100, 10], [300, 20]]) {
  const model = await trainer.train({ nTrees, maxDepth, seed: 3 });
  const times = Object.fromEntries(Object.keys(dists).map((k) => [k, []]));
  const hashes = {};
  for (let rep = 0; rep < 3; rep++) {
    for (const [name, WasmForest] of Object.entries(kernels)) {
      const kernel = WasmForest.create(model.parts.forest, FEATURE_NAMES.length);
      const out = new Float64Array(n);
      const t0 = process.cpuUsage();
      kernel.predictColumns(rows, model.parts.binEdges, 0, n, out, new Float64Array(FEATURE_NAMES.length));
      const c = process.cpuUsage(t0);
      times[name].push((c.user + c.system) / 1e6);
      hashes[name] = createHash('sha256').update(Buffer.from(out.buffer)).digest('hex');
    }
  }
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  const cells = Object.keys(dists).map((k) => `${m[k].toFixed(3)} (${times[k].map((t) => t.toFixed(2)).join(', ')})`);
  const extra = args.dist ? ` ${(m.baseline / m.ours).toFixed(2)}× | ${hashes.baseline === hashes.ours ? 'yes' : 'NO'} |` : '';
  console.log(`| ${nTrees} | ${maxDepth} | ${model.parts.forest.left.length} | ${cells.join(' | ')} | ${((m.ours * 1e9) / (n * nTrees)).toFixed(1)} |${extra}`);
}
await trainer.close();
