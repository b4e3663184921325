import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { buildS3SecretSql, duckdbEndpoint } from '../../src/lake/httpfs.js';

describe('buildS3SecretSql', () => {
  it('Yandex Object Storage: https endpoint as host, ru-central1, path style, scoped to the bucket', () => {
    expect(
      buildS3SecretSql({ bucket: 'fraud-lake', region: 'ru-central1', endpoint: 'https://storage.yandexcloud.net', pathStyle: true, accessKeyId: 'YCAJEexample', secretAccessKey: 'YCsecret' }),
    ).toBe(
      "CREATE OR REPLACE SECRET fraudctl_s3 (TYPE s3, KEY_ID 'YCAJEexample', SECRET 'YCsecret', REGION 'ru-central1', ENDPOINT 'storage.yandexcloud.net', USE_SSL true, URL_STYLE 'path', SCOPE 's3://fraud-lake')",
    );
  });

  it('AWS without an endpoint, virtual-host style, with a session token', () => {
    expect(buildS3SecretSql({ bucket: 'b', region: 'eu-west-1', pathStyle: false, accessKeyId: 'AKIA', secretAccessKey: 's', sessionToken: 'tok' })).toBe(
      "CREATE OR REPLACE SECRET fraudctl_s3 (TYPE s3, KEY_ID 'AKIA', SECRET 's', SESSION_TOKEN 'tok', REGION 'eu-west-1', URL_STYLE 'vhost', SCOPE 's3://b')",
    );
  });

  it('quotes in values are doubled, so a value cannot end the literal', () => {
    const sql = buildS3SecretSql({ bucket: 'b', region: 'r', pathStyle: true, accessKeyId: "k'", secretAccessKey: "a'); DROP TABLE t; --" });
    expect(sql).toContain("SECRET 'a''); DROP TABLE t; --'");
    expect(sql).toContain("KEY_ID 'k'''");
  });

  it('no credentials: no KEY_ID/SECRET (anonymous reads)', () => {
    expect(buildS3SecretSql({ bucket: 'b', region: 'us-east-1', endpoint: 'http://minio:9000', pathStyle: true })).toBe(
      "CREATE OR REPLACE SECRET fraudctl_s3 (TYPE s3, REGION 'us-east-1', ENDPOINT 'minio:9000', USE_SSL false, URL_STYLE 'path', SCOPE 's3://b')",
    );
  });
});

describe('duckdbEndpoint', () => {
  it('keeps host and port, and maps the scheme to USE_SSL', () => {
    expect(duckdbEndpoint('http://127.0.0.1:9000')).toEqual({ host: '127.0.0.1:9000', useSsl: false });
    expect(duckdbEndpoint('https://storage.yandexcloud.net/')).toEqual({ host: 'storage.yandexcloud.net', useSsl: true });
  });

  it('refuses what httpfs cannot use (exit 2)', () => {
    expect(() => duckdbEndpoint('storage.yandexcloud.net')).toThrow(expect.objectContaining({ exitCode: ExitCode.Usage }));
    expect(() => duckdbEndpoint('https://proxy.example/s3')).toThrow(/has a path/);
  });
});
