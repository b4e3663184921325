// The synthetic table of bench/forest.mjs and bench/forest_profile.mjs: 15 features named as
// fraudctl's, 0.8 % fraud from a few scenarios, generated from a fixed seed (smaller tables are
// prefixes of larger ones), written as raw columns python reads with numpy. The columns are views of
// one SharedArrayBuffer, as train's stacked window is (src/train/trainingSet.ts's stackedColumns), so
// our fit bins them on every thread as train's does (binInWorkers.ts's binShared).
import { closeSync, fstatSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FEATURE_NAMES } from '../dist/features/spec.js';
import { Rng } from '../dist/util/rng.js';

export const TEST_ROWS = 200_000;

/** Synthetic transactions: customer spending, terminal risk, and fraud from a few scenarios. */
export function generate(n, seed) {
  const rng = new Rng(seed, 0xf0e5);
  const buffer = new SharedArrayBuffer(8 * n * FEATURE_NAMES.length);
  const cols = FEATURE_NAMES.map((_, f) => new Float64Array(buffer, 8 * n * f, n));
  const labels = new Uint8Array(n);
  const [amt, weekend, night, c1, a1, c7, a7, c30, a30, t1, r1, t7, r7, t30, r30] = cols;
  const cents = (x) => Math.round(x * 100) / 100;
  const risk = (count, rate) => (count > 0 ? rng.poisson(count * rate) / count : 0);
  for (let i = 0; i < n; i++) {
    const custMean = Math.exp(rng.normal(3.6, 0.5));
    const activity = Math.exp(rng.normal(0, 0.5));
    const stolenCard = rng.next() < 0.01; // some of its amounts are 5 times the usual
    const amount = cents(custMean * Math.exp(rng.normal(0, 0.5)) * (stolenCard && rng.next() < 0.3 ? 5 : 1));
    amt[i] = amount;
    weekend[i] = +(rng.next() < 2 / 7);
    night[i] = +(rng.next() < 0.15);
    c1[i] = rng.poisson(2 * activity);
    c7[i] = c1[i] + rng.poisson(12 * activity);
    c30[i] = c7[i] + rng.poisson(25 * activity);
    a1[i] = c1[i] ? cents(custMean * Math.exp(rng.normal(0, 0.3))) : 0;
    a7[i] = c7[i] ? cents(custMean * Math.exp(rng.normal(0, 0.15))) : 0;
    a30[i] = c30[i] ? cents(custMean * Math.exp(rng.normal(0, 0.08))) : 0;
    const termActivity = Math.exp(rng.normal(0, 0.4));
    const compromised = rng.next() < 0.015; // a compromised terminal has a high recent fraud rate
    const rate = compromised ? 0.2 : 0.004;
    t1[i] = rng.poisson(6 * termActivity);
    t7[i] = t1[i] + rng.poisson(25 * termActivity);
    t30[i] = t7[i] + rng.poisson(28 * termActivity);
    r1[i] = risk(t1[i], rate);
    r7[i] = risk(t7[i], rate);
    r30[i] = risk(t30[i], rate);
    const z = -5.4 + 4 * +(amount > 220) + 3 * +compromised + 2 * +(stolenCard && amount > 3 * custMean) + 0.5 * night[i];
    labels[i] = +(rng.next() < 1 / (1 + Math.exp(-z)));
  }
  return { cols, labels };
}

/** X-NAME.f64: the columns one after another (numpy: fromfile().reshape(15, n).T); y-NAME.u8. */
export function writeTable(dir, name, { cols, labels }, n) {
  const x = new Float64Array(n * cols.length);
  cols.forEach((c, f) => x.set(c.subarray(0, n), f * n));
  writeFileSync(join(dir, `X-${name}.f64`), x);
  writeFileSync(join(dir, `y-${name}.u8`), labels.subarray(0, n));
}

export function readTable(dir, name, n) {
  // Read into shared memory (see generate), and viewed there rather than copied.
  const fd = openSync(join(dir, `X-${name}.f64`), 'r');
  const x = new Float64Array(new SharedArrayBuffer(fstatSync(fd).size));
  const bytes = new Uint8Array(x.buffer);
  for (let at = 0; at < bytes.length; ) {
    const got = readSync(fd, bytes, at, Math.min(1 << 30, bytes.length - at), at);
    if (got === 0) throw new Error(`X-${name}.f64 ended early`);
    at += got;
  }
  closeSync(fd);
  const columns = FEATURE_NAMES.map((_, f) => x.subarray(f * n, (f + 1) * n));
  return { nRows: n, featureNames: FEATURE_NAMES, columns, labels: new Uint8Array(readFileSync(join(dir, `y-${name}.u8`))) };
}

