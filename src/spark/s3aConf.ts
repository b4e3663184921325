import type { S3Settings } from '../s3/client.js';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * The Spark session settings that let Hadoop's S3A file system reach the lake's bucket with the
 * lake's own endpoint, region, addressing and credentials. Session SQL confs are copied into the
 * Hadoop configuration of every read and write of that session (and shipped to the executors with
 * the tasks), so nothing is set cluster-wide. Scoped to the bucket (fs.s3a.bucket.NAME.*), so
 * another bucket of the cluster keeps its own settings. The values are secrets: they go to
 * Spark in a Config request and nowhere else (never logged; Spark redacts *.secret.key and
 * *.access.key in its UI and logs by spark.redaction.regex).
 */
export function s3aConf(bucket: string, s: Pick<S3Settings, 'endpoint' | 'region' | 'pathStyle'>, c: S3Credentials): Record<string, string> {
  const p = `fs.s3a.bucket.${bucket}.`;
  const conf: Record<string, string> = {
    [`${p}access.key`]: c.accessKeyId,
    [`${p}secret.key`]: c.secretAccessKey,
    [`${p}aws.credentials.provider`]: c.sessionToken ? 'org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider' : 'org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider',
    [`${p}endpoint.region`]: s.region,
    [`${p}path.style.access`]: String(s.pathStyle),
  };
  if (c.sessionToken) conf[`${p}session.token`] = c.sessionToken;
  if (s.endpoint) {
    conf[`${p}endpoint`] = s.endpoint;
    conf[`${p}connection.ssl.enabled`] = String(s.endpoint.startsWith('https://'));
  }
  return conf;
}

/** Replaces every secret value in a message (Spark's errors echo what it was given, sometimes). */
export function redact(message: string, secrets: readonly (string | undefined)[]): string {
  let out = message;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('***');
  return out;
}
