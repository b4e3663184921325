import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ExitCode, FraudctlError } from '../../errors.js';
import type { Logger } from '../../log.js';

/**
 * HTTP for the MLflow REST API, behaving like the Python client (mlflow/utils/rest_utils.py and
 * request_utils.py): every method is retried on 408/429/500/502/503/504 and on connection errors,
 * with urllib3's backoff — the first retry is immediate, retry n ≥ 2 waits factor·2^(n-1) seconds
 * plus up to `jitter` seconds, capped at 120 s — and Retry-After is honoured on 429 and 503.
 * Auth: Basic when username and password are both set, else Bearer with the token.
 */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);
const RETRY_AFTER_STATUSES = new Set([429, 503]);
/** urllib3 Retry.DEFAULT_BACKOFF_MAX; also caps Retry-After so a server cannot stall a cron job for hours. */
const BACKOFF_MAX_S = 120;
const VERSION = '0.1.0';

export interface HttpSettings {
  /** The tracking URI, http(s)://host[:port][/prefix]. */
  baseUrl: string;
  username?: string;
  password?: string;
  token?: string;
  insecureTls?: boolean;
  /** CA bundle (PEM) replacing the default roots, as `verify=<path>` does in Python. */
  caPath?: string;
  timeoutMs: number;
  maxRetries: number;
  /** Seconds. */
  backoffFactor: number;
  /** Seconds. */
  backoffJitter: number;
  respectRetryAfter?: boolean;
  /** Injected in tests; real timers otherwise. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  log?: Logger;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below the base URL, starting with '/'. */
  path: string;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  body?: Buffer;
  contentType?: string;
}

/** A non-retryable answer of the server: carries the HTTP status and MLflow's error_code. */
export class MlflowApiError extends FraudctlError {
  readonly status: number;
  readonly errorCode?: string;
  readonly endpoint: string;

  constructor(status: number, endpoint: string, serverMessage: string, errorCode?: string) {
    const code = status === 401 || status === 403 ? ExitCode.Usage : errorCode === 'RESOURCE_DOES_NOT_EXIST' ? ExitCode.Data : ExitCode.Bug;
    const hint =
      status === 401 || status === 403
        ? 'check MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN'
        : errorCode === undefined && status === 404
          ? 'is MLFLOW_TRACKING_URI the address of an MLflow tracking server?'
          : undefined;
    super(`MLflow ${endpoint}: ${status}${errorCode ? ` ${errorCode}` : ''}: ${serverMessage}`, code, { hint, details: { status, errorCode } });
    this.name = 'MlflowApiError';
    this.status = status;
    this.errorCode = errorCode;
    this.endpoint = endpoint;
  }
}

