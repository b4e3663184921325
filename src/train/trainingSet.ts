import type { FeatureRows } from '../features/assemble.js';
import type { ScoredDay, UnscoredDay } from '../model/evaluate.js';
import type { TrainingData } from '../model/forest/index.js';

/** What a consumed day's copied column is replaced by (its memory can go before the stack ends). */
const NO_COLUMN = new Float64Array(0);

/**
 * The train days' feature rows stacked into one column-major table (labels required). A single
 * day's columns are taken as they are, not copied (a course-scale day's are 150 MB). Days that
 * `consume` accepts lose each column as soon as it is copied, so stacking holds one column more
 * than the stacked table, not every day's columns and the table (train's peak memory at course
 * scale). Train reads a window it does not thin straight into its stacked table instead
 * (stackedColumns, assembleSets.ts): no day's columns at all.
 */
export function stackDays(days: FeatureRows[], featureNames: readonly string[], consume: (d: FeatureRows) => boolean = () => false): TrainingData {
  if (days.length === 1 && days[0].labels && days[0].columns.length === featureNames.length) {
    const [d] = days;
    return { nRows: d.n, featureNames, columns: d.columns.slice(), labels: d.labels! };
  }
  const labels = stackLabels(days);
  const nRows = labels.length;
  const consumed = days.map(consume);
  const columns = featureNames.map((_, j) => {
    const c = new Float64Array(new SharedArrayBuffer(8 * nRows));
    let o = 0;
    days.forEach((d, i) => {
      c.set(d.columns[j], o);
      o += d.n;
      if (consumed[i]) d.columns[j] = NO_COLUMN;
    });
    return c;
  });
  days.forEach((d, i) => consumed[i] && (d.columns = []));
  return { nRows, featureNames: featureNames, columns, labels };
}

/** The days' labels end to end, in the stacked table's row order (each day's required). */
export function stackLabels(days: readonly Pick<FeatureRows, 'day' | 'n' | 'labels'>[]): Uint8Array {
  const labels = new Uint8Array(days.reduce((s, d) => s + d.n, 0));
  let off = 0;
  for (const d of days) {
    if (!d.labels) throw new Error(`day ${d.day} has no labels`);
    labels.set(d.labels, off);
    off += d.n;
  }
  return labels;
}

/**
 * Empty stacked columns for days of `counts` rows, and day i's slice of each (views, no copy):
 * a window read day by day into its slices is the table stackDays would make of the days.
 * The columns are views of one buffer: one allocation past glibc's largest mmap threshold
 * (32 MB) is mapped on its own and unmapped when the window is dropped, where 15 separate
 * 24 MB columns of a course-scale window were, once the threshold had risen past them, carved
 * from the heap and held by the process long after they were freed (~300 MB of train's RSS
 * through the next phase). Shared memory, as stackDays' columns: the grow pool's workers bin the
 * table from the columns themselves (binInWorkers.ts's binShared), without this thread staging them.
 */
export function stackedColumns(counts: readonly number[], nFeatures: number): { columns: Float64Array[]; slices: Float64Array[][] } {
  const nRows = counts.reduce((s, n) => s + n, 0);
  const buffer = new SharedArrayBuffer(8 * nRows * nFeatures);
  const columns = Array.from({ length: nFeatures }, (_, j) => new Float64Array(buffer, 8 * nRows * j, nRows));
  let off = 0;
  const slices = counts.map((n) => {
    const views = columns.map((c) => c.subarray(off, off + n));
    off += n;
    return views;
  });
  return { columns, slices };
}

/**
 * Drops the feature columns of days already stacked (their ids, labels and scores stay for the
 * metrics): the stacked sets hold what training and prediction need, and keeping both doubled
 * train's peak memory at course scale.
 */
export function releaseColumns(days: Iterable<{ columns: Float64Array[] }>): void {
  for (const d of days) d.columns = [];
}

export function countPositives(labels: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < labels.length; i++) s += labels[i];
  return s;
}

/** What the metrics of an evaluation day read (its features, timestamps, terminals and amounts are not). */
export type EvalDay = Pick<FeatureRows, 'day' | 'n' | 'labels' | 'customerId' | 'transactionId'>;

/** An evaluation day's fields the metrics read, without the rest of its columns (a new object: the day itself can go). */
export function evalDay(d: EvalDay): EvalDay {
  return { day: d.day, n: d.n, labels: d.labels, customerId: d.customerId, transactionId: d.transactionId };
}

/** A window's days with their scores (one prediction over the stacked days, split back per day). */
export function scoredDays(days: EvalDay[], scores: Float64Array, drops?: Uint8Array[]): ScoredDay[] {
  let off = 0;
  return days.map((d, i) => {
    const s = scores.subarray(off, off + d.n);
    off += d.n;
    return { day: d.day, labels: d.labels!, scores: s, cards: d.customerId, txIds: d.transactionId, ...(drops ? { drop: drops[i] } : {}) };
  });
}

/** A window's days with their drop masks, before they are scored (PreparedWindow). */
export function unscoredDays(days: EvalDay[], drops?: Uint8Array[]): UnscoredDay[] {
  return days.map((d, i) => ({ day: d.day, labels: d.labels!, cards: d.customerId, txIds: d.transactionId, ...(drops ? { drop: drops[i] } : {}) }));
}

/** One prediction over a window's stacked days, split back per day (views, no copy). */
export function splitByDays(days: EvalDay[], scores: Float64Array): Float64Array[] {
  let off = 0;
  return days.map((d) => scores.subarray(off, (off += d.n)));
}

/** Labels and scores of the rows a window keeps (drop = 0), pooled over its days (typed arrays: no 1.5 M-element JS arrays). */
export function keptRows(days: ScoredDay[], other?: Float64Array): { labels: Uint8Array; scores: Float64Array; other?: Float64Array } {
  let n = 0;
  for (const d of days) for (let i = 0; i < d.labels.length; i++) n += d.drop?.[i] ? 0 : 1;
  const labels = new Uint8Array(n);
  const scores = new Float64Array(n);
  const second = other ? new Float64Array(n) : undefined;
  let off = 0;
  let j = 0;
  for (const d of days) {
    for (let i = 0; i < d.labels.length; i++) {
      if (d.drop?.[i]) continue;
      labels[j] = d.labels[i];
      scores[j] = d.scores[i];
      if (second) second[j] = other![off + i];
      j++;
    }
    off += d.labels.length;
  }
  return { labels, scores, ...(second ? { other: second } : {}) };
}
