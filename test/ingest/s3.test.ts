import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../src/s3/client.js';
import { runCli } from '../helpers/cli.js';
import { startS3Server, type S3ServerHandle } from '../helpers/s3server.js';
import { RAW_HEADER, tempDir } from './helpers.js';

/** s3:// inputs are downloaded first; an s3:// lake gets the same partitions (moto S3 on 127.0.0.1). */
describe('ingest with S3', () => {
  let s3: S3ServerHandle;
  const text = `${RAW_HEADER}\n1,2019-08-22 08:00:00,1,2,10.00,28800,0,0,0\n2,2019-08-22 24:00:00,1,Err,10.00,86400,0,0,0\n3,2019-08-22 24:00:00,1,3,10.00,86400,0,0,0\n`;

  beforeAll(async () => {
    s3 = await startS3Server(['lake', 'raw']);
    const client = await createS3Client({ endpoint: s3.endpoint, region: 'us-east-1', pathStyle: true, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    await client.send(new PutObjectCommand({ Bucket: 'raw', Key: 'dumps/2019-08-22.txt', Body: text }));
    client.destroy();
  });
  afterAll(async () => s3?.close());

  const ingest = (dir: string, args: string[]) => runCli(['ingest', '--json', '--tmp-dir', `${dir}/tmp`, ...args], { cwd: dir, env: { ...s3.env, FRAUDCTL_S3_MODE: 'sync' } });

  it('reads an s3:// file into an s3:// lake, and skips its days the second time', async () => {
    const dir = tempDir();
    const r = await ingest(dir, ['s3://raw/dumps/2019-08-22.txt', '--lake', 's3://lake/fraud']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ rowsRead: 3, rowsKept: 2, rowsQuarantined: 1 });
    expect((r.json!.days as Record<string, string[]>).written).toEqual(['2019-08-22', '2019-08-23']);
    expect(r.json!.files).toEqual([{ file: 's3://raw/dumps/2019-08-22.txt', rowsRead: 3, firstDay: '2019-08-22', lastDay: '2019-08-23' }]);

    const ls = await runCli(['lake', 'ls', '--lake', 's3://lake/fraud', '--json'], { cwd: dir, env: s3.env });
    expect(ls.code, ls.stderr).toBe(0);
    expect(JSON.stringify(ls.json)).toContain('2019-08-23');

    const again = await ingest(dir, ['s3://raw/dumps/2019-08-22.txt', '--lake', 's3://lake/fraud']);
    expect(again.code, again.stderr).toBe(0);
    expect((again.json!.days as Record<string, string[]>).skipped).toEqual(['2019-08-22', '2019-08-23']);
  });

  it('a missing s3:// input is exit 3, nothing written', async () => {
    const dir = tempDir();
    const r = await ingest(dir, ['s3://raw/dumps/nope.txt', '--lake', `${dir}/lake`]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('s3://raw/dumps/nope.txt not found');
  });
});
