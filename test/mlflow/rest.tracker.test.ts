import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FraudctlError } from '../../src/errors.js';
import { MlflowApiError } from '../../src/mlflow/rest/http.js';
import type { Metric } from '../../src/mlflow/tracker.js';
import { restTrackerFor, serverPerTest, type MlflowServer } from './server.js';

const server = serverPerTest();

const T0 = Date.parse('2025-03-21T06:00:00Z');
type Body = { metrics?: unknown[]; params?: unknown[]; tags?: unknown[] };
const bodies = (s: MlflowServer, path: string) => s.requestsTo(path).map((r) => JSON.parse(r.body) as Body);

async function newRun(s: MlflowServer, env?: Record<string, string>) {
  const t = await restTrackerFor(s, { env });
  const exp = await t.tracker.getOrCreateExperiment('fraud');
  const run = await t.tracker.createRun({ experimentId: exp, runName: 'search', startTime: T0, tags: { 'fraudctl.date': '2025-03-20' } });
  return { ...t, exp, run };
}

describe('experiments', () => {
  it('creates the experiment once, then finds it', async () => {
    const s = await server();
    const { tracker } = await restTrackerFor(s);
    const a = await tracker.getOrCreateExperiment('fraud');
    const b = await tracker.getOrCreateExperiment('fraud');
    expect(a).toBe('1');
    expect(b).toBe('1');
    expect(s.requestsTo('experiments/create')).toHaveLength(1);
  });

  it('a race (RESOURCE_ALREADY_EXISTS on create) is settled by getting it again', async () => {
    const s = await server();
    const { tracker } = await restTrackerFor(s);
    s.inject.before('experiments/create', () => s.state.handle('POST experiments/create', { name: 'fraud' }));
    expect(await tracker.getOrCreateExperiment('fraud')).toBe('1');
    expect(s.requestsTo('experiments/create').map((r) => r.status)).toEqual([400]);
    expect(s.requestsTo('experiments/get-by-name').map((r) => r.status)).toEqual([404, 200]);
  });
});

