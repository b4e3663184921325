import type { FeatureRows } from '../features/assemble.js';
import type { TrainingData } from '../model/forest/index.js';

/** The train days' feature rows stacked into one column-major table (labels required). */
export function stackDays(days: FeatureRows[], featureNames: readonly string[]): TrainingData {
  const nRows = days.reduce((s, d) => s + d.n, 0);
  const columns = featureNames.map(() => new Float64Array(nRows));
  const labels = new Uint8Array(nRows);
  let off = 0;
  for (const d of days) {
    if (!d.labels) throw new Error(`day ${d.day} has no labels`);
    d.columns.forEach((c, j) => columns[j].set(c, off));
    labels.set(d.labels, off);
    off += d.n;
  }
  return { nRows, featureNames: featureNames, columns, labels };
}

export function countPositives(labels: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < labels.length; i++) s += labels[i];
  return s;
}
