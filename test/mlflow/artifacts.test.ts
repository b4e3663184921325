import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactRepoFor, listLocalFiles, LocalArtifactRepo } from '../../src/mlflow/artifacts.js';
import { HttpClient } from '../../src/mlflow/rest/http.js';
import { restTrackerFor, startMlflowServer, startS3rver } from './server.js';

const BYTES = Buffer.from([0, 1, 2, 250, 251, 255, 10, 13]);

/** model/{MLmodel, model.json, sub/weights.bin} in a fresh directory. */
function modelDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fraudctl-art-'));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'MLmodel'), 'artifact_path: model\n');
  writeFileSync(join(dir, 'model.json'), '{"trees":[]}');
  writeFileSync(join(dir, 'sub', 'weights.bin'), BYTES);
  return dir;
}

function expectSameModel(dir: string) {
  expect(readFileSync(join(dir, 'MLmodel'), 'utf8')).toBe('artifact_path: model\n');
  expect(readFileSync(join(dir, 'model.json'), 'utf8')).toBe('{"trees":[]}');
  expect(readFileSync(join(dir, 'sub', 'weights.bin')).equals(BYTES)).toBe(true);
}

describe('listLocalFiles', () => {
  it('lists every file with / separators, MLmodel last', async () => {
    expect(await listLocalFiles(modelDir())).toEqual(['model.json', 'sub/weights.bin', 'MLmodel']);
  });
});

describe('mlflow-artifacts:/ through the tracking server', () => {
  it('uploads with PUT and downloads the same bytes; a missing path is exit 3', async () => {
    const s = await startMlflowServer();
    try {
      const { tracker } = await restTrackerFor(s);
      const run = await tracker.createRun({ experimentId: await tracker.getOrCreateExperiment('a'), runName: 'r', startTime: 1, tags: {} });
      s.inject.fail({ path: 'model/model.json', method: 'PUT', times: 1, status: 503 });
      await tracker.logArtifacts(run, modelDir(), 'model');
      const base = `1/${run.runId}/artifacts/model`;
      expect([...s.state.artifacts.keys()].sort()).toEqual([`${base}/MLmodel`, `${base}/model.json`, `${base}/sub/weights.bin`]);
      expect(s.requests.filter((r) => r.method === 'PUT').map((r) => r.path.split('/').pop())).toEqual(['model.json', 'model.json', 'weights.bin', 'MLmodel']);

      const dest = mkdtempSync(join(tmpdir(), 'fraudctl-dl-'));
      const got = await tracker.downloadArtifacts(run.runId, 'model', dest);
      expect(got).toBe(join(dest, 'model'));
      expectSameModel(got);
      const one = await tracker.downloadArtifacts(run.runId, 'model/model.json', mkdtempSync(join(tmpdir(), 'fraudctl-dl-')));
      expect(readFileSync(one, 'utf8')).toBe('{"trees":[]}');
      await expect(tracker.downloadArtifacts(run.runId, 'nope', dest)).rejects.toMatchObject({ exitCode: 3, message: expect.stringContaining("no artifact 'nope'") });
    } finally {
      await s.close();
    }
  });

  it('also takes an http(s)://…/api/2.0/mlflow-artifacts/artifacts/… root', async () => {
    const s = await startMlflowServer();
    try {
      const http = (baseUrl: string) => new HttpClient({ baseUrl, timeoutMs: 5000, maxRetries: 0, backoffFactor: 0, backoffJitter: 0 });
      const repo = artifactRepoFor(`${s.url}/api/2.0/mlflow-artifacts/artifacts/x/y`, { httpFor: http });
      await repo.uploadDir(modelDir(), 'm');
      expect(s.state.artifacts.has('x/y/m/sub/weights.bin')).toBe(true);
      expect((await repo.list('m')).map((e) => `${e.path}${e.isDir ? '/' : ''}`)).toEqual(['m/MLmodel', 'm/model.json', 'm/sub/']);
    } finally {
      await s.close();
    }
  });
});

