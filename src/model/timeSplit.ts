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

/**
 * The evaluation timeline (README "Evaluation protocol"):
 *
 *   train (N) | gap (G) | validation (V) | gap (G) | test (K)
 *
 * The search trains each trial on `train` and scores it on `validation`; the chosen parameters are
 * refit on `refit` — the N days ending G days before the test, i.e. the train window shifted by
 * V + G days, exactly what a production retrain on the first test day would use — and that model is
 * scored once on `test`. With G ≥ the label delay no window is trained on labels that would still be
 * unknown on the first day it is evaluated on.
 */
export interface Timeline {
  trainDays: Day[];
  validationDays: Day[];
  refitDays: Day[];
  testDays: Day[];
  gap: number;
}

export function planTimeline(o: { testDay: Day; days: number; gap: number; validationDays: number; testDays: number }): Timeline {
  checkOptions(o.testDay, o.days, o.gap);
  const problems: string[] = [];
  if (!Number.isInteger(o.validationDays) || o.validationDays < 1) problems.push(`--validation-days must be a whole number >= 1, got ${o.validationDays}`);
  if (!Number.isInteger(o.testDays) || o.testDays < 1) problems.push(`--test-days must be a whole number >= 1, got ${o.testDays}`);
  if (problems.length > 0) throw usageError(problems.join('; '));
  const testDays = dayRange(o.testDay, addDays(o.testDay, o.testDays - 1));
  const refitDays = timeSplit({ testDay: o.testDay, days: o.days, gap: o.gap }).trainDays;
  const validationStart = addDays(o.testDay, -o.gap - o.validationDays);
  const validationDays = dayRange(validationStart, addDays(validationStart, o.validationDays - 1));
  const trainDays = timeSplit({ testDay: validationStart, days: o.days, gap: o.gap }).trainDays;
  return { trainDays, validationDays, refitDays, testDays, gap: o.gap };
}

/** Every day of the timeline must be in the lake (exit 3 naming each missing day by its role). */
export function checkTimelineDays(t: Timeline, available: Day[]): void {
  const have = new Set(available);
  const roles: [string, Day[]][] = [
    ['train', t.trainDays],
    ['validation', t.validationDays],
    ['refit', t.refitDays],
    ['test', t.testDays],
  ];
  const parts = roles.map(([role, days]) => [role, days.filter((d) => !have.has(d))] as const).filter(([, m]) => m.length > 0);
  if (parts.length === 0) return;
  throw new FraudctlError(`no transactions for ${parts.map(([role, m]) => `${role} day${m.length > 1 ? 's' : ''} ${m.join(', ')}`).join('; ')}`, ExitCode.Data, {
    hint: `${available.length > 0 ? `the lake holds ${describeDays(available)}` : 'the lake holds no transaction days'}; the timeline needs ${t.trainDays[0]} … ${t.testDays[t.testDays.length - 1]} (fewer --days, --validation-days or a smaller --gap shorten it)`,
    details: Object.fromEntries(parts.map(([role, m]) => [`missing_${role}`, m])),
  });
}

/**
 * The timeline as a few lines of text with dates, for `train --help` and the run's output:
 *   train       2025-02-01 … 2025-02-03  (3 days)
 *   gap         2025-02-04 … 2025-02-10  (7 days: labels arrive 7 days late)
 *   ...
 */
export function describeTimeline(t: Timeline, delay: number): string[] {
  const span = (days: Day[]) => (days.length === 1 ? `${days[0]}              ` : `${days[0]} … ${days[days.length - 1]}`);
  const gapDays = (after: Day) => (t.gap === 0 ? [] : dayRange(addDays(after, 1), addDays(after, t.gap)));
  const count = (n: number) => `${n} day${n === 1 ? '' : 's'}`;
  const lines: [string, Day[], string][] = [
    ['train', t.trainDays, 'the trials train here'],
    ['gap', gapDays(t.trainDays[t.trainDays.length - 1]), ''],
    ['validation', t.validationDays, 'the search picks its trial here'],
    ['gap', gapDays(t.validationDays[t.validationDays.length - 1]), ''],
    ['test', t.testDays, 'the refit model is scored once here'],
    ['refit', t.refitDays, 'the final model: the chosen parameters trained again here'],
  ];
  const note = t.gap >= delay ? `labels arrive ${delay} days late` : `shorter than the ${delay}-day label delay: trains on labels not yet known`;
  return lines
    .filter(([, days]) => days.length > 0)
    .map(([name, days, what]) => `  ${name.padEnd(11)}${span(days)}  (${count(days.length)}${name === 'gap' ? `: ${note}` : ''})${what ? `  ${what}` : ''}`);
}
