import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../src/s3/client.js';
import { startS3Server, type S3ServerHandle } from '../helpers/s3server.js';

let s3: S3ServerHandle;
beforeAll(async () => {
  s3 = await startS3Server(['lake', 'artifacts']);
}, 60_000);
afterAll(async () => s3?.close());

const client = (accessKeyId: string, secretAccessKey: string) => createS3Client({ endpoint: s3.endpoint, region: s3.region, pathStyle: true, accessKeyId, secretAccessKey });

async function errorName(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'no error',
    (e: Error) => e.name,
  );
}

describe('the test S3 server (moto, SigV4 verified)', () => {
  it('accepts the right key and secret: put, get and list round-trip', async () => {
    const c = await client(s3.accessKeyId, s3.secretAccessKey);
    await c.send(new PutObjectCommand({ Bucket: 'lake', Key: 'a/b.txt', Body: 'hello' }));
    const got = await c.send(new GetObjectCommand({ Bucket: 'lake', Key: 'a/b.txt' }));
    expect(await got.Body!.transformToString()).toBe('hello');
    const listed = await c.send(new ListObjectsV2Command({ Bucket: 'artifacts' }));
    expect(listed.KeyCount).toBe(0);
  });

  it('refuses a wrong secret with SignatureDoesNotMatch, for reads and writes', async () => {
    const c = await client(s3.accessKeyId, `${s3.secretAccessKey}x`);
    expect(await errorName(c.send(new GetObjectCommand({ Bucket: 'lake', Key: 'a/b.txt' })))).toBe('SignatureDoesNotMatch');
    expect(await errorName(c.send(new PutObjectCommand({ Bucket: 'lake', Key: 'a/c.txt', Body: 'x' })))).toBe('SignatureDoesNotMatch');
  });

  it('refuses an unknown key id with InvalidAccessKeyId', async () => {
    const c = await client('AKIAUNKNOWNKEY000000', s3.secretAccessKey);
    expect(await errorName(c.send(new ListObjectsV2Command({ Bucket: 'lake' })))).toBe('InvalidAccessKeyId');
  });

  it('supports a conditional create (If-None-Match: *): the second put of a key fails with 412', async () => {
    const c = await client(s3.accessKeyId, s3.secretAccessKey);
    await c.send(new PutObjectCommand({ Bucket: 'lake', Key: 'locks/daily', Body: 'one', IfNoneMatch: '*' }));
    const second = await c.send(new PutObjectCommand({ Bucket: 'lake', Key: 'locks/daily', Body: 'two', IfNoneMatch: '*' })).then(
      () => undefined,
      (e: { name: string; $metadata?: { httpStatusCode?: number } }) => e,
    );
    expect(second?.name).toBe('PreconditionFailed');
    expect(second?.$metadata?.httpStatusCode).toBe(412);
    const got = await c.send(new GetObjectCommand({ Bucket: 'lake', Key: 'locks/daily' }));
    expect(await got.Body!.transformToString()).toBe('one');
  });

  it('env names the endpoint and keys for fraudctl and for MLflow (boto3)', () => {
    expect(s3.env).toEqual({
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      AWS_REGION: 'us-east-1',
      FRAUDCTL_S3_ENDPOINT: s3.endpoint,
      FRAUDCTL_S3_PATH_STYLE: 'true',
      MLFLOW_S3_ENDPOINT_URL: s3.endpoint,
    });
    expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
