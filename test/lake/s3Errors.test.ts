import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { s3Failure } from '../../src/lake/s3/s3Errors.js';

const where = { op: 'upload s3://b/k', bucket: 'b', endpoint: 'https://storage.yandexcloud.net' };
const sdkError = (name: string, status?: number, attempts?: number) =>
  Object.assign(new Error('server text that may quote StringToSign'), { name, ...(status ? { Code: name } : { code: name }), $metadata: { httpStatusCode: status, attempts } });

describe('s3Failure', () => {
  it.each([
    ['SignatureDoesNotMatch', 403, ExitCode.Usage],
    ['AccessDenied', 403, ExitCode.Usage],
    ['InvalidAccessKeyId', 403, ExitCode.Usage],
    ['AuthorizationHeaderMalformed', 400, ExitCode.Usage],
    ['NoSuchBucket', 404, ExitCode.Usage],
    ['NoSuchKey', 404, ExitCode.Data],
    ['InvalidArgument', 400, ExitCode.Usage],
    ['SlowDown', 503, ExitCode.Unavailable],
    ['InternalError', 500, ExitCode.Unavailable],
    ['ECONNRESET', undefined, ExitCode.Unavailable],
  ])('%s (HTTP %s) → exit %s', (name, status, exit) => {
    const f = s3Failure(sdkError(name, status, 3), where);
    expect(f.exitCode).toBe(exit);
    expect(f.message).toContain(name);
    expect(f.message).not.toContain('StringToSign');
  });

  it('names the code, the operation, the bucket and the endpoint', () => {
    expect(s3Failure(sdkError('SignatureDoesNotMatch', 403), where).message).toBe(
      "S3 refused upload s3://b/k in bucket 'b' at https://storage.yandexcloud.net: SignatureDoesNotMatch (the secret access key does not match the access key id)",
    );
    expect(s3Failure(sdkError('ETIMEDOUT', undefined, 3), where).message).toBe(
      "S3 unavailable at https://storage.yandexcloud.net: upload s3://b/k in bucket 'b' failed after 3 attempts: ETIMEDOUT",
    );
  });
});
