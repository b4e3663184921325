import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RestTracker } from '../../src/mlflow/rest/restTracker.js';
import { runCli } from '../helpers/cli.js';
import { restTrackerFor, serverPerTest } from './server.js';

const server = serverPerTest();

const T0 = Date.parse('2025-03-21T06:00:00Z');

/** A search as train logs it: a parent with best_* metrics and two trial children. */
async function logSearch(tracker: RestTracker, testDay: string, start: number, auc: number) {
  const exp = await tracker.getOrCreateExperiment('fraud');
  const parent = await tracker.createRun({ experimentId: exp, runName: `train ${testDay}`, startTime: start, tags: { 'fraudctl.test_day': testDay } });
  for (const [i, a] of [auc - 0.05, auc].entries()) {
    const child = await tracker.createRun({ experimentId: exp, runName: `trial ${i}`, startTime: start + i + 1, tags: { 'mlflow.parentRunId': parent.runId } });
    await tracker.logBatch(child.runId, { metrics: [{ key: 'roc_auc', value: a, timestamp: start, step: 0 }] });
    await tracker.endRun(child.runId, 'FINISHED', start + 10);
  }
  await tracker.logBatch(parent.runId, { metrics: [{ key: 'best_roc_auc', value: auc, timestamp: start, step: 0 }, { key: 'best_pr_auc', value: auc / 2, timestamp: start, step: 0 }] });
  await tracker.endRun(parent.runId, 'FINISHED', start + 20);
  return parent;
}

describe('fraudctl mlflow … against a tracking server', () => {
  it('runs: recent searches (parents only), newest first, with their best metrics', async () => {
    const s = await server();
    const { tracker, cwd } = await restTrackerFor(s);
    const older = await logSearch(tracker, '2025-03-20', T0, 0.9);
    const newer = await logSearch(tracker, '2025-03-21', T0 + 86_400_000, 0.92);
    const env = { MLFLOW_TRACKING_URI: s.url };
    const r = await runCli(['mlflow', 'runs', '--experiment', 'fraud', '--json'], { env, cwd });
    expect(r.code).toBe(0);
    const runs = r.json!.runs as { runId: string; testDay: string; metrics: Record<string, number> }[];
    expect(runs.map((x) => x.runId)).toEqual([newer.runId, older.runId]);
    expect(runs[0]).toMatchObject({ testDay: '2025-03-21', metrics: { best_roc_auc: 0.92, best_pr_auc: 0.46 } });

    const table = await runCli(['mlflow', 'runs', '--experiment', 'fraud', '--last', '1'], { env, cwd });
    expect(table.stdout).toContain(newer.runId);
    expect(table.stdout).not.toContain(older.runId);
    expect(table.stdout).toMatch(/2025-03-21\s+0\.9200\s+0\.4600/);
  });

  it('models and promote', async () => {
    const s = await server({ pendingPolls: 0 });
    const { tracker, cwd } = await restTrackerFor(s);
    const p = await logSearch(tracker, '2025-03-20', T0, 0.9);
    for (const auc of ['0.9', '0.95']) await tracker.createModelVersion('fraud-detector', `mlflow-artifacts:/1/${p.runId}/artifacts/model`, p.runId, { 'fraudctl.test_day': '2025-03-20', 'fraudctl.roc_auc': auc });
    const env = { MLFLOW_TRACKING_URI: s.url };

    const first = await runCli(['mlflow', 'promote', 'fraud-detector', '1', '--json'], { env, cwd });
    expect(first.code).toBe(0);
    expect(first.json).toMatchObject({ promoted: true, previousVersion: null });
    const second = await runCli(['mlflow', 'promote', 'fraud-detector', '2'], { env, cwd });
    expect(second.stdout).toContain('fraud-detector v2: now @champion');
    expect(second.stdout).toContain('reason: roc_auc 0.9500 > 0.9000 of @champion v1 on the same test day 2025-03-20');

    const models = await runCli(['mlflow', 'models', '--json'], { env, cwd });
    expect(models.json!.models).toEqual([{ name: 'fraud-detector', aliases: { champion: '2' }, latestVersion: '2' }]);
    const versions = await runCli(['mlflow', 'models', 'fraud-detector'], { env, cwd });
    expect(versions.stdout).toMatch(/^2\s+READY\s+\S+ \S+\s+2025-03-20\s+0\.9500\s+@champion/m);
    const missing = await runCli(['mlflow', 'models', 'nope'], { env, cwd });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("no registered model 'nope'");
    const bad = await runCli(['mlflow', 'promote', 'fraud-detector', 'two'], { env, cwd });
    expect(bad.code).toBe(2);
  });

  it('a server that stays down: exit 4 after the retries; once it is back, no run is left RUNNING', async () => {
    const s = await server({ auth: { username: 'alice', password: 'pw-not-in-logs' } });
    const cwd = mkdtempSync(join(tmpdir(), 'fraudctl-cli-'));
    const env = {
      MLFLOW_TRACKING_URI: s.url,
      MLFLOW_TRACKING_USERNAME: 'alice',
      MLFLOW_TRACKING_PASSWORD: 'pw-not-in-logs',
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '2',
      MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0',
      MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0',
      FRAUDCTL_CACHE_DIR: join(cwd, 'cache'),
    };
    // A train run that was cut off: created, then the server went away before it could be ended.
    const { tracker } = await restTrackerFor(s, { env, cwd });
    const run = await tracker.createRun({ experimentId: await tracker.getOrCreateExperiment('fraudctl'), runName: 'train', startTime: T0, tags: {} });
    s.inject.down();
    await expect(tracker.endRun(run.runId, 'FAILED', T0 + 1)).rejects.toMatchObject({ exitCode: 4 });

    const down = await runCli(['mlflow', 'runs', '--json'], { env, cwd });
    expect(down.code).toBe(4);
    expect(down.stderr).toContain(`MLflow server ${s.url} unavailable after 3 attempts (2 retries)`);
    expect(down.json).toMatchObject({ ok: false, exitCode: 4 });
    expect(down.stderr + down.stdout).not.toContain('pw-not-in-logs');

    s.inject.up();
    const up = await runCli(['mlflow', 'runs', '--json'], { env, cwd });
    expect(up.code).toBe(0);
    expect([...s.state.runs.values()].filter((r) => r.info.status === 'RUNNING')).toEqual([]);
    expect(s.state.runs.get(run.runId)!.info.status).toBe('FAILED');
  });

  it('runs on the embedded file store too', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'fraudctl-cli-'));
    const r = await runCli(['mlflow', 'runs'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no runs yet');
  });
});
