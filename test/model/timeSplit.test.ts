import { describe, expect, it } from 'vitest';
import { ExitCode, FraudctlError } from '../../src/errors.js';
import { latestDay, timeSplit, validateSplit, type Split } from '../../src/model/timeSplit.js';
import { dayRange } from '../../src/util/dates.js';

function caught(fn: () => unknown): FraudctlError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FraudctlError) return e;
    throw e;
  }
  throw new Error('expected a FraudctlError');
}

describe('timeSplit', () => {
  it('trains on T-G-N … T-G-1 (DESIGN.md §4: --days 3 --gap 1, T = the 10th → 6th, 7th, 8th)', () => {
    expect(timeSplit({ testDay: '2025-03-10', days: 3, gap: 1 })).toEqual({
      trainDays: ['2025-03-06', '2025-03-07', '2025-03-08'],
      testDay: '2025-03-10',
      gap: 1,
    });
  });

  it('trains on the days right before the test day with gap 0, across a month end', () => {
    expect(timeSplit({ testDay: '2025-03-02', days: 2, gap: 0 }).trainDays).toEqual(['2025-02-28', '2025-03-01']);
    expect(timeSplit({ testDay: '2024-03-01', days: 1, gap: 0 }).trainDays).toEqual(['2024-02-29']); // leap year
  });

  it('rejects days < 1, a negative or fractional gap and a bad test day, all at once, with exit 2', () => {
    const e = caught(() => timeSplit({ testDay: '2025-02-30', days: 0, gap: -1 }));
    expect(e.exitCode).toBe(ExitCode.Usage);
    expect(e.message).toMatch(/--test-day .*2025-02-30/);
    expect(e.message).toMatch(/--days .*got 0/);
    expect(e.message).toMatch(/--gap .*got -1/);
    expect(caught(() => timeSplit({ testDay: '2025-03-10', days: 2.5, gap: 0 })).message).toMatch(/--days/);
    expect(caught(() => timeSplit({ testDay: '2025-03-10', days: 2, gap: 0.5 })).message).toMatch(/--gap/);
  });
});

describe('validateSplit', () => {
  const lake = dayRange('2025-03-01', '2025-03-20');
  const split = timeSplit({ testDay: '2025-03-10', days: 3, gap: 1 });

  it('accepts a split whose days are all in the lake', () => {
    expect(() => validateSplit(split, lake)).not.toThrow();
  });

  it('names every missing train day and the missing test day, with exit 3', () => {
    const available = lake.filter((d) => !['2025-03-06', '2025-03-08', '2025-03-10'].includes(d));
    const e = caught(() => validateSplit(split, available));
    expect(e.exitCode).toBe(ExitCode.Data);
    expect(e.message).toBe('no transactions for train days 2025-03-06, 2025-03-08 and test day 2025-03-10');
    expect(e.details).toEqual({ missingTrainDays: ['2025-03-06', '2025-03-08'], missingTestDay: '2025-03-10' });
    expect(e.hint).toBe('the lake holds 17 days, 2025-03-01 … 2025-03-20');
  });

  it('reports a missing test day alone, and an empty lake', () => {
    const e = caught(() => validateSplit(split, dayRange('2025-03-01', '2025-03-09')));
    expect(e.exitCode).toBe(ExitCode.Data);
    expect(e.message).toBe('no transactions for test day 2025-03-10');
    const empty = caught(() => validateSplit(split, []));
    expect(empty.message).toBe('no transactions for train days 2025-03-06, 2025-03-07, 2025-03-08 and test day 2025-03-10');
    expect(empty.hint).toBe('the lake holds no transaction days');
  });

  it('does not need the skipped gap days', () => {
    expect(() => validateSplit(split, lake.filter((d) => d !== '2025-03-09'))).not.toThrow();
  });

  it('rejects a split with no train day or a negative gap with exit 2, before looking at the data', () => {
    const noTrain: Split = { trainDays: [], testDay: '2025-03-10', gap: 1 };
    expect(caught(() => validateSplit(noTrain, [])).exitCode).toBe(ExitCode.Usage);
    const negGap: Split = { trainDays: ['2025-03-09'], testDay: '2025-03-10', gap: -1 };
    expect(caught(() => validateSplit(negGap, [])).message).toMatch(/--gap/);
  });

  it('rejects train days overlapping the test day', () => {
    const overlap: Split = { trainDays: ['2025-03-09', '2025-03-10'], testDay: '2025-03-10', gap: 0 };
    const e = caught(() => validateSplit(overlap, lake));
    expect(e.exitCode).toBe(ExitCode.Usage);
    expect(e.message).toBe('the test day 2025-03-10 is also a train day');
  });

  it('rejects train days that are not the consecutive days ending gap days before the test day', () => {
    const holes: Split = { trainDays: ['2025-03-05', '2025-03-07', '2025-03-08'], testDay: '2025-03-10', gap: 1 };
    expect(caught(() => validateSplit(holes, lake)).message).toMatch(/consecutive .*2025-03-06 … 2025-03-08/);
    const wrongGap: Split = { trainDays: ['2025-03-08', '2025-03-09'], testDay: '2025-03-10', gap: 1 };
    expect(caught(() => validateSplit(wrongGap, lake)).exitCode).toBe(ExitCode.Usage);
    const after: Split = { trainDays: ['2025-03-11'], testDay: '2025-03-10', gap: 0 };
    expect(caught(() => validateSplit(after, lake)).exitCode).toBe(ExitCode.Usage);
    const notADay: Split = { trainDays: ['2025-3-9'], testDay: '2025-03-10', gap: 0 };
    expect(caught(() => validateSplit(notADay, lake)).message).toMatch(/2025-3-9/);
  });
});

