import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { FileStore } from '../../src/mlflow/fileStore.js';
import { isEmbeddedTracking, openTracker } from '../../src/mlflow/openTracker.js';
import { standardRunTags } from '../../src/mlflow/runTags.js';

const log = createLogger({ level: 'silent', stream: process.stderr });
const dir = () => mkdtempSync(join(tmpdir(), 'fraudctl-open-'));
const config = (env: Record<string, string>): Config => resolveConfig({ flags: {}, env, cwd: dir() }).config;

describe('openTracker', () => {
  it('opens the file store for the default ./mlruns, relative to cwd', async () => {
    const cwd = dir();
    const t = await openTracker(config({}), log, cwd);
    expect(t.kind).toBe('file');
    expect((t as FileStore).root).toBe(join(cwd, 'mlruns'));
    expect(existsSync(join(cwd, 'mlruns'))).toBe(false); // created by the first write only
    await t.getOrCreateExperiment('x');
    expect(existsSync(join(cwd, 'mlruns', '0', 'meta.yaml'))).toBe(true);
  });

  it('opens the file store for a file:// URI, with a separate registry directory', async () => {
    const root = join(dir(), 'runs');
    const reg = join(dir(), 'registry');
    const t = await openTracker(config({ MLFLOW_TRACKING_URI: pathToFileURL(root).href, MLFLOW_REGISTRY_URI: reg }), log, dir());
    expect(t.uri).toBe(root);
    await t.createModelVersion('m', 's', 'r');
    expect(existsSync(join(reg, 'models', 'm', 'version-1', 'meta.yaml'))).toBe(true);
    expect(existsSync(join(root, 'models', 'm'))).toBe(false);
  });

  it('gives the REST tracker for http(s):// (nothing is sent on open)', async () => {
    const t = await openTracker(config({ MLFLOW_TRACKING_URI: 'http://127.0.0.1:9' }), log, dir());
    expect(t.kind).toBe('rest');
    expect(t.uri).toContain('127.0.0.1:9');
  });

  it('refuses other schemes with exit 2, naming the allowed forms', async () => {
    for (const uri of ['sqlite:///mlflow.db', 's3://bucket/mlruns', 'databricks', 'databricks://profile']) {
      const err = await openTracker(config({ MLFLOW_TRACKING_URI: uri }), log, dir()).catch((e: unknown) => e);
      expect(err).toMatchObject({ exitCode: 2, message: expect.stringContaining('file:///absolute/path, or http(s)://') });
    }
    await expect(openTracker(config({ MLFLOW_TRACKING_URI: './mlruns', MLFLOW_REGISTRY_URI: 'http://127.0.0.1:5000' }), log, dir())).rejects.toMatchObject({ exitCode: 2 });
  });

  it('isEmbeddedTracking tells the file store from a server', () => {
    expect(isEmbeddedTracking({ trackingUri: './mlruns' })).toBe(true);
    expect(isEmbeddedTracking({ trackingUri: 'file:///srv/mlruns' })).toBe(true);
    expect(isEmbeddedTracking({ trackingUri: 'C:\\mlruns' })).toBe(true);
    expect(isEmbeddedTracking({ trackingUri: 'https://mlflow.example.com' })).toBe(false);
  });
});

describe('standardRunTags', () => {
  it('a run under Airflow: JOB, parent link, Airflow context as fraudctl.airflow.*', () => {
    expect(
      standardRunTags({
        runName: 'trial-3',
        user: 'airflow',
        sourceName: 'fraudctl train',
        isJob: true,
        parentRunId: 'p123',
        airflow: { AIRFLOW_CTX_DAG_ID: 'fraud_daily', AIRFLOW_CTX_DAG_RUN_ID: 'scheduled__2025-03-20', AIRFLOW_CTX_TRY_NUMBER: '2' },
        version: '0.1.0',
      }),
    ).toEqual({
      'mlflow.runName': 'trial-3',
      'mlflow.user': 'airflow',
      'mlflow.source.name': 'fraudctl train',
      'mlflow.source.type': 'JOB',
      'mlflow.parentRunId': 'p123',
      'fraudctl.version': '0.1.0',
      'fraudctl.airflow.dag_id': 'fraud_daily',
      'fraudctl.airflow.dag_run_id': 'scheduled__2025-03-20',
      'fraudctl.airflow.try_number': '2',
    });
  });

  it('a run from a shell: LOCAL, no parent tag', () => {
    const tags = standardRunTags({ runName: 'search', user: 'ana', sourceName: 'fraudctl train', isJob: false, airflow: {}, version: '0.1.0' });
    expect(tags['mlflow.source.type']).toBe('LOCAL');
    expect(Object.keys(tags).sort()).toEqual(['fraudctl.version', 'mlflow.runName', 'mlflow.source.name', 'mlflow.source.type', 'mlflow.user']);
  });
});
