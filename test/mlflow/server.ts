import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { ServerState, ApiError, type Json } from './serverState.js';

/**
 * An in-process, stateful MLflow-compatible tracking server on 127.0.0.1 (random port) for tests:
 * the REST 2.0 endpoints fraudctl uses, the mlflow-artifacts proxy (bytes kept in memory), and the
 * quirks of a real MLflow 2.x server (empty fields left out, `{}` for an empty search, 400 for an
 * unknown alias, "NaN"/"Infinity" metric strings, experiments/search needing max_results).
 * Faults: fail the next N requests of a path (with a status, Retry-After, or a reset connection,
 * before or after the request takes effect), go down / come back, and every request recorded.
 */
export interface MlflowServerOptions {
  /** Root of new experiments' artifact locations: 'mlflow-artifacts:/' (default), 's3://bucket/prefix' or 'file:///dir'. */
  artifactRoot?: string;
  /** Require these credentials (401 otherwise). */
  auth?: { username: string; password: string } | { token: string };
  /** How many model-versions/get answer PENDING_REGISTRATION before READY (default 1). */
  pendingPolls?: number;
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface Fault {
  /** Matches when the request path ends with this (e.g. 'runs/create', 'mlflow-artifacts/artifacts'). */
  path: string;
  method?: string;
  /** How many matching requests fail. */
  times: number;
  /** HTTP status to answer, or 'reset' to destroy the connection without an answer. */
  status: number | 'reset';
  retryAfter?: string;
  /** Let the request take effect first, then fail the answer (a lost response). */
  afterHandling?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  status?: number | 'reset';
}

export interface MlflowServer {
  url: string;
  state: ServerState;
  requests: RecordedRequest[];
  /** Requests whose path ends with `suffix`. */
  requestsTo(suffix: string): RecordedRequest[];
  inject: {
    fail(fault: Fault): void;
    /** Runs `fn` once, just before the next request whose path ends with `path` is handled (to stage races). */
    before(path: string, fn: () => void): void;
    /** Every connection is dropped on arrival until up(). */
    down(): void;
    up(): void;
  };
  close(): Promise<void>;
}

const API = '/api/2.0/mlflow/';
const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts';

export async function startMlflowServer(opts: MlflowServerOptions = {}): Promise<MlflowServer> {
  const state = new ServerState({ artifactRoot: opts.artifactRoot ?? 'mlflow-artifacts:/', pendingPolls: opts.pendingPolls ?? 1 });
  const requests: RecordedRequest[] = [];
  const faults: Fault[] = [];
  const hooks: { path: string; fn: () => void }[] = [];
  const sockets = new Set<Socket>();
  let isDown = false;

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const body = Buffer.concat(chunks);
      const rec: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: { ...req.headers },
        body: url.pathname.startsWith(ARTIFACTS) ? `<${body.length} bytes>` : body.toString('utf8'),
      };
      requests.push(rec);
      const fault = faults.find((f) => f.times > 0 && url.pathname.endsWith(f.path) && (f.method === undefined || f.method === rec.method));
      if (fault) fault.times--;
      const fail = () => {
        rec.status = fault!.status;
        if (fault!.status === 'reset') return void req.socket.destroy();
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (fault!.retryAfter !== undefined) headers['Retry-After'] = fault!.retryAfter;
        res.writeHead(fault!.status, headers).end(JSON.stringify({ error_code: 'TEMPORARILY_UNAVAILABLE', message: `injected ${fault!.status}` }));
      };
      if (fault && !fault.afterHandling) return fail();
      const hook = hooks.findIndex((h) => url.pathname.endsWith(h.path));
      if (hook >= 0) hooks.splice(hook, 1)[0].fn();
      const answer = authorize(req, opts.auth) ?? route(state, rec.method, url, body);
      if (fault) return fail();
      rec.status = answer.status;
      res.writeHead(answer.status, { 'Content-Type': answer.contentType ?? 'application/json' }).end(answer.body);
    });
  };

  const server: Server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : createHttpServer(handler);
  server.on('connection', (s: Socket) => {
    if (isDown) return void s.destroy();
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: Socket) => {
    if (isDown) s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    state,
    requests,
    requestsTo: (suffix) => requests.filter((r) => r.path.endsWith(suffix)),
    inject: {
      fail: (f) => void faults.push({ ...f }),
      before: (path, fn) => void hooks.push({ path, fn }),
      down: () => {
        isDown = true;
        for (const s of sockets) s.destroy();
      },
      up: () => {
        isDown = false;
      },
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** For a test file: `const server = serverPerTest();` then `await server(opts)` in a test; closed after each test. */
export function serverPerTest(): (opts?: MlflowServerOptions) => Promise<MlflowServer> {
  const open: MlflowServer[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return async (opts) => {
    const s = await startMlflowServer(opts);
    open.push(s);
    return s;
  };
}

interface Answer {
  status: number;
  body: string | Buffer;
  contentType?: string;
}

function authorize(req: IncomingMessage, auth: MlflowServerOptions['auth']): Answer | undefined {
  if (!auth) return undefined;
  const want = 'token' in auth ? `Bearer ${auth.token}` : `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  if (req.headers.authorization === want) return undefined;
  return { status: 401, body: 'You are not authenticated. Please see the documentation for details.', contentType: 'text/plain' };
}

function route(state: ServerState, method: string, url: URL, body: Buffer): Answer {
  try {
    if (url.pathname === ARTIFACTS || url.pathname.startsWith(`${ARTIFACTS}/`)) return artifacts(state, method, url, body);
    if (!url.pathname.startsWith(API)) throw new ApiError(404, 'ENDPOINT_NOT_FOUND', `no endpoint ${url.pathname}`);
    const endpoint = url.pathname.slice(API.length);
    let payload: Json;
    if (method === 'GET') payload = Object.fromEntries(url.searchParams);
    else {
      try {
        payload = body.length === 0 ? {} : (JSON.parse(body.toString('utf8')) as Json);
      } catch {
        throw new ApiError(400, 'MALFORMED_REQUEST', 'request body is not JSON');
      }
    }
    if (endpoint === 'runs/log-batch' && body.length > 1e6) {
      throw new ApiError(400, 'INVALID_PARAMETER_VALUE', `Batched logging API requests must be at most 1000000 bytes, got a request of size ${body.length}.`);
    }
    const out = state.handle(`${method} ${endpoint}`, payload);
    return { status: 200, body: JSON.stringify(omitEmpty(out) ?? {}) };
  } catch (e) {
    if (e instanceof ApiError) return { status: e.status, body: JSON.stringify({ error_code: e.errorCode, message: e.message }) };
    return { status: 500, body: JSON.stringify({ error_code: 'INTERNAL_ERROR', message: String(e) }) };
  }
}

function artifacts(state: ServerState, method: string, url: URL, body: Buffer): Answer {
  const rel = decodeURIComponent(url.pathname.slice(ARTIFACTS.length + 1));
  if (rel.split('/').includes('..')) throw new ApiError(400, 'INVALID_PARAMETER_VALUE', 'Invalid path');
  if (method === 'PUT') {
    state.artifacts.set(rel, Buffer.from(body));
    return { status: 200, body: '{}' };
  }
  if (method === 'GET' && rel === '') {
    const files = state.listArtifacts(url.searchParams.get('path') ?? '');
    return { status: 200, body: JSON.stringify(files.length ? { files } : {}) };
  }
  if (method === 'GET') {
    const data = state.artifacts.get(rel);
    if (!data) throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `File not found: ${rel}`);
    return { status: 200, body: data, contentType: 'application/octet-stream' };
  }
  throw new ApiError(405, 'BAD_REQUEST', `${method} not allowed`);
}

/** Protobuf JSON as MLflow answers it: unset, empty and default-empty fields are left out. */
export function omitEmpty(v: unknown): unknown {
  if (Array.isArray(v)) {
    const a = v.map(omitEmpty).filter((x) => x !== undefined);
    return a.length ? a : undefined;
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => [k, omitEmpty(x)] as const)
      .filter(([, x]) => x !== undefined);
    return entries.length ? Object.fromEntries(entries) : undefined;
  }
  if (v === undefined || v === null || v === '') return undefined;
  return v;
}

/** s3rver on 127.0.0.1 as the S3 endpoint for s3:// artifact roots (one helper for every suite). */
export { startS3rver } from '../helpers/s3rver.js';

export { ServerState };

/** A logger whose records (JSON lines, secrets not redacted) can be read back by the test. */
export async function captureLog(level = 'debug'): Promise<{ log: import('../../src/log.js').Logger; text: () => string }> {
  const { PassThrough } = await import('node:stream');
  const { createLogger } = await import('../../src/log.js');
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { log: createLogger({ level, stream, pretty: false }), text: () => Buffer.concat(chunks).toString('utf8') };
}

/**
 * A RestTracker on `server` configured as fraudctl would be from these environment variables
 * (backoff 0, no real sleeps, registry polled every 1 ms), with its log captured.
 */
export async function restTrackerFor(server: { url: string }, opts: { env?: Record<string, string>; cwd?: string } = {}) {
  const { resolveConfig } = await import('../../src/config.js');
  const { RestTracker } = await import('../../src/mlflow/rest/restTracker.js');
  const cwd = opts.cwd ?? mkdtempSync(join(tmpdir(), 'fraudctl-rest-'));
  const env = { MLFLOW_TRACKING_URI: server.url, MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0', MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0', ...opts.env };
  const { config } = resolveConfig({ flags: {}, env, cwd });
  const cap = await captureLog();
  const tracker = RestTracker.fromConfig(config, cap.log, { cwd, sleep: async () => undefined, pollMs: 1 });
  return { tracker, config, cwd, logText: cap.text };
}
