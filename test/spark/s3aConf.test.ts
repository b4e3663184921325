import { describe, expect, it } from 'vitest';
import { redact, s3aConf } from '../../src/spark/s3aConf.js';
import { s3aUri } from '../../src/spark/sparkStaging.js';

describe('s3a settings for a Spark session', () => {
  it('scopes the lake endpoint, region, addressing and keys to its bucket', () => {
    const conf = s3aConf('lake', { endpoint: 'http://127.0.0.1:9000', region: 'ru-central1', pathStyle: true }, { accessKeyId: 'AKID', secretAccessKey: 'SECRET' });
    expect(conf).toEqual({
      'fs.s3a.bucket.lake.access.key': 'AKID',
      'fs.s3a.bucket.lake.secret.key': 'SECRET',
      'fs.s3a.bucket.lake.aws.credentials.provider': 'org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider',
      'fs.s3a.bucket.lake.endpoint.region': 'ru-central1',
      'fs.s3a.bucket.lake.path.style.access': 'true',
      'fs.s3a.bucket.lake.endpoint': 'http://127.0.0.1:9000',
      'fs.s3a.bucket.lake.connection.ssl.enabled': 'false',
    });
  });

  it('session credentials use the temporary-credentials provider; AWS itself needs no endpoint', () => {
    const conf = s3aConf('b', { region: 'us-east-1', pathStyle: false }, { accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'TOKEN' });
    expect(conf['fs.s3a.bucket.b.aws.credentials.provider']).toBe('org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider');
    expect(conf['fs.s3a.bucket.b.session.token']).toBe('TOKEN');
    expect(conf['fs.s3a.bucket.b.endpoint']).toBeUndefined();
  });

  it('redacts every secret occurrence; s3:// becomes s3a://', () => {
    expect(redact('key wJalr and again wJalr, token tok123', ['wJalr', 'tok123', undefined, ''])).toBe('key *** and again ***, token ***');
    expect(s3aUri('s3://lake/prod/transactions/date=2025-01-01/data.parquet')).toBe('s3a://lake/prod/transactions/date=2025-01-01/data.parquet');
  });
});