/** A failure worth retrying: a transient status or a connection error. */
export class TransientError extends Error {
  readonly status?: number;
  readonly retryAfterMs?: number;
  constructor(message: string, opts: { status?: number; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'TransientError';
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/** urllib3's backoff before retry number `retry` (1-based), in milliseconds. */
export function backoffMs(retry: number, factorS: number, jitterS: number, random: () => number = Math.random): number {
  if (retry <= 1) return 0;
  const s = factorS * 2 ** (retry - 1) + (jitterS > 0 ? random() * jitterS : 0);
  return Math.round(Math.max(0, Math.min(BACKOFF_MAX_S, s)) * 1000);
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(v)) return Math.min(Number(v), BACKOFF_MAX_S) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.min(Math.max(0, t - now), BACKOFF_MAX_S * 1000);
}

/** scheme://host[:port][/path] without credentials, query or trailing slash: safe to print. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}

const TLS_ERROR = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

export class HttpClient {
  readonly server: string;
  private readonly base: URL;
  private readonly auth?: string;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly s: HttpSettings) {
    let base: URL;
    try {
      base = new URL(s.baseUrl);
    } catch {
      throw new FraudctlError(`MLflow tracking URI is not a URL: ${displayUrl(s.baseUrl)}`, ExitCode.Usage);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new FraudctlError(`MLflow tracking URI must be http(s)://, got ${base.protocol}`, ExitCode.Usage);
    }
    // Credentials in the URL count as Basic auth (as in requests), and never reach a message.
    const urlUser = decodeURIComponent(base.username);
    const urlPassword = decodeURIComponent(base.password);
    base.username = '';
    base.password = '';
    this.base = base;
    this.server = displayUrl(base.toString());
    this.auth = authHeader({ username: s.username ?? (urlUser || undefined), password: s.password ?? (urlPassword || undefined), token: s.token }, s.log);
    this.sleep = s.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = s.random ?? Math.random;
    if (base.protocol === 'https:') {
      if (s.insecureTls && s.caPath) {
        throw new FraudctlError('MLFLOW_TRACKING_INSECURE_TLS and MLFLOW_TRACKING_SERVER_CERT_PATH are both set; choose one', ExitCode.Usage);
      }
      let ca: Buffer | undefined;
      if (s.caPath) {
        try {
          ca = readFileSync(s.caPath);
        } catch {
          throw new FraudctlError(`MLFLOW_TRACKING_SERVER_CERT_PATH: cannot read ${s.caPath}`, ExitCode.Usage);
        }
      }
      if (s.insecureTls) s.log?.warn({ server: this.server }, 'MLFLOW_TRACKING_INSECURE_TLS is set: the MLflow server certificate is NOT verified');
      this.agent = new HttpsAgent({ keepAlive: true, ca, rejectUnauthorized: !s.insecureTls });
    } else {
      this.agent = new HttpAgent({ keepAlive: true });
    }
  }

  /** Runs `fn` with the retry policy; `fn` signals a retryable failure by throwing TransientError. */
  async withRetries<T>(what: string, fn: (attempt: number) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(attempt);
      } catch (e) {
        if (!(e instanceof TransientError)) throw e;
        if (attempt >= this.s.maxRetries) {
          throw new FraudctlError(`MLflow server ${this.server} unavailable after ${attempt + 1} attempts (${this.s.maxRetries} retries): ${what}: ${e.message}`, ExitCode.Unavailable, {
            hint: 'retry later; check that the server is up (or raise MLFLOW_HTTP_REQUEST_MAX_RETRIES)',
            details: { server: this.server, status: e.status },
          });
        }
        const useRetryAfter = (this.s.respectRetryAfter ?? true) && e.retryAfterMs !== undefined;
        const wait = useRetryAfter ? e.retryAfterMs! : backoffMs(attempt + 1, this.s.backoffFactor, this.s.backoffJitter, this.random);
        this.s.log?.warn({ server: this.server, request: what, error: e.message, retry: attempt + 1, of: this.s.maxRetries, waitMs: wait }, 'MLflow request failed; retrying');
        await this.sleep(wait);
      }
    }
  }

  /** One request with retries; any final status is returned (transient ones only after the retries). */
  async request(spec: RequestSpec): Promise<HttpResponse> {
    return this.withRetries(`${spec.method} ${spec.path}`, () => this.once(spec, true));
  }

  /**
   * One attempt. Connection errors, timeouts and (when `throwTransient`) transient statuses throw
   * TransientError; TLS verification failures are configuration errors (exit 2).
   */
  once(spec: RequestSpec, throwTransient = true): Promise<HttpResponse> {
    const url = new URL(this.base.pathname.replace(/\/+$/, '') + spec.path, this.base);
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const body = spec.json !== undefined ? Buffer.from(JSON.stringify(spec.json)) : spec.body;
    const headers: Record<string, string> = { 'User-Agent': `fraudctl/${VERSION}`, Accept: 'application/json' };
    if (body !== undefined) {
      headers['Content-Type'] = spec.json !== undefined ? 'application/json' : (spec.contentType ?? 'application/octet-stream');
      headers['Content-Length'] = String(body.length);
    }
    if (this.auth) headers.Authorization = this.auth;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<HttpResponse>((resolve, reject) => {
      const req = send(url, { method: spec.method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(new TransientError(`response interrupted: ${e.message}`, { cause: e })));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const out = { status, headers: res.headers, body: Buffer.concat(chunks) };
          if (throwTransient && RETRY_STATUSES.has(status)) {
            const retryAfterMs = RETRY_AFTER_STATUSES.has(status) ? parseRetryAfter(res.headers['retry-after']) : undefined;
            reject(new TransientError(`${status} ${describeBody(out.body)}`, { status, retryAfterMs }));
          } else resolve(out);
        });
      });
      req.setTimeout(this.s.timeoutMs, () => req.destroy(new TimeoutError(this.s.timeoutMs)));
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e instanceof TimeoutError) reject(new TransientError(e.message, { cause: e }));
        else if (TLS_ERROR.test(e.code ?? '')) {
          reject(
            new FraudctlError(`TLS verification of MLflow server ${this.server} failed: ${e.code}`, ExitCode.Usage, {
              hint: 'set MLFLOW_TRACKING_SERVER_CERT_PATH to the CA bundle (or MLFLOW_TRACKING_INSECURE_TLS=true for testing only)',
              cause: e,
            }),
          );
        } else reject(new TransientError(`connection error: ${e.code ?? e.message}`, { cause: e }));
      });
      req.end(body);
    });
  }

  /** A JSON API call with retries: GET takes its payload as the query string, others as a JSON body. */
  async call<T>(method: RequestSpec['method'], endpoint: string, payload?: Record<string, unknown>): Promise<T> {
    const res = await this.request(apiSpec(method, endpoint, payload));
    return parseApiResponse<T>(res, endpoint);
  }

  /** One JSON API attempt without retries (for idempotent creates that look before they retry). */
  async callOnce<T>(method: RequestSpec['method'], endpoint: string, payload?: Record<string, unknown>): Promise<T> {
    return parseApiResponse<T>(await this.once(apiSpec(method, endpoint, payload)), endpoint);
  }

  close(): void {
    this.agent.destroy();
  }
}