describe('file:// artifact roots', () => {
  it('copies to and from the directory', async () => {
    const root = mkdtempSync(join(tmpdir(), 'fraudctl-root-'));
    const s = await startMlflowServer({ artifactRoot: pathToFileURL(root).href });
    try {
      const { tracker } = await restTrackerFor(s);
      const run = await tracker.createRun({ experimentId: await tracker.getOrCreateExperiment('a'), runName: 'r', startTime: 1, tags: {} });
      expect(run.artifactUri).toBe(`${pathToFileURL(root).href}/1/${run.runId}/artifacts`);
      await tracker.logArtifacts(run, modelDir(), 'model');
      expectSameModel(join(root, '1', run.runId, 'artifacts', 'model'));
      expectSameModel(await tracker.downloadArtifacts(run.runId, 'model', mkdtempSync(join(tmpdir(), 'fraudctl-dl-'))));
    } finally {
      await s.close();
    }
  });

  it('LocalArtifactRepo takes plain paths and lists children', async () => {
    const root = mkdtempSync(join(tmpdir(), 'fraudctl-root-'));
    const repo = new LocalArtifactRepo(root);
    await repo.uploadDir(modelDir(), 'model');
    expect((await repo.list('model')).map((e) => e.path).sort()).toEqual(['model/MLmodel', 'model/model.json', 'model/sub']);
    expect(await repo.list('absent')).toEqual([]);
    await expect(repo.download('../x', root)).rejects.toMatchObject({ exitCode: 2 });
  });
});

describe('s3:// artifact roots (s3rver)', () => {
  let s3: Awaited<ReturnType<typeof startS3rver>>;
  beforeAll(async () => {
    s3 = await startS3rver(['artifacts']);
  });
  afterAll(async () => {
    await s3.close();
  });

  it('uploads straight to the bucket with MLFLOW_S3_ENDPOINT_URL and the AWS_* keys, and back', async () => {
    const s = await startMlflowServer({ artifactRoot: 's3://artifacts/mlruns' });
    try {
      const env = { MLFLOW_S3_ENDPOINT_URL: s3.endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_DEFAULT_REGION: 'ru-central1' };
      const { tracker } = await restTrackerFor(s, { env });
      const run = await tracker.createRun({ experimentId: await tracker.getOrCreateExperiment('a'), runName: 'r', startTime: 1, tags: {} });
      expect(run.artifactUri).toBe(`s3://artifacts/mlruns/1/${run.runId}/artifacts`);
      await tracker.logArtifacts(run, modelDir(), 'model');
      // Nothing went through the tracking server's proxy.
      expect(s.requests.some((r) => r.path.includes('mlflow-artifacts'))).toBe(false);
      expect(s.state.artifacts.size).toBe(0);
      const repo = tracker.artifactRepo(run.artifactUri);
      expect((await repo.list('model')).map((e) => `${e.path}${e.isDir ? '/' : ''}`).sort()).toEqual(['model/MLmodel', 'model/model.json', 'model/sub/']);
      const dest = mkdtempSync(join(tmpdir(), 'fraudctl-dl-'));
      expectSameModel(await tracker.downloadArtifacts(run.runId, 'model', dest));
      await expect(tracker.downloadArtifacts(run.runId, 'absent', dest)).rejects.toMatchObject({ exitCode: 3 });
      expect(existsSync(join(dest, 'absent'))).toBe(false);
    } finally {
      await s.close();
    }
  });

  it('a missing bucket is a configuration error (exit 2)', async () => {
    const repo = artifactRepoFor('s3://no-such-bucket/x', { s3: { endpoint: s3.endpoint, region: 'us-east-1', pathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    await expect(repo.uploadDir(modelDir(), 'm')).rejects.toMatchObject({ exitCode: 2 });
  });
});

describe('artifactRepoFor', () => {
  it('refuses schemes it does not know', () => {
    expect(() => artifactRepoFor('gs://bucket/x', {})).toThrow(/unsupported artifact URI scheme: gs/);
  });
});
