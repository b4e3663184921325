import type { Output } from '../output.js';
import { describeTimeline } from '../model/timeSplit.js';
import { printImportances } from '../report/trainInsights.js';
import { printTrainReport } from '../train/printReport.js';
import type { TrainSummary } from '../train/summary.js';
import type { TrainOptions } from './trainOptions.js';

/** A metric as printed: four decimals, 'undef' where it is undefined (null in the summary). */
export const fmt = (x: number | null | undefined, d = 4) => (x === undefined || x === null ? 'undef' : x.toFixed(d));

/** The human report of `train` (stdout; nothing in --json mode): the timeline, trials, validation, test and importances. */
export function printTrainSummary(out: Output, s: TrainSummary, o: Pick<TrainOptions, 'sample' | 'threshold' | 'beta'>): void {
  const t = { trainDays: s.trainDays, validationDays: s.validationDays, refitDays: s.refitDays, testDays: s.testDays, gap: s.timeline.gap };
  printTrainReport(out, s, describeTimeline(t, s.timeline.delay), o);
  printImportances(out, s.importances);
}
