import { describe, expect, it } from 'vitest';
import { FraudctlError } from '../../src/errors.js';
import { s3Failure } from '../../src/lake/s3/s3Errors.js';
import { S3ArtifactRepo } from '../../src/mlflow/artifacts.js';

/** An SDK-shaped failure: the S3 code as name, the HTTP status in $metadata. */
const sdkError = (name: string, status?: number) => Object.assign(new Error(`server text ${name}`), { name, $metadata: { httpStatusCode: status, attempts: 3 } });

// One S3 answer, one exit code, whether the lake or the MLflow artifact store met it.
const CASES: [string, number | undefined, number][] = [
  ['InvalidAccessKeyId', 403, 2],
  ['AccessDenied', 403, 2],
  ['NoSuchBucket', 404, 2],
  ['InvalidArgument', 400, 2], // another 4xx: retrying cannot help
  ['SlowDown', 503, 4],
  ['InternalError', 500, 4],
  ['RequestTimeout', 408, 4],
  ['ECONNREFUSED', undefined, 4],
];

async function viaArtifacts(e: Error): Promise<FraudctlError> {
  const repo = new S3ArtifactRepo('s3://mlflow/1/abc/artifacts', { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', pathStyle: true });
  // The repo's client, replaced by one whose every request fails with `e`.
  (repo as unknown as { client: Promise<unknown> }).client = Promise.resolve({ send: () => Promise.reject(e) });
  return repo.list('model').then(
    () => {
      throw new Error('list succeeded');
    },
    (err: unknown) => err as FraudctlError,
  );
}

describe('S3 error mapping shared by the lake and the MLflow artifacts', () => {
  for (const [name, status, exit] of CASES) {
    it(`${name}${status ? ` (HTTP ${status})` : ''} → exit ${exit} in both`, async () => {
      const lake = s3Failure(sdkError(name, status), { op: 'list transactions', bucket: 'lake' });
      const artifacts = await viaArtifacts(sdkError(name, status));
      expect([lake.exitCode, artifacts.exitCode]).toEqual([exit, exit]);
      expect(artifacts.message).not.toContain('server text'); // the server's own words are never echoed
    });
  }
});
