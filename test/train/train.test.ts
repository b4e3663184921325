import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { rewritePartition } from '../helpers/lake.js';

// One small simulated lake for the whole file: 45 days, so the marts of the last days have full history.
const dir = mkdtempSync(join(tmpdir(), 'fraudctl-train-'));
const lake = join(dir, 'lake');
const START = '2025-01-01';
const TEST_DAY = '2025-02-14'; // day 44, the last
const small = ['--trees', '5:20', '--depth', '3:6', '--threads', '1', '--bootstrap', '100'];

// --gap 1 keeps the timeline inside a 45-day lake whose marts have full history; the default gap
// (the label delay, 7) is tested on its own below.
function trainArgs(mlruns: string, ...extra: string[]) {
  return ['train', '--lake', lake, '--tracking-uri', mlruns, '--days', '3', '--gap', '1', '--test-day', TEST_DAY, '--max-evals', '3', ...small, '--json', ...extra];
}

/** Runs (meta.yaml + tags) of an experiment directory of the file store. */
function readRuns(expDir: string) {
  return readdirSync(expDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(expDir, e.name, 'meta.yaml')))
    .map((e) => {
      const runDir = join(expDir, e.name);
      const tagsDir = join(runDir, 'tags');
      const parent = join(tagsDir, 'mlflow.parentRunId');
      return { id: e.name, meta: readFileSync(join(runDir, 'meta.yaml'), 'utf8'), parent: existsSync(parent) ? readFileSync(parent, 'utf8') : undefined, dir: runDir };
    });
}

