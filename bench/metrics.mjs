// bench/metrics: time of the test-day metrics (ROC AUC, average precision, threshold metrics) and of
// the per-trial row sampling at course scale. Medians of 5 runs.
import { computeMetrics } from '../dist/model/metrics.js';
import { sampleRows } from '../dist/model/sample.js';
import { Rng } from '../dist/util/rng.js';
import { median } from './_cli.mjs';

const n = 1_500_000;
const rng = new Rng(1);
const labels = new Uint8Array(n);
const scores = new Float64Array(n);
for (let i = 0; i < n; i++) {
  labels[i] = rng.next() < 0.008 ? 1 : 0;
  scores[i] = Math.round((labels[i] ? 0.3 : 0) + rng.next() * 1000) / 1000; // many ties, as forest scores have
}
const times = [];
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  computeMetrics(labels, scores, { threshold: 0.2, beta: 1.5 });
  times.push(performance.now() - t0);
}
console.log(`computeMetrics on ${n} rows: median ${median(times).toFixed(0)} ms`);
const st = [];
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  sampleRows(4_500_000, 0.5, 42, r);
  st.push(performance.now() - t0);
}
console.log(`sampleRows(4.5 M, 0.5): median ${median(st).toFixed(0)} ms`);
