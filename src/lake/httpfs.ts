import { ExitCode, FraudctlError } from '../errors.js';
import type { Db } from './db.js';
import { sqlString } from './db.js';

export interface S3SecretOptions {
  bucket: string;
  region: string;
  /** As configured: https://storage.yandexcloud.net, http://127.0.0.1:9000; absent for AWS. */
  endpoint?: string;
  pathStyle: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
}

export const SECRET_NAME = 'fraudctl_s3';

/**
 * DuckDB wants ENDPOINT as host[:port] without a scheme, and USE_SSL to pick http or https. An
 * endpoint with a path (a reverse proxy under /s3) is signed wrongly by httpfs (duckdb-wasm #2146),
 * so it is refused here and the caller falls back to sync mode.
 */
export function duckdbEndpoint(endpoint: string): { host: string; useSsl: boolean } {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new FraudctlError(`S3 endpoint '${endpoint}' is not a URL (expected e.g. https://storage.yandexcloud.net)`, ExitCode.Usage);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FraudctlError(`S3 endpoint '${endpoint}' must start with http:// or https://`, ExitCode.Usage);
  }
  if (url.pathname !== '/' && url.pathname !== '') {
    throw new FraudctlError(`S3 endpoint '${endpoint}' has a path; DuckDB httpfs supports host[:port] endpoints only`, ExitCode.Usage, {
      hint: 'use --s3-mode sync for this endpoint',
    });
  }
  return { host: url.host, useSsl: url.protocol === 'https:' };
}

/**
 * The statement that gives DuckDB's httpfs the lake's credentials, scoped to the lake's bucket.
 * CREATE SECRET takes no prepared parameters, so values are SQL literals (quotes doubled). The
 * text holds the secret key: never log it. TEMPORARY (the default) keeps it out of ~/.duckdb.
 * URL_STYLE is always quoted: an unquoted `URL_STYLE path` silently drops the bucket (duckdb #19534).
 */
export function buildS3SecretSql(o: S3SecretOptions): string {
  const opts: [string, string][] = [['TYPE', 's3']];
  if (o.accessKeyId && o.secretAccessKey) {
    opts.push(['KEY_ID', sqlString(o.accessKeyId)], ['SECRET', sqlString(o.secretAccessKey)]);
    if (o.sessionToken) opts.push(['SESSION_TOKEN', sqlString(o.sessionToken)]);
  }
  opts.push(['REGION', sqlString(o.region)]);
  if (o.endpoint) {
    const { host, useSsl } = duckdbEndpoint(o.endpoint);
    opts.push(['ENDPOINT', sqlString(host)], ['USE_SSL', String(useSsl)]);
  }
  opts.push(['URL_STYLE', sqlString(o.pathStyle ? 'path' : 'vhost')], ['SCOPE', sqlString(`s3://${o.bucket}`)]);
  return `CREATE OR REPLACE SECRET ${SECRET_NAME} (${opts.map(([k, v]) => `${k} ${v}`).join(', ')})`;
}

/**
 * `LOAD httpfs` from the extension directory the session was opened with. Autoinstall is off
 * (openDb), so a missing extension fails at once instead of trying extensions.duckdb.org.
 * Returns the reason when it cannot be loaded.
 */
export async function loadHttpfs(db: Db): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    await db.run('LOAD httpfs');
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: ((e as Error).message ?? String(e)).split('\n')[0] };
  }
}