beforeAll(async () => {
  const r = await runCli(['simulate', '--start', START, '--days', '45', '--customers', '600', '--terminals', '1200', '--seed', '3', '--lake', lake, '--json']);
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

describe('fraudctl train', () => {
  it('selects on the validation window, refits, scores the test window once, logs 1 parent + N child runs', async () => {
    const mlruns = join(dir, 'mlruns-a');
    const r = await runCli(trainArgs(mlruns));
    expect(r.code, r.stderr).toBe(0);
    const s = r.json!;
    // --days 3 --gap 1 --test-day the 14th: train 8–10 | gap 11 | validation 12 | gap 13 | test 14; refit 10–12.
    expect(s.trainDays).toEqual(['2025-02-08', '2025-02-09', '2025-02-10']);
    expect(s.validationDays).toEqual(['2025-02-12']);
    expect(s.testDays).toEqual([TEST_DAY]);
    expect(s.refitDays).toEqual(['2025-02-10', '2025-02-11', '2025-02-12']);
    expect(s.testDay).toBe(TEST_DAY);
    const tl = s.timeline as Record<string, { from: string; to: string; rows: number; frauds: number }>;
    expect(tl.validation.from).toBe('2025-02-12');
    expect(tl.test.rows).toBe(s.testRows);
    const trials = s.trials as { trial: number; n_estimators: number; max_depth: number; validation: Record<string, number | null>; runId: string }[];
    expect(trials).toHaveLength(3);
    for (const t of trials) {
      expect(t.n_estimators).toBeGreaterThanOrEqual(5);
      expect(t.n_estimators).toBeLessThanOrEqual(20);
      expect(t.max_depth).toBeGreaterThanOrEqual(3);
      expect(t.max_depth).toBeLessThanOrEqual(6);
      // one small validation day after the known cards are dropped: any AUC, but a defined one
      expect(t.validation.roc_auc).toBeGreaterThan(0);
      expect(t.validation.roc_auc).toBeLessThan(1);
    }
    // The chosen trial is the best on VALIDATION; the test window is reported apart.
    const best = s.best as { trial: number };
    const valAucs = trials.map((t) => t.validation.roc_auc!);
    expect(trials[best.trial].validation.roc_auc).toBe(Math.max(...valAucs));
    const validation = s.validation as { pooled: Record<string, unknown>; days: { day: string }[] };
    const test = s.test as { pooled: Record<string, any>; days: { day: string }[] };
    expect(validation.pooled.roc_auc).toBe(trials[best.trial].validation.roc_auc);
    expect(test.days.map((d) => d.day)).toEqual([TEST_DAY]);
    const ci = test.pooled.roc_auc_ci95 as [number, number];
    expect(ci[0]).toBeLessThan(test.pooled.roc_auc);
    expect(ci[1]).toBeGreaterThan(test.pooled.roc_auc);
    expect(test.pooled.pr_auc_ci95).toHaveLength(2);
    expect(test.pooled.k).toBe(100);
    // Known-compromised cards are dropped by default, and counted.
    expect(test.pooled.droppedRows).toBeGreaterThan(0);
    expect(test.pooled.rows + test.pooled.droppedRows).toBe(s.testRows);
    expect((s.validationTestGap as { roc_auc: number }).roc_auc).toBeCloseTo((validation.pooled.roc_auc as number) - test.pooled.roc_auc, 12);
    expect(s.registered).toEqual({ name: 'fraud-detector', version: '1' });

    const expDir = join(mlruns, String(s.experimentId));
    const runs = readRuns(expDir);
    const parent = runs.find((x) => x.id === s.parentRunId)!;
    expect(parent.parent).toBeUndefined();
    expect(parent.meta).toMatch(/status: 3/);
    const children = runs.filter((x) => x.parent === s.parentRunId);
    expect(children.map((c) => c.id).sort()).toEqual(trials.map((t) => t.runId).sort());
    for (const c of children) {
      expect(c.meta).toMatch(/status: 3/);
      expect(readFileSync(join(c.dir, 'params', 'n_estimators'), 'utf8')).toMatch(/^\d+$/);
      expect(readFileSync(join(c.dir, 'metrics', 'validation_roc_auc'), 'utf8')).toMatch(/^\d+ 0\.\d+ 0\n?$/);
    }
    expect(existsSync(join(parent.dir, 'artifacts', 'model', 'MLmodel'))).toBe(true);
    expect(readFileSync(join(parent.dir, 'params', 'train_days'), 'utf8')).toBe('2025-02-08,2025-02-09,2025-02-10');
    expect(readFileSync(join(parent.dir, 'params', 'validation_days'), 'utf8')).toBe('2025-02-12');
    const metric = (k: string) => Number(readFileSync(join(parent.dir, 'metrics', k), 'utf8').split(' ')[1]);
    expect(metric('test_roc_auc')).toBe(test.pooled.roc_auc);
    expect(metric('validation_roc_auc')).toBe(validation.pooled.roc_auc);
    expect(metric('test_roc_auc_ci95_low')).toBe(ci[0]);
    expect(metric('test_card_precision_at_k')).toBe(test.pooled.card_precision_at_k);
    // The human output draws the timeline and marks the chosen trial.
    const human = await runCli(trainArgs(join(dir, 'mlruns-h')).filter((a) => a !== '--json'));
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^\*\s+\d/m);
    expect(human.stdout).toMatch(/validation 2025-02-12/);
    expect(human.stdout).toContain('val_roc_auc');
  }, 300_000);

  it('defaults: the gap follows the label delay; --test-days N reports each day and the pooled window', async () => {
    const r = await runCli(['train', '--lake', lake, '--tracking-uri', join(dir, 'mlruns-d'), '--days', '2', '--test-day', '2025-02-12', '--test-days', '3', '--max-evals', '2', '--allow-partial-history', ...small, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = r.json!;
    // gap 7 (= --delay): train 01-26..27 | gap 01-28..02-03 | validation 02-04 | gap 02-05..11 | test 02-12..14.
    expect(s.validationDays).toEqual(['2025-02-04']);
    expect(s.trainDays).toEqual(['2025-01-26', '2025-01-27']);
    expect(s.refitDays).toEqual(['2025-02-03', '2025-02-04']);
    expect(s.testDays).toEqual(['2025-02-12', '2025-02-13', '2025-02-14']);
    const test = s.test as { days: Record<string, any>[]; pooled: Record<string, any> };
    expect(test.days).toHaveLength(3);
    expect(test.pooled.rows).toBe(test.days.reduce((a, d) => a + d.rows, 0));
    expect(test.pooled.card_precision_at_k).toBeCloseTo(test.days.reduce((a, d) => a + d.card_precision_at_k, 0) / 3, 12);
    // --keep-known-compromised: nothing dropped, more rows evaluated.
    const kept = await runCli(['train', '--lake', lake, '--tracking-uri', join(dir, 'mlruns-k'), '--days', '2', '--test-day', '2025-02-12', '--max-evals', '1', '--allow-partial-history', '--keep-known-compromised', ...small, '--json']);
    expect(kept.code, kept.stderr).toBe(0);
    const kp = (kept.json!.test as { pooled: Record<string, number> }).pooled;
    expect(kp.droppedRows).toBe(0);
    expect(kp.rows).toBe(test.days[0].rows + test.days[0].droppedRows);
    // --help draws the timeline for the flags given.
    const help = await runCli(['train', '--days', '2', '--test-day', '2025-02-12', '--help']);
    expect(help.stdout).toMatch(/validation 2025-02-04/);
    expect(help.stdout).toMatch(/gap\s+2025-02-05 … 2025-02-11\s+\(7 days: labels arrive 7 days late\)/);
  }, 120_000);

  it('is reproducible: the same seed gives the same trials and metrics', async () => {
    const a = await runCli(trainArgs(join(dir, 'mlruns-r1'), '--seed', '5'));
    const b = await runCli(trainArgs(join(dir, 'mlruns-r2'), '--seed', '5', '--threads', '2'));
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const strip = (s: Record<string, unknown>) => (s.trials as Record<string, unknown>[]).map(({ runId: _r, fitSeconds: _f, ...rest }) => rest);
    expect(strip(b.json!)).toEqual(strip(a.json!));
    expect(b.json!.test).toEqual(a.json!.test);
  }, 120_000);

  it('validates the split: missing days (exit 3), bad flags (exit 2)', async () => {
    const mlruns = join(dir, 'mlruns-bad');
    const late = await runCli(['train', '--lake', lake, '--tracking-uri', mlruns, '--test-day', '2025-03-30', '--json']);
    expect(late.code).toBe(3);
    expect(late.stderr).toContain('2025-03-30');
    const early = await runCli(['train', '--lake', lake, '--tracking-uri', mlruns, '--test-day', '2025-01-02', '--days', '3']);
    expect(early.code).toBe(3);
    expect((await runCli(['train', '--lake', lake, '--days', '0'])).code).toBe(2);
    expect((await runCli(['train', '--lake', lake, '--sample', '0'])).code).toBe(2);
    expect((await runCli(['train', '--lake', lake, '--trees', '300:50'])).code).toBe(2);
    expect((await runCli(['train', '--lake', lake, '--search', 'grid'])).code).toBe(2);
    expect((await runCli(['train', '--lake', lake, '--test-day', '2025-02-30'])).code).toBe(2);
    expect(existsSync(mlruns) ? readdirSync(mlruns).filter((f) => f !== '0' && f !== '.trash' && f !== 'models') : []).toEqual([]);
  }, 60_000);

  it('with --no-build-marts a missing mart is an error listing what is missing', async () => {
    const fresh = join(dir, 'lake-nomarts');
    await runCli(['simulate', '--start', START, '--days', '10', '--customers', '200', '--terminals', '400', '--seed', '4', '--lake', fresh]);
    const r = await runCli(['train', '--lake', fresh, '--tracking-uri', join(dir, 'mlruns-nm'), '--test-day', '2025-01-10', '--gap', '0', '--no-build-marts', ...small]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/2025-01-05/);
    expect(r.stderr).toMatch(/2025-01-09/);
  }, 60_000);

  it('a test day with only one class fails with exit 3', async () => {
    const oneClass = join(dir, 'lake-oneclass');
    await runCli(['simulate', '--start', START, '--days', '45', '--customers', '600', '--terminals', '1200', '--seed', '3', '--lake', oneClass]);
    await rewritePartition(join(oneClass, 'transactions', `date=${TEST_DAY}`, 'data.parquet'), 'SELECT * REPLACE (0::TINYINT AS tx_fraud, 0::TINYINT AS tx_fraud_scenario) FROM src');
    const r = await runCli(['train', '--lake', oneClass, '--tracking-uri', join(dir, 'mlruns-oc'), '--test-day', TEST_DAY, '--gap', '1', ...small]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('only one class');
  }, 120_000);
});