describe('runs', () => {
  it('create, tags, end, get: the run carries its invocation id and is FINISHED', async () => {
    const s = await server();
    const { tracker, run } = await newRun(s);
    expect(run.status).toBe('RUNNING');
    expect(run.artifactUri).toBe(`mlflow-artifacts:/1/${run.runId}/artifacts`);
    await tracker.setTag(run.runId, 'mlflow.note.content', 'hello');
    await tracker.endRun(run.runId, 'FINISHED', T0 + 5000);
    const got = await tracker.getRun(run.runId);
    expect(got.info).toMatchObject({ runId: run.runId, runName: 'search', status: 'FINISHED', startTime: T0, endTime: T0 + 5000 });
    expect(got.data.tags['fraudctl.date']).toBe('2025-03-20');
    expect(got.data.tags['mlflow.note.content']).toBe('hello');
    expect(got.data.tags['fraudctl.invocation_id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(got.data.metrics).toEqual({});
  });

  it('no duplicate run when the server created it but the answer was lost', async () => {
    const s = await server();
    const { tracker } = await restTrackerFor(s);
    const exp = await tracker.getOrCreateExperiment('fraud');
    s.inject.fail({ path: 'runs/create', times: 1, status: 500, afterHandling: true });
    const run = await tracker.createRun({ experimentId: exp, runName: 'r', startTime: T0, tags: {} });
    expect(s.state.runs.size).toBe(1);
    expect([...s.state.runs.keys()]).toEqual([run.runId]);
    expect(s.requestsTo('runs/create')).toHaveLength(1);
    expect(s.requestsTo('runs/search')).toHaveLength(1);
  });

  it('a create that failed before the server acted is simply sent again (still one run)', async () => {
    const s = await server();
    const { tracker } = await restTrackerFor(s);
    const exp = await tracker.getOrCreateExperiment('fraud');
    s.inject.fail({ path: 'runs/create', times: 1, status: 'reset' });
    await tracker.createRun({ experimentId: exp, runName: 'r', startTime: T0, tags: {} });
    expect(s.state.runs.size).toBe(1);
    expect(s.requestsTo('runs/create')).toHaveLength(2);
  });

  it('reads "NaN" and "Infinity" metric values the server sends as strings', async () => {
    const s = await server();
    const { tracker, run } = await newRun(s);
    s.state.runs.get(run.runId)!.metrics.push({ key: 'a', value: NaN, timestamp: T0, step: 0 }, { key: 'b', value: -Infinity, timestamp: T0, step: 0 }, { key: 'c', value: 0.25, timestamp: T0, step: 0 });
    const got = await tracker.getRun(run.runId);
    expect(got.data.metrics.a).toBeNaN();
    expect(got.data.metrics.b).toBe(-Infinity);
    expect(got.data.metrics.c).toBe(0.25);
  });

  it('an unknown run is a data error (exit 3)', async () => {
    const s = await server();
    const { tracker } = await restTrackerFor(s);
    await expect(tracker.getRun('0123abc')).rejects.toMatchObject({ exitCode: 3, message: expect.stringContaining('0123abc does not exist') });
  });

  it('searches by tags and status; an empty answer ({}) is []', async () => {
    const s = await server();
    const { tracker, exp, run } = await newRun(s);
    const other = await tracker.createRun({ experimentId: exp, runName: 'other', startTime: T0 + 1, tags: { 'fraudctl.date': '2025-03-21' } });
    await tracker.endRun(other.runId, 'FINISHED', T0 + 2);
    expect((await tracker.searchRuns([exp], { tags: { 'fraudctl.date': '2025-03-20' } })).map((r) => r.info.runId)).toEqual([run.runId]);
    expect((await tracker.searchRuns([exp], { status: 'FINISHED' })).map((r) => r.info.runId)).toEqual([other.runId]);
    expect(await tracker.searchRuns([exp], { tags: { 'fraudctl.date': '1999-01-01' } })).toEqual([]);
    expect(s.requestsTo('runs/search').at(-1)!.status).toBe(200);
  });

  it('follows page tokens up to maxResults, newest first', async () => {
    const s = await server();
    const { tracker } = await restTrackerFor(s);
    const exp = await tracker.getOrCreateExperiment('many');
    for (let i = 0; i < 1205; i++) s.state.handle('POST runs/create', { experiment_id: exp, start_time: T0 + i, tags: [] });
    const runs = await tracker.searchRuns([exp], { maxResults: 1100 });
    expect(runs).toHaveLength(1100);
    expect(runs[0].info.startTime).toBe(T0 + 1204);
    expect(s.requestsTo('runs/search').map((r) => (JSON.parse(r.body) as { max_results: number }).max_results)).toEqual([1000, 100]);
  });

  it('metric history has every step', async () => {
    const s = await server();
    const { tracker, run } = await newRun(s);
    await tracker.logBatch(run.runId, { metrics: [0, 1, 2].map((step) => ({ key: 'loss', value: 1 / (step + 1), timestamp: T0, step })) });
    const h = await tracker.getMetricHistory(run.runId, 'loss');
    expect(h.map((m) => [m.step, m.value])).toEqual([
      [0, 1],
      [1, 0.5],
      [2, 1 / 3],
    ]);
  });
});

describe('log-batch', () => {
  it('2,500 metrics go as 1000 + 1000 + 500, and all arrive', async () => {
    const s = await server();
    const { tracker, run } = await newRun(s);
    const metrics: Metric[] = Array.from({ length: 2500 }, (_, i) => ({ key: `m${i % 50}`, value: i, timestamp: T0, step: Math.floor(i / 50) }));
    await tracker.logBatch(run.runId, { metrics });
    expect(bodies(s, 'runs/log-batch').map((b) => b.metrics?.length)).toEqual([1000, 1000, 500]);
    expect(s.state.runs.get(run.runId)!.metrics).toHaveLength(2500);
  });

  it('keeps within 100 params, 100 tags and 1000 items a request', async () => {
    const s = await server();
    const { tracker, run } = await newRun(s);
    const params = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`p${i}`, String(i)]));
    const tags = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`t${i}`, String(i)]));
    const metrics = Array.from({ length: 900 }, (_, i) => ({ key: `m${i}`, value: i, timestamp: T0, step: 0 }));
    await tracker.logBatch(run.runId, { params, tags, metrics });
    for (const b of bodies(s, 'runs/log-batch')) {
      expect(b.params?.length ?? 0).toBeLessThanOrEqual(100);
      expect(b.tags?.length ?? 0).toBeLessThanOrEqual(100);
      expect((b.params?.length ?? 0) + (b.tags?.length ?? 0) + (b.metrics?.length ?? 0)).toBeLessThanOrEqual(1000);
    }
    const stored = s.state.runs.get(run.runId)!;
    expect(stored.params.size).toBe(150);
    expect([...stored.tags.keys()].filter((k) => /^t\d+$/.test(k))).toHaveLength(120);
    expect(stored.metrics).toHaveLength(900);
  });

  it('keeps each body under 1 MB (300 params of 6000 two-byte characters)', async () => {
    const s = await server();
    const { tracker, run } = await newRun(s);
    const params = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`p${i}`, 'é'.repeat(6000)]));
    await tracker.logBatch(run.runId, { params });
    const sizes = s.requestsTo('runs/log-batch').map((r) => Buffer.byteLength(r.body));
    expect(sizes.length).toBeGreaterThanOrEqual(4);
    for (const n of sizes) expect(n).toBeLessThan(1_000_000);
    expect(s.state.runs.get(run.runId)!.params.size).toBe(300);
  });

  it('cuts over-long values (param 6000, tag 5000) with a warning naming the key', async () => {
    const s = await server();
    const { tracker, run, logText } = await newRun(s);
    await tracker.logBatch(run.runId, { params: { space: 'x'.repeat(7000) }, tags: { note: 'y'.repeat(6000) } });
    const stored = s.state.runs.get(run.runId)!;
    expect(stored.params.get('space')).toHaveLength(6000);
    expect(stored.tags.get('note')).toHaveLength(5000);
    expect(logText()).toContain("param 'space' value truncated to 6000 characters");
    expect(logText()).toContain("tag 'note' value truncated to 5000 characters");
  });

  it('non-finite metrics are not sent but named in fraudctl.undefined_metrics', async () => {
    const s = await server();
    const { tracker, run } = await newRun(s);
    const m = (key: string, value: number) => ({ key, value, timestamp: T0, step: 0 });
    await tracker.logBatch(run.runId, { metrics: [m('precision', NaN), m('f1', 0.5), m('odd', Infinity)] });
    await tracker.logBatch(run.runId, { metrics: [m('recall', NaN)] });
    const stored = s.state.runs.get(run.runId)!;
    expect(stored.metrics.map((x) => x.key)).toEqual(['f1']);
    expect(stored.tags.get('fraudctl.undefined_metrics')).toBe('odd,precision,recall');
    for (const r of s.requestsTo('runs/log-batch')) expect(r.body).not.toMatch(/NaN|Infinity/);
  });

  it('changing a logged param is refused by the server (400 INVALID_PARAMETER_VALUE)', async () => {
    const s = await server();
    const { tracker, run } = await newRun(s);
    await tracker.logBatch(run.runId, { params: { max_depth: '8' } });
    await tracker.logBatch(run.runId, { params: { max_depth: '8' } });
    const err = (await tracker.logBatch(run.runId, { params: { max_depth: '9' } }).catch((e: unknown) => e)) as MlflowApiError;
    expect(err).toBeInstanceOf(MlflowApiError);
    expect(err.status).toBe(400);
    expect(err.errorCode).toBe('INVALID_PARAMETER_VALUE');
  });
});

