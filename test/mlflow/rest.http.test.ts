import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FraudctlError } from '../../src/errors.js';
import { backoffMs, HttpClient, MlflowApiError, parseRetryAfter, type HttpSettings } from '../../src/mlflow/rest/http.js';
import { captureLog, serverPerTest } from './server.js';

const server = serverPerTest();

/** A client whose sleeps are recorded instead of waited, and whose jitter draws are 0. */
function client(baseUrl: string, extra: Partial<HttpSettings> = {}) {
  const sleeps: number[] = [];
  const http = new HttpClient({
    baseUrl,
    timeoutMs: 5000,
    maxRetries: 5,
    backoffFactor: 2,
    backoffJitter: 1,
    random: () => 0,
    sleep: async (ms) => void sleeps.push(ms),
    ...extra,
  });
  return { http, sleeps };
}

describe('backoff as urllib3 computes it', () => {
  it('first retry immediate, then factor * 2^(n-1) seconds, plus jitter, capped at 120 s', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, 2, 0))).toEqual([0, 4000, 8000, 16000, 32000]);
    expect(backoffMs(2, 2, 1, () => 0.5)).toBe(4500);
    expect(backoffMs(1, 2, 1, () => 0.5)).toBe(0);
    expect(backoffMs(9, 2, 0)).toBe(120000);
    expect(backoffMs(3, 0, 0)).toBe(0);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', Date.parse('2026-01-01T00:00:00Z'))).toBe(3000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('86400')).toBe(120000);
  });
});

