import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type Postgres } from '../helpers/postgres.js';
import { startS3Server, type S3ServerHandle } from '../helpers/s3server.js';
import { expectReadback, readBack, runCycle, simulateLake, type CycleResult, type Readback } from './realCycle.js';
import { startRealMlflow, type MlflowVenv, type RealMlflow } from './realServer.js';

/**
 * The product against a real MLflow server from PyPI, one backend per describe, one server start
 * each: (a) sqlite with proxied artifacts, (b) the production layout, PostgreSQL + artifacts on S3
 * (moto, checking signatures) that the clients reach themselves, (c) a server over fraudctl's
 * embedded ./mlruns. Called by
 * real2.test.ts and real3.test.ts (one file per MLflow version, so vitest runs them side by side).
 */
export function describeRealMlflow(venv: MlflowVenv, expectVersion: RegExp): void {
  const tmp = mkdtempSync(join(tmpdir(), `fraudctl-${venv}-`));
  const lake = join(tmp, 'lake');
  beforeAll(() => simulateLake(lake), 60_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  describe(`${venv}: sqlite backend, proxied artifacts (mlflow-artifacts:/)`, () => {
    const dir = join(tmp, 'sqlite');
    let server: RealMlflow;
    let cycle: CycleResult;
    let rb: Readback;
    beforeAll(async () => {
      mkdirSync(dir, { recursive: true });
      server = await startRealMlflow(venv, ['--backend-store-uri', `sqlite:///${dir}/mlflow.db`, '--artifacts-destination', join(dir, 'artifacts'), '--serve-artifacts'], { cwd: tmp });
      cycle = await runCycle(lake, { MLFLOW_TRACKING_URI: server.url }, tmp);
      rb = await readBack(venv, server.url, lake, tmp);
    }, 240_000);
    afterAll(() => server?.close());

    it('the Python client reads back runs, trials, metrics, the champion and a loadable model', () => {
      expect(rb.mlflow_version).toMatch(expectVersion);
      expect(rb.parent.info.artifact_uri).toMatch(/^mlflow-artifacts:\//);
      expectReadback(rb, cycle);
    });
  });

  describe(`${venv}: mlflow server over fraudctl's embedded ./mlruns`, () => {
    const cwd = join(tmp, 'embedded');
    let server: RealMlflow;
    let cycle: CycleResult;
    let rb: Readback;
    beforeAll(async () => {
      mkdirSync(cwd, { recursive: true });
      // fraudctl writes ./mlruns itself (no server), then a real server opens that directory.
      const embedded = await runCycle(lake, { MLFLOW_TRACKING_URI: './mlruns' }, cwd);
      // MLflow ≥ 3.7 refuses a file store unless opted in (it is in "maintenance mode"); 2.x ignores this.
      server = await startRealMlflow(venv, ['--backend-store-uri', join(cwd, 'mlruns'), '--default-artifact-root', join(cwd, 'mlruns')], { cwd, env: { MLFLOW_ALLOW_FILE_STORE: 'true' } });
      rb = await readBack(venv, server.url, lake, tmp);
      cycle = embedded;
    }, 240_000);
    afterAll(() => server?.close());

    it('the Python client reads back what fraudctl wrote to ./mlruns', () => {
      expect(rb.parent.info.artifact_uri).toMatch(/^file:\/\//);
      expectReadback(rb, cycle);
    });
  });

  describe(`${venv}: PostgreSQL backend, artifacts on S3 (--default-artifact-root s3://…, MLFLOW_S3_ENDPOINT_URL)`, () => {
    let pg: Postgres;
    let s3: S3ServerHandle;
    let server: RealMlflow;
    let cycle: CycleResult;
    let rb: Readback;
    beforeAll(async () => {
      [pg, s3] = await Promise.all([startPostgres(), startS3Server(['mlflow'])]);
      const s3env = { MLFLOW_S3_ENDPOINT_URL: s3.endpoint, AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_DEFAULT_REGION: s3.region };
      server = await startRealMlflow(venv, ['--backend-store-uri', pg.uri, '--default-artifact-root', 's3://mlflow/artifacts', '--no-serve-artifacts'], { cwd: tmp, env: s3env });
      cycle = await runCycle(lake, { MLFLOW_TRACKING_URI: server.url, ...s3env }, tmp);
      rb = await readBack(venv, server.url, lake, tmp, s3env);
    }, 300_000);
    afterAll(async () => {
      await server?.close();
      await Promise.all([pg?.close(), s3?.close()]);
    });

    it('the Python client reads back runs, trials, the champion and the model straight from S3', () => {
      expect(rb.parent.info.artifact_uri).toMatch(/^s3:\/\/mlflow\/artifacts\//);
      expectReadback(rb, cycle);
    });

    it('no secret in what fraudctl printed: not the AWS secret, not the database password', () => {
      expect(cycle.output.length).toBeGreaterThan(1000);
      expect(cycle.output).not.toContain(s3.secretAccessKey);
      expect(cycle.output).not.toContain(pg.password);
      expect(JSON.stringify(rb.parent.params) + JSON.stringify(rb.parent.tags)).not.toContain(s3.secretAccessKey);
    });
  });
}
