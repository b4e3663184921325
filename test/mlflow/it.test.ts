import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveModel } from '../../src/mlflow/modelUri.js';
import { promoteIfBetter } from '../../src/mlflow/promote.js';
import { MlflowApiError } from '../../src/mlflow/rest/http.js';
import { runCli } from '../helpers/cli.js';
import { captureLog, restTrackerFor } from './server.js';
import { startRealMlflow, type RealMlflow } from './realServer.js';

/**
 * The scenarios of the rest*.test.ts files against a real MLflow tracking server: by default a
 * real MLflow 3 server (sqlite, proxied artifacts) that this file starts from .venv/mlflow3; or,
 * to try another server, FRAUDCTL_IT_MLFLOW_URI=http://127.0.0.1:5000 npx vitest run test/mlflow/it.test.ts
 * The server's own credentials and artifact settings come from the usual variables
 * (MLFLOW_TRACKING_USERNAME/PASSWORD/TOKEN, MLFLOW_S3_ENDPOINT_URL, AWS_*). Every name is unique
 * to the run, so the test can be repeated against the same server.
 */
let URI = process.env.FRAUDCTL_IT_MLFLOW_URI ?? '';
const PASS = ['MLFLOW_TRACKING_USERNAME', 'MLFLOW_TRACKING_PASSWORD', 'MLFLOW_TRACKING_TOKEN', 'MLFLOW_TRACKING_INSECURE_TLS', 'MLFLOW_TRACKING_SERVER_CERT_PATH', 'MLFLOW_S3_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_DEFAULT_REGION', 'AWS_REGION'];
const env = Object.fromEntries(PASS.filter((k) => process.env[k]).map((k) => [k, process.env[k] as string]));
const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const T0 = Date.now();