describe('retries', () => {
  it('503 twice, then success: three requests, waits 0 s then 4 s', async () => {
    const s = await server();
    s.inject.fail({ path: 'experiments/get-by-name', times: 2, status: 503 });
    const { http, sleeps } = client(s.url);
    const out = await http.call<{ experiment: { experiment_id: string } }>('GET', 'experiments/get-by-name', { experiment_name: 'Default' });
    expect(out.experiment.experiment_id).toBe('0');
    expect(s.requestsTo('experiments/get-by-name').map((r) => r.status)).toEqual([503, 503, 200]);
    expect(sleeps).toEqual([0, 4000]);
  });

  it('429 with Retry-After: waits what the server asks', async () => {
    const s = await server();
    s.inject.fail({ path: 'experiments/get-by-name', times: 1, status: 429, retryAfter: '7' });
    const { http, sleeps } = client(s.url);
    await http.call('GET', 'experiments/get-by-name', { experiment_name: 'Default' });
    expect(sleeps).toEqual([7000]);
  });

  it('retries POST and connection resets too', async () => {
    const s = await server();
    s.inject.fail({ path: 'experiments/create', times: 1, status: 'reset' });
    s.inject.fail({ path: 'experiments/create', times: 1, status: 502 });
    const { http } = client(s.url);
    const out = await http.call<{ experiment_id: string }>('POST', 'experiments/create', { name: 'x' });
    expect(out.experiment_id).toBe('1');
    expect(s.requestsTo('experiments/create')).toHaveLength(3);
  });

  it('does not retry 4xx; the error carries status and error_code', async () => {
    const s = await server();
    const { http, sleeps } = client(s.url);
    const err = await http.call('GET', 'experiments/get-by-name', { experiment_name: 'nope' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowApiError);
    expect((err as MlflowApiError).status).toBe(404);
    expect((err as MlflowApiError).errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(s.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('after the retries: exit 4 naming the server without its credentials, and the last error', async () => {
    const s = await server();
    s.inject.fail({ path: 'experiments/get-by-name', times: 100, status: 503 });
    const url = s.url.replace('http://', 'http://alice:s3cr3t-pw@');
    const { http, sleeps } = client(url);
    const err = (await http.call('GET', 'experiments/get-by-name', { experiment_name: 'x' }).catch((e: unknown) => e)) as FraudctlError;
    expect(err).toBeInstanceOf(FraudctlError);
    expect(err.exitCode).toBe(4);
    expect(err.message).toContain(`MLflow server ${s.url} unavailable after 6 attempts (5 retries)`);
    expect(err.message).toContain('503');
    expect(err.message).not.toContain('s3cr3t');
    expect(sleeps).toEqual([0, 4000, 8000, 16000, 32000]);
    expect(s.requests).toHaveLength(6);
  });

  it('a server that never answers times out (MLFLOW_HTTP_REQUEST_TIMEOUT) and counts as unavailable', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as AddressInfo;
    const { http } = client(`http://127.0.0.1:${port}`, { timeoutMs: 100, maxRetries: 1 });
    const err = (await http.call('GET', 'experiments/get-by-name', { experiment_name: 'x' }).catch((e: unknown) => e)) as FraudctlError;
    silent.closeAllConnections();
    silent.close();
    expect(err.exitCode).toBe(4);
    expect(err.message).toContain('no response within 0.1 s');
  });
});

describe('auth', () => {
  const ok = { experiment_name: 'Default' };

  it('Basic with username and password', async () => {
    const s = await server({ auth: { username: 'alice', password: 'pw-123' } });
    const { http } = client(s.url, { username: 'alice', password: 'pw-123' });
    await http.call('GET', 'experiments/get-by-name', ok);
    expect(s.requests[0].headers.authorization).toBe(`Basic ${Buffer.from('alice:pw-123').toString('base64')}`);
  });

  it('Bearer with a token', async () => {
    const s = await server({ auth: { token: 'tok-456' } });
    const { http } = client(s.url, { token: 'tok-456' });
    await http.call('GET', 'experiments/get-by-name', ok);
    expect(s.requests[0].headers.authorization).toBe('Bearer tok-456');
  });

  it('both set: Basic, as the Python client does, and a warning that shows no secret', async () => {
    const s = await server({ auth: { username: 'alice', password: 'pw-123' } });
    const cap = await captureLog();
    const { http } = client(s.url, { username: 'alice', password: 'pw-123', token: 'tok-456', log: cap.log });
    await http.call('GET', 'experiments/get-by-name', ok);
    expect(s.requests[0].headers.authorization).toMatch(/^Basic /);
    expect(cap.text()).toContain('using Basic auth');
    expect(cap.text()).not.toContain('pw-123');
    expect(cap.text()).not.toContain('tok-456');
  });

  it('wrong credentials: 401 is not retried and is a configuration error (exit 2)', async () => {
    const s = await server({ auth: { token: 'right' } });
    const { http } = client(s.url, { token: 'wrong' });
    const err = (await http.call('GET', 'experiments/get-by-name', ok).catch((e: unknown) => e)) as MlflowApiError;
    expect(err.status).toBe(401);
    expect(err.exitCode).toBe(2);
    expect(err.message).not.toContain('wrong');
    expect(s.requests).toHaveLength(1);
  });
});

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!hasOpenssl())('TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fraudctl-tls-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  if (hasOpenssl()) {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  }
  const tls = () => ({ key: readFileSync(key), cert: readFileSync(cert) });

  it('an unknown CA is a configuration error naming the fix', async () => {
    const s = await server({ tls: tls() });
    const { http } = client(s.url);
    const err = (await http.call('GET', 'experiments/get-by-name', { experiment_name: 'Default' }).catch((e: unknown) => e)) as FraudctlError;
    expect(err.exitCode).toBe(2);
    expect(err.hint).toContain('MLFLOW_TRACKING_SERVER_CERT_PATH');
  });

  it('MLFLOW_TRACKING_SERVER_CERT_PATH trusts the given CA bundle', async () => {
    const s = await server({ tls: tls() });
    const { http } = client(s.url, { caPath: cert });
    const out = await http.call<{ experiment: { name: string } }>('GET', 'experiments/get-by-name', { experiment_name: 'Default' });
    expect(out.experiment.name).toBe('Default');
  });

  it('MLFLOW_TRACKING_INSECURE_TLS skips verification, with a warning', async () => {
    const s = await server({ tls: tls() });
    const cap = await captureLog();
    const { http } = client(s.url, { insecureTls: true, log: cap.log });
    await http.call('GET', 'experiments/get-by-name', { experiment_name: 'Default' });
    expect(cap.text()).toContain('NOT verified');
  });

  it('a missing CA file is reported up front', () => {
    writeFileSync(join(dir, 'x'), '');
    expect(() => client('https://127.0.0.1:1', { caPath: join(dir, 'missing.pem') })).toThrow(/cannot read/);
  });
});
