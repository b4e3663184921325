/**
 * What `score` shows a person besides the numbers (issue 16 item 5): the day's score histogram as a
 * terminal chart, the share flagged against the share the model flagged on its own test day (the
 * `test_flagged_share` metric train logs), and the confusion matrix where the day has labels.
 */
import type { Output } from '../output.js';
import type { Tracker } from '../mlflow/tracker.js';
import { scoreHistogram } from '../plots/curves.js';

export interface ScoreInsights {
  histogram: { lo: number; hi: number; rows: number }[];
  flaggedShare: number;
  /** The share the model flagged on its test day at the same threshold, when its run logged it. */
  trainingFlaggedShare: number | null;
  confusion: { tp: number; fp: number; fn: number; tn: number } | null;
}

const BINS = 10;
const BAR = 40;

/** Bars on a log scale (a fraud day is ~99 % near 0): each bar's length is log10(rows + 1) of the largest. */
export function terminalHistogram(bins: readonly { lo: number; hi: number; rows: number }[], width = BAR): string[] {
  const top = Math.log10(Math.max(1, ...bins.map((b) => b.rows)) + 1);
  const countWidth = Math.max(...bins.map((b) => String(b.rows).length));
  return bins.map((b) => {
    const len = b.rows === 0 ? 0 : Math.max(1, Math.round((Math.log10(b.rows + 1) / top) * width));
    return `${b.lo.toFixed(1)}–${b.hi.toFixed(1)} │${'█'.repeat(len).padEnd(width)}│ ${String(b.rows).padStart(countWidth)}`;
  });
}

export async function scoreInsights(
  input: { scores: Float64Array; labels?: Uint8Array; threshold: number; runId?: string; tracker: Tracker },
): Promise<ScoreInsights> {
  const { scores, labels, threshold } = input;
  const histogram = scoreHistogram(undefined, scores, BINS).map((b) => ({ lo: b.lo, hi: b.hi, rows: b.legit }));
  let flagged = 0;
  for (const s of scores) if (s >= threshold) flagged++;
  const flaggedShare = scores.length ? flagged / scores.length : 0;
  let trainingFlaggedShare: number | null = null;
  if (input.runId) {
    const run = await input.tracker.getRun(input.runId);
    const logged = run.data.metrics.test_flagged_share;
    // Comparable only at the same threshold.
    if (logged !== undefined && run.data.params.threshold === String(threshold)) trainingFlaggedShare = logged;
  }
  let confusion: ScoreInsights['confusion'] = null;
  if (labels) {
    confusion = { tp: 0, fp: 0, fn: 0, tn: 0 };
    for (let i = 0; i < scores.length; i++) {
      const flag = scores[i] >= threshold;
      if (labels[i]) {
        if (flag) confusion.tp++;
        else confusion.fn++;
      } else if (flag) confusion.fp++;
      else confusion.tn++;
    }
  }
  return { histogram, flaggedShare, trainingFlaggedShare, confusion };
}

/** The read-outs as score prints them, after its own lines. */
export function printScoreInsights(out: Output, s: ScoreInsights, threshold: number): void {
  const { histogram, flaggedShare, trainingFlaggedShare, confusion } = s;
  out.line('Score histogram (log scale):');
  for (const line of terminalHistogram(histogram)) out.line(`  ${line}`);
  const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
  out.line(`Flagged share ${pct(flaggedShare)}${trainingFlaggedShare === null ? ' (the model\'s run logged no flagged share at this threshold to compare with)' : ` vs ${pct(trainingFlaggedShare)} on the model's test day`}.`);
  if (confusion) {
    out.line(`Confusion matrix at ${threshold}:`);
    out.table(['', 'flagged', 'not flagged'], [['fraud', confusion.tp, confusion.fn], ['legitimate', confusion.fp, confusion.tn]]);
  }
}
