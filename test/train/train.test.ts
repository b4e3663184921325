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
const small = ['--trees', '5:20', '--depth', '3:6', '--threads', '1'];

function trainArgs(mlruns: string, ...extra: string[]) {
  return ['train', '--lake', lake, '--tracking-uri', mlruns, '--days', '3', '--test-day', TEST_DAY, '--max-evals', '3', ...small, '--json', ...extra];
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
  it('trains on the time split, logs 1 parent + N child runs and registers the best model', async () => {
    const mlruns = join(dir, 'mlruns-a');
    const r = await runCli(trainArgs(mlruns));
    expect(r.code, r.stderr).toBe(0);
    const s = r.json!;
    // --days 3 --gap 1 --test-day the 14th trains on the 10th, 11th and 12th.
    expect(s.trainDays).toEqual(['2025-02-10', '2025-02-11', '2025-02-12']);
    expect(s.testDay).toBe(TEST_DAY);
    const trials = s.trials as { trial: number; n_estimators: number; max_depth: number; metrics: Record<string, number | null>; runId: string }[];
    expect(trials).toHaveLength(3);
    for (const t of trials) {
      expect(t.n_estimators).toBeGreaterThanOrEqual(5);
      expect(t.n_estimators).toBeLessThanOrEqual(20);
      expect(t.max_depth).toBeGreaterThanOrEqual(3);
      expect(t.max_depth).toBeLessThanOrEqual(6);
      expect(t.metrics.roc_auc).toBeGreaterThan(0.5);
    }
    const best = s.best as { trial: number; metrics: { roc_auc: number } };
    expect(best.metrics.roc_auc).toBe(Math.max(...trials.map((t) => t.metrics.roc_auc!)));
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
      expect(readFileSync(join(c.dir, 'metrics', 'roc_auc'), 'utf8')).toMatch(/^\d+ 0\.\d+ 0\n?$/);
    }
    expect(existsSync(join(parent.dir, 'artifacts', 'model', 'MLmodel'))).toBe(true);
    expect(readFileSync(join(parent.dir, 'params', 'train_days'), 'utf8')).toBe('2025-02-10,2025-02-11,2025-02-12');
    // The human table marks the best trial.
    const human = await runCli(trainArgs(join(dir, 'mlruns-h')).filter((a) => a !== '--json'));
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^\*\s+\d/m);
    expect(human.stdout).toContain('roc_auc');
  }, 120_000);

  it('is reproducible: the same seed gives the same trials and metrics', async () => {
    const a = await runCli(trainArgs(join(dir, 'mlruns-r1'), '--seed', '5'));
    const b = await runCli(trainArgs(join(dir, 'mlruns-r2'), '--seed', '5', '--threads', '2'));
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const strip = (s: Record<string, unknown>) => (s.trials as Record<string, unknown>[]).map(({ runId: _r, fitSeconds: _f, ...rest }) => rest);
    expect(strip(b.json!)).toEqual(strip(a.json!));
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
    const r = await runCli(['train', '--lake', fresh, '--tracking-uri', join(dir, 'mlruns-nm'), '--test-day', '2025-01-10', '--no-build-marts', ...small]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/2025-01-05/);
    expect(r.stderr).toMatch(/2025-01-09/);
  }, 60_000);

  it('a test day with only one class fails with exit 3', async () => {
    const oneClass = join(dir, 'lake-oneclass');
    await runCli(['simulate', '--start', START, '--days', '45', '--customers', '600', '--terminals', '1200', '--seed', '3', '--lake', oneClass]);
    await rewritePartition(join(oneClass, 'transactions', `date=${TEST_DAY}`, 'data.parquet'), 'SELECT * REPLACE (0::TINYINT AS tx_fraud, 0::TINYINT AS tx_fraud_scenario) FROM src');
    const r = await runCli(['train', '--lake', oneClass, '--tracking-uri', join(dir, 'mlruns-oc'), '--test-day', TEST_DAY, ...small]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('only one class');
  }, 120_000);
});