describe('secrets', () => {
  it('never reach params, tags or logs', async () => {
    const s = await server({ auth: { username: 'alice', password: 'hunter22-pw' } });
    const env = { MLFLOW_TRACKING_USERNAME: 'alice', MLFLOW_TRACKING_PASSWORD: 'hunter22-pw', AWS_SECRET_ACCESS_KEY: 'aws-secret-xyz' };
    const { tracker, run, logText } = await newRun(s, env);
    await tracker.logBatch(run.runId, { params: { cmd: 'fraudctl train --pw hunter22-pw' }, tags: { env: 'AWS_SECRET_ACCESS_KEY=aws-secret-xyz' } });
    await tracker.setTag(run.runId, 'again', 'hunter22-pw');
    const stored = s.state.runs.get(run.runId)!;
    expect(stored.params.get('cmd')).toBe('fraudctl train --pw ****');
    expect(stored.tags.get('env')).toBe('AWS_SECRET_ACCESS_KEY=****');
    expect(stored.tags.get('again')).toBe('****');
    for (const r of s.requests) expect(r.body).not.toMatch(/hunter22-pw|aws-secret-xyz/);
    expect(logText()).not.toMatch(/hunter22-pw|aws-secret-xyz/);
    expect(logText()).toContain("a secret was removed from the value of param 'cmd'");
  });
});

describe('a server that goes away', () => {
  it('endRun journals the end; the next tracker on that server delivers it', async () => {
    const s = await server();
    const { tracker, run, cwd } = await newRun(s, { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '2' });
    s.inject.down();
    const err = (await tracker.endRun(run.runId, 'FAILED', T0 + 9).catch((e: unknown) => e)) as FraudctlError;
    expect(err.exitCode).toBe(4);
    expect(err.message).toContain(`MLflow server ${s.url} unavailable after 3 attempts`);
    const journal = join(cwd, '.fraudctl/cache/mlflow-pending-run-ends.json');
    expect(existsSync(journal)).toBe(true);
    expect(readFileSync(journal, 'utf8')).toContain(run.runId);
    expect(s.state.runs.get(run.runId)!.info.status).toBe('RUNNING');

    s.inject.up();
    const next = await restTrackerFor(s, { cwd });
    await next.tracker.getOrCreateExperiment('fraud');
    expect(s.state.runs.get(run.runId)!.info).toMatchObject({ status: 'FAILED', end_time: T0 + 9 });
    expect(readFileSync(journal, 'utf8')).not.toContain(run.runId);
  });

  it('a create the server carried out but never confirmed: the next tracker finds it by invocation id and fails it', async () => {
    const s = await server();
    const { tracker, cwd } = await restTrackerFor(s, { env: { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '2' } });
    const exp = await tracker.getOrCreateExperiment('fraud');
    s.inject.fail({ path: 'runs/create', times: 1, status: 'reset', afterHandling: true });
    s.inject.fail({ path: 'runs/search', times: 2, status: 503 });
    await expect(tracker.createRun({ experimentId: exp, runName: 'r', startTime: T0, tags: {} })).rejects.toMatchObject({ exitCode: 4 });
    const [stored] = [...s.state.runs.values()];
    expect(stored.info.status).toBe('RUNNING');

    const next = await restTrackerFor(s, { cwd });
    await next.tracker.getOrCreateExperiment('fraud');
    expect(stored.info.status).toBe('FAILED');
    expect(readFileSync(join(cwd, '.fraudctl/cache/mlflow-pending-run-ends.json'), 'utf8')).not.toContain('invocation');
  });
});
