// bench/forest_profile: where a forest fit's time goes (issue 19.1). Trains bench/forest.mjs's
// synthetic table (100 trees of depth 10, 1 thread, in this process) under V8's sampling profiler (started at the fit)
// and prints the self time of each engine function, grouped into phases: binning, bootstrap draw,
// copying the drawn rows (with the root's histogram), histogram building, subtraction and
// clearing, split search, partition, tree assembly. Sampled CPU time, so load inflates nothing
// but the wall time printed beside it.
//
//   node bench/forest_profile.mjs [--rows 250000,1000000] [--dist OTHER/dist]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generate } from './_forestTable.mjs';

const PARAMS = { nTrees: 100, maxDepth: 10, seed: 1, threads: 1 };

/** Function name → phase; anything else is "other" (runtime, GC, the bench itself). */
const PHASES = {
  computeBinEdges: 'binning',
  distinctCounts: 'binning',
  gather: 'binning',
  stratifiedSample: 'binning',
  cutEdges: 'binning',
  tailWeights: 'binning',
  checkFinite: 'binning',
  countNonFinite: 'binning',
  featureEdges: 'binning',
  finishTable: 'binning',
  takeEdges: 'binning',
  binBlock: 'binning',
  binStaged: 'binning',
  // histogramKernel.wat's functions, in their order there
  'wasm-function[0]': 'histogram build',
  'wasm-function[1]': 'partition',
  'wasm-function[2]': 'bootstrap draw',
  'wasm-function[3]': 'subtract / clear histograms',
  'wasm-function[4]': 'subtract / clear histograms',
  'wasm-function[5]': 'copy drawn rows + root histogram',
  'wasm-function[6]': 'histogram build',
  binRows: 'binning',
  binColumn: 'binning',
  sortedSample: 'binning',
  placeEdges: 'binning',
  fillTable: 'binning',
  drawBootstrap: 'bootstrap draw',
  u32: 'bootstrap draw',
  copyDrawnRows: 'copy drawn rows + root histogram',
  copy: 'copy drawn rows + root histogram',
  accumulate: 'histogram build',
  addRow: 'histogram build',
  buildHistogram: 'histogram build',
  subtract: 'subtract / clear histograms',
  clearHist: 'subtract / clear histograms',
  acquire: 'subtract / clear histograms',
  scanFeature: 'split search',
  findSplit: 'split search',
  int: 'split search',
  partition: 'partition',
  splitNode: 'tree assembly',
  setSplit: 'tree assembly',
  setLeaf: 'tree assembly',
  add: 'tree assembly',
  finish: 'tree assembly',
  grow: 'tree assembly',
  flattenTrees: 'tree assembly',
};

async function child(rows, dist) {
  const { Session } = await import('node:inspector/promises');
  const { trainForest } = await import(dist ? pathToFileURL(join(dist, 'model/forest/index.js')).href : '../dist/model/forest/index.js');
  const { cols, labels } = generate(rows, 1);
  const { FEATURE_NAMES } = await import('../dist/features/spec.js');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await trainForest({ nRows: rows, featureNames: FEATURE_NAMES, columns: cols, labels }, PARAMS);
  const c = process.cpuUsage(c0);
  const wallS = (performance.now() - t0) / 1000;
  const { profile } = await session.post('Profiler.stop');
  console.log(JSON.stringify({ wallS, cpuS: (c.user + c.system) / 1e6, profile }));
}

/** Self time per function name over the fit (samples after the fit started). */
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = new Map();
  profile.samples.forEach((id, k) => dt.set(id, (dt.get(id) ?? 0) + (profile.timeDeltas[k + 1] ?? 0)));
  const out = new Map();
  for (const [id, us] of dt) {
    const fn = byId.get(id).callFrame;
    const name = fn.functionName || `(${fn.url.split('/').pop() || 'anonymous'})`;
    out.set(name, (out.get(name) ?? 0) + us);
  }
  return out;
}

function parent(args) {
  const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
  const sizes = opt('--rows', '250000,1000000').split(',').map(Number);
  const dist = opt('--dist', undefined);
  for (const rows of sizes) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', String(rows), ...(dist ? [dist] : [])], { encoding: 'utf8', maxBuffer: 1 << 30 });
      if (r.status !== 0) throw new Error(`profile run failed:\n${r.stderr}`);
      const fit = JSON.parse(r.stdout.trim().split('\n').pop());
      const times = selfTimes(fit.profile);
      const phases = new Map();
      for (const [name, us] of times) {
        const phase = PHASES[name] ?? 'other';
        phases.set(phase, (phases.get(phase) ?? 0) + us);
      }
      const total = [...phases.values()].reduce((a, b) => a + b, 0);
      console.log(`\n${rows} rows, 1 thread: fit ${fit.wallS.toFixed(2)} s wall, ${fit.cpuS.toFixed(2)} CPU s; sampled ${(total / 1e6).toFixed(2)} s`);
      console.log('| phase | s | share |\n|---|---|---|');
      for (const [phase, us] of [...phases].sort((a, b) => b[1] - a[1])) console.log(`| ${phase} | ${(us / 1e6).toFixed(2)} | ${((100 * us) / total).toFixed(1)} % |`);
      console.log('top functions: ' + [...times].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([n, us]) => `${n} ${(us / 1e6).toFixed(2)}`).join(', '));
  }
}

const args = process.argv.slice(2);
if (args[0] === '--child') await child(Number(args[1]), args[2]);
else parent(args);
