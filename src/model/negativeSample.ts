import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dataError, usageError } from '../errors.js';
import type { FeatureRows } from '../features/assemble.js';
import { sampleRows } from './sample.js';

/**
 * Negative sampling for train sets past one machine's memory (`train --negative-sample R`): every
 * fraud and a seeded fraction R of the genuine rows of each train day, taken as the day is loaded
 * so the full day never joins the stacked set. The test day is never subsampled.
 *
 * A model fitted on such a set sees frauds 1/R times more often than they occur, so its scores p_s
 * overstate the probability. Under the sampling, P_s(fraud | x) relates to P(fraud | x) through
 * Bayes' rule with the genuine class scaled by R (Dal Pozzolo et al., "Calibrating Probability
 * with Undersampling for Unbalanced Classification", 2015):
 *
 *   p = R · p_s / (R · p_s − p_s + 1)
 *
 * which is monotone in p_s: ranking metrics (ROC AUC, PR AUC) are unchanged, and train's threshold
 * metrics are computed at probabilities again. R = 1 is the identity. The rate is logged as the
 * MLflow param negative_sample and written beside the model as calibration.json, which `score`,
 * `daily` and `explain` read, so every score fraudctl writes is the calibrated one. The
 * model file (model.bin, model.onnx) stays the forest as fitted: the rate is metadata of the model
 * directory, not of the forest format.
 */
export function checkNegativeRate(rate: number): void {
  if (!(rate > 0 && rate <= 1)) throw usageError(`--negative-sample must be a fraction in (0, 1], got ${rate}`);
}

/** The rows kept of one day: all frauds, round(genuine · rate) genuine rows drawn with Rng(seed, stream). */
export function negativeSampleIndex(labels: Uint8Array, rate: number, seed: number, stream: number): Uint32Array {
  checkNegativeRate(rate);
  if (rate === 1) return Uint32Array.from({ length: labels.length }, (_, i) => i);
  const genuine: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] === 0) genuine.push(i);
  const keep = sampleRows(genuine.length, rate, seed, stream);
  const out = new Uint32Array(labels.length - genuine.length + keep.length);
  // Merge frauds and kept genuine rows in row order (both ascending).
  let m = 0;
  let g = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1) out[m++] = i;
    else if (g < keep.length && genuine[keep[g]] === i) {
      out[m++] = i;
      g += 1;
    }
  }
  return out;
}

/** One train day reduced to its negative sample (every array of the day, same row order). */
export function negativeSampleDay(day: FeatureRows, rate: number, seed: number, stream: number): FeatureRows {
  if (rate === 1) return day;
  if (!day.labels) throw new Error(`day ${day.day} has no labels`);
  const idx = negativeSampleIndex(day.labels, rate, seed, stream);
  const pick = <A extends Float64Array | BigInt64Array | Uint8Array>(a: A): A => {
    const o = new (a.constructor as new (n: number) => A)(idx.length);
    for (let i = 0; i < idx.length; i++) o[i] = a[idx[i]];
    return o;
  };
  const out = { ...day, n: idx.length } as FeatureRows & Record<string, unknown>;
  // A row field the day was read without is empty (length 0) and stays so.
  for (const [k, v] of Object.entries(day)) {
    if ((v instanceof Float64Array || v instanceof BigInt64Array || v instanceof Uint8Array) && v.length === day.n) (out as Record<string, unknown>)[k] = pick(v);
  }
  out.columns = day.columns.map(pick);
  return out;
}

/** Scores of a model fitted on a negative sample of rate R, mapped back to probabilities (in place). */
export function calibrateNegativeSample(scores: Float64Array, rate: number): Float64Array {
  checkNegativeRate(rate);
  if (rate === 1) return scores;
  for (let i = 0; i < scores.length; i++) {
    const p = scores[i];
    // Written as R·p / (R·p + (1 − p)) so that p = 1 gives exactly 1 (the other form rounds past it).
    scores[i] = (rate * p) / (rate * p + (1 - p));
  }
  return scores;
}

/** The file in a model directory that says how the forest's output maps to a probability. */
export const CALIBRATION_FILE = 'calibration.json';

/** Writes calibration.json: the negative-sample rate the forest was fitted at (1: identity). */
export async function writeModelCalibration(dir: string, rate: number): Promise<void> {
  checkNegativeRate(rate);
  const body = { method: 'negative_sample', negative_sample_rate: rate, formula: 'p = R*s / (R*s + 1 - s)' };
  await writeFile(join(dir, CALIBRATION_FILE), `${JSON.stringify(body, null, 2)}\n`);
}

/** The model's negative-sample rate; 1 for a model directory without calibration.json (made before it). */
export async function readModelCalibration(dir: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(join(dir, CALIBRATION_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 1;
    throw e;
  }
  const where = join(dir, CALIBRATION_FILE);
  let body: { method?: unknown; negative_sample_rate?: unknown };
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw dataError(`${where} is not valid JSON: ${(e as Error).message}`, 'retrain the model or restore the file from its MLflow run');
  }
  const rate = body.negative_sample_rate;
  if (body.method !== 'negative_sample' || typeof rate !== 'number' || !(rate > 0 && rate <= 1)) {
    throw dataError(`${where}: expected {"method": "negative_sample", "negative_sample_rate": R} with R in (0, 1], got ${text.trim().slice(0, 200)}`, 'retrain the model or restore the file from its MLflow run');
  }
  return rate;
}
