import { dataError, ExitCode, FraudctlError, usageError } from '../errors.js';
import { addDays, dayRange, isDay, type Day } from '../util/dates.js';

/**
 * A strict calendar split (DESIGN.md §4): N consecutive train days, then `gap` skipped days, then the
 * test day T — train days T-gap-N … T-gap-1. There is no random split anywhere.
 */
export interface Split {
  trainDays: Day[];
  testDay: Day;
  gap: number;
}

/** `--days 3 --gap 1 --test-day 2025-03-10` trains on 2025-03-06, -07 and -08. Exit 2 on bad options. */
export function timeSplit(opts: { testDay: Day; days: number; gap: number }): Split {
  checkOptions(opts.testDay, opts.days, opts.gap);
  const last = addDays(opts.testDay, -opts.gap - 1);
  const trainDays = dayRange(addDays(last, -(opts.days - 1)), last);
  return { trainDays, testDay: opts.testDay, gap: opts.gap };
}

/**
 * Checks a split before any data is read: its shape (exit 2: no train day, negative gap, train days
 * not consecutive or not ending `gap` days before the test day, overlap with the test day) and then
 * that every train and test day is among the `available` transaction partitions (exit 3, naming
 * every missing day at once).
 */
export function validateSplit(split: Split, available: Day[]): void {
  const { trainDays, testDay, gap } = split;
  checkOptions(testDay, trainDays.length, gap);
  for (const d of trainDays) {
    if (!isDay(d)) throw usageError(`train day must be a calendar date as YYYY-MM-DD, got '${d}'`);
  }
  if (trainDays.includes(testDay)) throw usageError(`the test day ${testDay} is also a train day`);
  const expected = timeSplit({ testDay, days: trainDays.length, gap }).trainDays;
  if (expected.some((d, i) => d !== trainDays[i])) {
    throw usageError(
      `train days must be the ${trainDays.length} consecutive days ending ${gap} day(s) before the test day ${testDay} ` +
        `(${expected[0]} … ${expected[expected.length - 1]}), got ${trainDays.join(', ')}`,
    );
  }

  const have = new Set(available);
  const missingTrain = trainDays.filter((d) => !have.has(d));
  const missingTest = have.has(testDay) ? [] : [testDay];
  if (missingTrain.length === 0 && missingTest.length === 0) return;
  const parts: string[] = [];
  if (missingTrain.length > 0) parts.push(`train day${missingTrain.length > 1 ? 's' : ''} ${missingTrain.join(', ')}`);
  if (missingTest.length > 0) parts.push(`test day ${testDay}`);
  throw new FraudctlError(`no transactions for ${parts.join(' and ')}`, ExitCode.Data, {
    hint: available.length > 0 ? `the lake holds ${describeDays(available)}` : 'the lake holds no transaction days',
    details: { missingTrainDays: missingTrain, missingTestDay: missingTest[0] },
  });
}

/** The latest available day: the default `--test-day`. Exit 3 when there is none. */
export function latestDay(available: Day[]): Day {
  let latest: Day | undefined;
  for (const d of available) {
    if (isDay(d) && (latest === undefined || d > latest)) latest = d; // YYYY-MM-DD sorts by date
  }
  if (latest === undefined) throw dataError('no transaction days in the lake', 'ingest or simulate some days first');
  return latest;
}

function checkOptions(testDay: Day, days: number, gap: number): void {
  const problems: string[] = [];
  if (!isDay(testDay)) problems.push(`--test-day must be a calendar date as YYYY-MM-DD, got '${testDay}'`);
  if (!Number.isInteger(days) || days < 1) problems.push(`--days must be a whole number >= 1, got ${days}`);
  if (!Number.isInteger(gap) || gap < 0) problems.push(`--gap must be a whole number >= 0, got ${gap}`);
  if (problems.length > 0) throw usageError(problems.join('; '));
}

/** "12 days, 2025-03-01 … 2025-03-12" — enough to see where the data is without listing it all. */
function describeDays(available: Day[]): string {
  const sorted = [...available].sort();
  const n = sorted.length;
  return n === 1 ? `1 day, ${sorted[0]}` : `${n} days, ${sorted[0]} … ${sorted[n - 1]}`;
}
