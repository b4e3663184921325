import { ExitCode, FraudctlError } from '../errors.js';

/**
 * A Spark Connect address as Spark writes it: sc://host[:port][/;param=value;…] with the
 * parameters token (a bearer token, which needs TLS), use_ssl and user_id. Port 15002 by default.
 */
export interface SparkRemote {
  host: string;
  port: number;
  useSsl: boolean;
  token?: string;
  userId: string;
  /** For messages and logs: the address without the token. */
  display: string;
}

const PARAMS = new Set(['token', 'use_ssl', 'user_id', 'user_agent', 'session_id', 'grpc_max_message_size']);

export function parseSparkRemote(uri: string): SparkRemote {
  const bad = (why: string) =>
    new FraudctlError(`--spark-remote ${redact(uri)}: ${why}`, ExitCode.Usage, { hint: 'write it as sc://HOST:PORT (Spark Connect, default port 15002), e.g. sc://127.0.0.1:15002' });
  const m = /^sc:\/\/(\[[^\]]+\]|[^:/;]+)(?::(\d+))?(?:\/?((?:;[^;]*)*))?$/.exec(uri.trim());
  if (!m) throw bad('not a Spark Connect address');
  const port = m[2] === undefined ? 15002 : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad(`port ${m[2]} is out of range`);
  const params = new Map<string, string>();
  for (const part of (m[3] ?? '').split(';').filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (!PARAMS.has(key)) throw bad(`unknown parameter '${key}' (known: ${[...PARAMS].join(', ')})`);
    params.set(key, eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1)));
  }
  const token = params.get('token');
  const useSsl = params.get('use_ssl') === 'true' || token !== undefined;
  const host = m[1].replace(/^\[|\]$/g, '');
  return { host, port, useSsl, token, userId: params.get('user_id') ?? 'fraudctl', display: `sc://${m[1]}:${port}${useSsl ? ' (TLS)' : ''}` };
}

/** The address with any token replaced, safe for errors and logs. */
export function redact(uri: string): string {
  return uri.replace(/(;token=)[^;]*/g, '$1***');
}
