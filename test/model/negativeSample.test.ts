import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, FraudctlError } from '../../src/errors.js';
import { calibrateNegativeSample, negativeSampleDay, negativeSampleIndex, readModelCalibration, writeModelCalibration } from '../../src/model/negativeSample.js';
import { Rng } from '../../src/util/rng.js';
import type { FeatureRows } from '../../src/features/assemble.js';

describe('negative sampling', () => {
  const n = 200_000;
  const rng = new Rng(3, 0);
  const labels = new Uint8Array(n).map(() => (rng.next() < 0.01 ? 1 : 0));
  const frauds = labels.reduce((a, b) => a + b, 0);

  it('keeps every fraud and round(genuine · R) genuine rows, ascending, seeded', () => {
    const idx = negativeSampleIndex(labels, 0.1, 7, 0);
    const kept = [...idx];
    expect(kept.filter((i) => labels[i] === 1).length).toBe(frauds);
    expect(kept.filter((i) => labels[i] === 0).length).toBe(Math.round((n - frauds) * 0.1));
    expect(kept.every((v, i) => i === 0 || v > kept[i - 1])).toBe(true);
    expect([...negativeSampleIndex(labels, 0.1, 7, 0)]).toEqual(kept);
    expect([...negativeSampleIndex(labels, 0.1, 8, 0)]).not.toEqual(kept);
    expect(negativeSampleIndex(labels, 1, 7, 0).length).toBe(n);
    expect(() => negativeSampleIndex(labels, 0, 7, 0)).toThrow(/fraction in \(0, 1\]/);
  });

  it('a day thinned keeps the same rows of every array; a row field read empty stays empty', () => {
    const day = {
      day: '2025-01-01',
      n: 4,
      labels: Uint8Array.from([0, 1, 0, 0]),
      transactionId: BigInt64Array.from([10n, 11n, 12n, 13n]),
      customerId: BigInt64Array.from([5n, 6n, 7n, 8n]),
      terminalId: new BigInt64Array(0),
      txDatetimeMs: new Float64Array(0),
      columns: [Float64Array.from([0.5, 1.5, 2.5, 3.5])],
    } as unknown as FeatureRows;
    const idx = negativeSampleIndex(day.labels!, 0.34, 3, 9);
    const thin = negativeSampleDay(day, 0.34, 3, 9);
    expect(thin.n).toBe(idx.length);
    expect([...thin.transactionId]).toEqual([...idx].map((i) => day.transactionId[i]));
    expect([...thin.customerId]).toEqual([...idx].map((i) => day.customerId[i]));
    expect([...thin.columns[0]]).toEqual([...idx].map((i) => day.columns[0][i]));
    expect([...thin.labels!]).toEqual([...idx].map((i) => day.labels![i]));
    expect([thin.terminalId.length, thin.txDatetimeMs.length]).toEqual([0, 0]);
  });

  it('calibration maps the sample-prior probability back: p = R·ps / (R·ps − ps + 1)', () => {
    // By hand: R = 0.1, ps = 0.5 → 0.05 / (0.05 − 0.5 + 1) = 0.0909…; ps = 0 and 1 stay put.
    const s = calibrateNegativeSample(Float64Array.of(0, 0.5, 1), 0.1);
    expect(s[0]).toBe(0);
    expect(s[1]).toBeCloseTo(0.05 / 0.55, 12);
    expect(s[2]).toBe(1);
    // On a population where P(fraud) = 1 %, the sampled fraud share is 1 / (1 + 99·R); calibrating it gives 1 % back.
    const R = 0.01;
    const ps = frauds / (frauds + Math.round((n - frauds) * R));
    expect(calibrateNegativeSample(Float64Array.of(ps), R)[0]).toBeCloseTo(frauds / n, 4);
  });
});

describe('calibration.json in the model directory', () => {
  it('round-trips the rate; absent means 1; a broken file is a data error naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fraudctl-calibration-'));
    try {
      expect(await readModelCalibration(dir)).toBe(1);
      await writeModelCalibration(dir, 0.05);
      expect(await readModelCalibration(dir)).toBe(0.05);
      for (const bad of ['{', '{"method":"negative_sample","negative_sample_rate":0}', '{"method":"platt","negative_sample_rate":0.1}']) {
        writeFileSync(join(dir, 'calibration.json'), bad);
        const e = await readModelCalibration(dir).catch((x: unknown) => x);
        expect(e).toBeInstanceOf(FraudctlError);
        expect((e as FraudctlError).exitCode).toBe(ExitCode.Data);
        expect((e as Error).message).toContain('calibration.json');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