describe('latestDay', () => {
  it('is the latest day whatever the order, ignoring names that are not days', () => {
    expect(latestDay(['2025-03-02', '2025-03-11', '2025-02-28', 'tmp'])).toBe('2025-03-11');
  });

  it('fails with exit 3 when there is no day', () => {
    expect(caught(() => latestDay([])).exitCode).toBe(ExitCode.Data);
    expect(caught(() => latestDay(['junk'])).exitCode).toBe(ExitCode.Data);
  });
});

describe('planTimeline', () => {
  it('train | gap | validation | gap | test, and the refit window ending gap days before the test', async () => {
    const { planTimeline, checkTimelineDays, describeTimeline } = await import('../../src/model/timeSplit.js');
    // The handbook's shape: 7 | 7 | 7 for validation, the same shifted for test.
    const t = planTimeline({ testDay: '2018-08-08', days: 7, gap: 7, validationDays: 7, testDays: 7 });
    expect(t.testDays).toEqual(dayRange('2018-08-08', '2018-08-14'));
    expect(t.validationDays).toEqual(dayRange('2018-07-25', '2018-07-31'));
    expect(t.trainDays).toEqual(dayRange('2018-07-11', '2018-07-17'));
    expect(t.refitDays).toEqual(dayRange('2018-07-25', '2018-07-31'));
    // --days 3 --gap 1 on the 10th: train 4–6, gap 7, validation 8, gap 9, test 10; refit 6–8.
    const s = planTimeline({ testDay: '2025-03-10', days: 3, gap: 1, validationDays: 1, testDays: 1 });
    expect(s).toMatchObject({ trainDays: ['2025-03-04', '2025-03-05', '2025-03-06'], validationDays: ['2025-03-08'], refitDays: ['2025-03-06', '2025-03-07', '2025-03-08'], testDays: ['2025-03-10'] });
    const e = caught(() => checkTimelineDays(s, dayRange('2025-03-05', '2025-03-10')));
    expect(e.exitCode).toBe(ExitCode.Data);
    expect(e.message).toMatch(/train day 2025-03-04/);
    expect(caught(() => planTimeline({ testDay: '2025-03-10', days: 3, gap: 1, validationDays: 0, testDays: 1 })).exitCode).toBe(ExitCode.Usage);
    expect(describeTimeline(s, 7).join('\n')).toMatch(/shorter than the 7-day label delay/);
  });
});