describe('against a real MLflow server', () => {
  let server: RealMlflow | undefined;
  const store = mkdtempSync(join(tmpdir(), 'fraudctl-it-mlflow-'));
  beforeAll(async () => {
    if (URI) return;
    server = await startRealMlflow('mlflow3', ['--backend-store-uri', `sqlite:///${store}/mlflow.db`, '--artifacts-destination', join(store, 'artifacts'), '--serve-artifacts'], { cwd: store });
    URI = server.url;
  }, 240_000);
  afterAll(async () => {
    await server?.close();
    rmSync(store, { recursive: true, force: true });
  });
  const open = () => restTrackerFor({ url: URI! }, { env: { ...env, MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '1' } });

  it('experiments, runs, chunked log-batch, undefined metrics, params are write-once', async () => {
    const { tracker } = await open();
    const exp = await tracker.getOrCreateExperiment(`fraudctl-it-${tag}`);
    expect(await tracker.getOrCreateExperiment(`fraudctl-it-${tag}`)).toBe(exp);
    const run = await tracker.createRun({ experimentId: exp, runName: 'it', startTime: T0, tags: { 'fraudctl.it': tag } });
    const metrics = Array.from({ length: 2500 }, (_, i) => ({ key: `m${i % 50}`, value: i, timestamp: T0, step: Math.floor(i / 50) }));
    await tracker.logBatch(run.runId, { metrics, params: { a: '1', long: 'x'.repeat(7000) }, tags: { note: 'y'.repeat(6000) } });
    await tracker.logBatch(run.runId, { metrics: [{ key: 'precision', value: NaN, timestamp: T0, step: 0 }] });
    const err = await tracker.logBatch(run.runId, { params: { a: '2' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowApiError);
    expect((err as MlflowApiError).status).toBe(400);
    await tracker.endRun(run.runId, 'FINISHED', T0 + 1000);

    const got = await tracker.getRun(run.runId);
    expect(got.info.status).toBe('FINISHED');
    expect(got.data.metrics.m49).toBe(2499);
    expect(got.data.params.long).toHaveLength(6000);
    expect(got.data.tags.note).toHaveLength(5000);
    expect(got.data.tags['fraudctl.undefined_metrics']).toBe('precision');
    expect(await tracker.getMetricHistory(run.runId, 'm0')).toHaveLength(50);
    expect((await tracker.searchRuns([exp], { tags: { 'fraudctl.it': tag }, status: 'FINISHED' })).map((r) => r.info.runId)).toEqual([run.runId]);
    expect(await tracker.searchRuns([exp], { tags: { 'fraudctl.it': 'none' } })).toEqual([]);
  });

  it('artifacts by the run URI scheme, log-model, registry, promotion, resolveModel', async () => {
    const { tracker } = await open();
    const { log } = await captureLog();
    const exp = await tracker.getOrCreateExperiment(`fraudctl-it-${tag}`);
    const name = `fraudctl-it-${tag}`;
    const versions: string[] = [];
    for (const auc of [0.9, 0.85, 0.93]) {
      const run = await tracker.createRun({ experimentId: exp, runName: `auc ${auc}`, startTime: Date.now(), tags: {} });
      const dir = mkdtempSync(join(tmpdir(), 'fraudctl-it-'));
      writeFileSync(join(dir, 'MLmodel'), 'artifact_path: model\n');
      writeFileSync(join(dir, 'model.json'), JSON.stringify({ auc }));
      await tracker.logArtifacts(run, dir, 'model');
      await tracker.logModel(run.runId, { artifact_path: 'model', flavors: { fraudctl_rf: { data: 'model.json' } }, run_id: run.runId, utc_time_created: '2025-03-21 06:00:00.000000' });
      await tracker.endRun(run.runId, 'FINISHED', Date.now());
      const mv = await tracker.createModelVersion(name, `${run.artifactUri}/model`, run.runId, { 'fraudctl.test_day': '2025-03-20', 'fraudctl.roc_auc': String(auc) });
      expect(mv.status).toBe('READY');
      versions.push(mv.version);
    }
    expect(await tracker.getModelVersionByAlias(name, 'champion')).toBeUndefined();
    expect((await promoteIfBetter(tracker, { name, version: versions[0], log })).promoted).toBe(true);
    expect((await promoteIfBetter(tracker, { name, version: versions[1], log })).promoted).toBe(false);
    expect((await promoteIfBetter(tracker, { name, version: versions[2], log })).promoted).toBe(true);
    expect((await tracker.getModelVersionByAlias(name, 'champion'))!.version).toBe(versions[2]);
    expect((await tracker.getModelVersion(name, versions[1])).tags['fraudctl.promotion']).toMatch(/^not promoted/);

    const cache = mkdtempSync(join(tmpdir(), 'fraudctl-it-cache-'));
    const m = await resolveModel(`models:/${name}@champion`, tracker, cache);
    expect(JSON.parse(readFileSync(join(m.dir, 'model.json'), 'utf8'))).toEqual({ auc: 0.93 });
    await expect(resolveModel(`models:/${name}@nope`, tracker, cache)).rejects.toMatchObject({ exitCode: 3 });
    await tracker.deleteAlias(name, 'champion');
    expect(await tracker.getModelVersionByAlias(name, 'champion')).toBeUndefined();
  });

  it('fraudctl mlflow runs / models through the CLI', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'fraudctl-it-cli-'));
    const r = await runCli(['mlflow', 'runs', '--experiment', `fraudctl-it-${tag}`, '--json'], { env: { ...env, MLFLOW_TRACKING_URI: URI }, cwd });
    expect(r.code).toBe(0);
    expect((r.json!.runs as unknown[]).length).toBeGreaterThan(0);
    const m = await runCli(['mlflow', 'models', `fraudctl-it-${tag}`, '--json'], { env: { ...env, MLFLOW_TRACKING_URI: URI }, cwd });
    expect(m.code).toBe(0);
  });
});

describe('an unreachable server', () => {
  it('is exit 4 after the retries', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'fraudctl-it-cli-'));
    const env0 = { MLFLOW_TRACKING_URI: 'http://127.0.0.1:9', MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1', MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0', MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0' };
    const r = await runCli(['mlflow', 'models'], { env: env0, cwd });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('MLflow server http://127.0.0.1:9 unavailable after 2 attempts');
  });
});