class TimeoutError extends Error {
  constructor(ms: number) {
    super(`no response within ${ms / 1000} s (MLFLOW_HTTP_REQUEST_TIMEOUT)`);
  }
}

export const API_PREFIX = '/api/2.0/mlflow/';

function apiSpec(method: RequestSpec['method'], endpoint: string, payload?: Record<string, unknown>): RequestSpec {
  const path = API_PREFIX + endpoint;
  if (method === 'GET') return { method, path, query: payload as RequestSpec['query'] };
  return { method, path, json: payload ?? {} };
}

/** 200 → the JSON object ({} for an empty body); otherwise MlflowApiError with MLflow's error_code. */
export function parseApiResponse<T>(res: HttpResponse, endpoint: string): T {
  const text = res.body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (res.status === 200) {
    if (typeof parsed !== 'object' || parsed === null) throw new MlflowApiError(res.status, endpoint, `response is not a JSON object: ${describeBody(res.body)}`);
    return parsed as T;
  }
  const err = parsed as { error_code?: unknown; message?: unknown } | undefined;
  if (err && typeof err === 'object' && typeof err.error_code === 'string') {
    throw new MlflowApiError(res.status, endpoint, String(err.message ?? ''), err.error_code);
  }
  throw new MlflowApiError(res.status, endpoint, describeBody(res.body));
}

function describeBody(body: Buffer): string {
  const text = body.toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function authHeader(c: { username?: string; password?: string; token?: string }, log?: Logger): string | undefined {
  if (c.username && c.password) {
    if (c.token) log?.warn('both MLFLOW_TRACKING_USERNAME/PASSWORD and MLFLOW_TRACKING_TOKEN are set; using Basic auth, as the Python client does');
    return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
  }
  if (c.username && !c.password) log?.warn('MLFLOW_TRACKING_USERNAME is set without MLFLOW_TRACKING_PASSWORD; Basic auth is not used');
  if (c.token) return `Bearer ${c.token}`;
  return undefined;
}
