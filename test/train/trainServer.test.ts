import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startMlflowServer, type MlflowServer } from '../mlflow/server.js';

// The same commands against a tracking server (the in-process MLflow-compatible one): runs,
// artifacts through the mlflow-artifacts proxy, registry, promotion, scoring with models:/NAME@champion.
const dir = mkdtempSync(join(tmpdir(), 'fraudctl-train-server-'));
const lake = join(dir, 'lake');
let server: MlflowServer;
// --gap 1: the 42-day lake is too short for the default gap of 7 (the label delay).
const small = ['--days', '2', '--gap', '1', '--allow-partial-history', '--bootstrap', '50', '--max-evals', '2', '--trees', '5:10', '--depth', '3:5', '--threads', '1'];
const env = () => ({ MLFLOW_TRACKING_URI: server.url, MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0', MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0', FRAUDCTL_CACHE_DIR: join(dir, 'cache') });

beforeAll(async () => {
  server = await startMlflowServer();
  const sim = await runCli(['simulate', '--start', '2025-01-01', '--days', '42', '--customers', '400', '--terminals', '800', '--seed', '5', '--lake', lake]);
  expect(sim.code, sim.stderr).toBe(0);
}, 120_000);
afterAll(() => server.close());

describe('train and score against a tracking server', () => {
  it('logs parent and child runs, uploads the model, registers, promotes, and score uses the champion', async () => {
    const r = await runCli(['train', '--lake', lake, '--test-day', '2025-02-10', ...small, '--promote', '--json'], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    const s = r.json!;
    const parent = server.state.runs.get(s.parentRunId as string)!;
    expect(parent.info.status).toBe('FINISHED');
    const children = [...server.state.runs.values()].filter((x) => x.tags.get('mlflow.parentRunId') === s.parentRunId);
    expect(children).toHaveLength(2);
    expect(children.every((c) => c.info.status === 'FINISHED' && c.params.has('n_estimators'))).toBe(true);
    expect(server.requestsTo('mlflow-artifacts/artifacts/' + `${parent.info.experiment_id}/${parent.info.run_id}/artifacts/model/MLmodel`).length).toBeGreaterThan(0);
    expect(s.registered).toEqual({ name: 'fraud-detector', version: '1' });
    expect((s.promotion as { promoted: boolean }).promoted).toBe(true);

    const sc = await runCli(['score', '--lake', lake, '--date', '2025-02-11', '--json'], { env: env() });
    expect(sc.code, sc.stderr).toBe(0);
    expect(sc.json!.modelUri).toBe('models:/fraud-detector/1');

    // A second search on the same window is promoted only if DeLong's paired test on the same
    // test rows says it is significantly better; the p-value goes into the version's tags.
    const r2 = await runCli(['train', '--lake', lake, '--test-day', '2025-02-10', ...small, '--seed', '9', '--promote', '--json'], { env: env() });
    expect(r2.code, r2.stderr).toBe(0);
    const p2 = r2.json!.promotion as { promoted: boolean; pBetter: number; pValue: number; championVersion: string; reason: string };
    expect(p2.championVersion).toBe('1');
    expect(p2.promoted).toBe(p2.pBetter < 0.05);
    expect(p2.pValue).toBe(p2.pBetter);
    const v2 = server.state.models.get('fraud-detector')!.versions.find((v) => v.version === '2')!;
    expect(Number(v2.tags.get('fraudctl.promotion_p_value'))).toBe(p2.pBetter);
    expect(v2.tags.get('fraudctl.promotion')).toContain(p2.reason);
    expect(p2.reason).toMatch(/one-sided p = /);
  }, 120_000);

  it('a failure mid-search marks the open runs FAILED (exit 1 for a server-side bug)', async () => {
    const before = new Set(server.state.runs.keys());
    // The server refuses the parent's first log-batch (a 400 is not retried).
    server.inject.fail({ path: 'runs/log-batch', times: 1, status: 400 });
    const r = await runCli(['train', '--lake', lake, '--test-day', '2025-02-10', ...small], { env: env() });
    expect(r.code).not.toBe(0);
    const created = [...server.state.runs.values()].filter((x) => !before.has(x.info.run_id));
    expect(created).toHaveLength(1);
    expect(created.every((x) => x.info.status === 'FAILED')).toBe(true);
  }, 120_000);

  it('a server that is down: exit 4 after the retries', async () => {
    server.inject.down();
    try {
      const r = await runCli(['train', '--lake', lake, '--test-day', '2025-02-10', ...small], { env: { ...env(), MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1' } });
      expect(r.code).toBe(4);
      expect(r.stderr).toContain(server.url.replace(/\/$/, ''));
    } finally {
      server.inject.up();
    }
  }, 120_000);
});
