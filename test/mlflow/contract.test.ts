import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMlflowServer, type MlflowServer } from './server.js';
import { startRealMlflow, type RealMlflow } from './realServer.js';

/**
 * The fake MLflow server (server.ts, kept for faults a real server cannot be made to produce: lost
 * answers, 503 storms, dropped connections) against the real MLflow 3 server: the same requests
 * to both, and the same status codes, error codes and JSON shapes back. Every key the fake answers
 * must be in the real answer with the same JSON type; real keys the fake leaves out are listed in
 * FAKE_OMITS, so a new key on either side fails this test until someone decides about it.
 */
type Step = { name: string; method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH'; path: string | ((v: Vars) => string); body?: (v: Vars) => unknown; raw?: string };
type Vars = Record<string, string>;

const T = 1767225600000;
const STEPS: Step[] = [
  { name: 'absent experiment', method: 'GET', path: () => 'experiments/get-by-name?experiment_name=absent' },
  { name: 'create experiment', method: 'POST', path: 'experiments/create', body: () => ({ name: 'contract' }) },
  { name: 'create it again', method: 'POST', path: 'experiments/create', body: () => ({ name: 'contract' }) },
  { name: 'experiment by name', method: 'GET', path: () => 'experiments/get-by-name?experiment_name=contract' },
  { name: 'create run', method: 'POST', path: 'runs/create', body: (v) => ({ experiment_id: v.exp, user_id: 'ana', run_name: 'r1', start_time: T, tags: [{ key: 'mlflow.user', value: 'ana' }, { key: 't', value: 'x' }] }) },
  { name: 'run in an absent experiment', method: 'POST', path: 'runs/create', body: () => ({ experiment_id: '999999', start_time: T }) },
  { name: 'log batch', method: 'POST', path: 'runs/log-batch', body: (v) => ({ run_id: v.run, metrics: [{ key: 'auc', value: 0.5, timestamp: T, step: 0 }, { key: 'auc', value: 0.75, timestamp: T + 1, step: 1 }], params: [{ key: 'n', value: '5' }], tags: [{ key: 'k', value: 'v' }] }) },
  { name: 'param changed', method: 'POST', path: 'runs/log-batch', body: (v) => ({ run_id: v.run, params: [{ key: 'n', value: '6' }] }) },
  { name: 'set tag', method: 'POST', path: 'runs/set-tag', body: (v) => ({ run_id: v.run, key: 'k2', value: 'v2' }) },
  { name: 'get run', method: 'GET', path: (v) => `runs/get?run_id=${v.run}` },
  { name: 'absent run', method: 'GET', path: () => 'runs/get?run_id=0123456789abcdef0123456789abcdef' },
  { name: 'metric history', method: 'GET', path: (v) => `metrics/get-history?run_id=${v.run}&metric_key=auc` },
  { name: 'search runs', method: 'POST', path: 'runs/search', body: (v) => ({ experiment_ids: [v.exp], filter: "tags.t = 'x' and attributes.status = 'RUNNING'", max_results: 10 }) },
  { name: 'search, bad filter', method: 'POST', path: 'runs/search', body: (v) => ({ experiment_ids: [v.exp], filter: 'tags.t ==== x', max_results: 10 }) },
  { name: 'end run', method: 'POST', path: 'runs/update', body: (v) => ({ run_id: v.run, status: 'FINISHED', end_time: T + 5 }) },
  { name: 'upload artifact', method: 'PUT', path: (v) => `ARTIFACTS/${v.exp}/${v.run}/artifacts/model/MLmodel`, raw: 'artifact_path: model\n' },
  { name: 'list artifacts', method: 'GET', path: (v) => `ARTIFACTS?path=${v.exp}/${v.run}/artifacts/model` },
  { name: 'log model', method: 'POST', path: 'runs/log-model', body: (v) => ({ run_id: v.run, model_json: JSON.stringify({ artifact_path: 'model', flavors: {}, run_id: v.run, utc_time_created: '2026-01-01 00:00:00.000000' }) }) },
  { name: 'create registered model', method: 'POST', path: 'registered-models/create', body: () => ({ name: 'm' }) },
  { name: 'create the model again', method: 'POST', path: 'registered-models/create', body: () => ({ name: 'm' }) },
  { name: 'create version', method: 'POST', path: 'model-versions/create', body: (v) => ({ name: 'm', source: `mlflow-artifacts:/${v.exp}/${v.run}/artifacts/model`, run_id: v.run, tags: [{ key: 'fraudctl.roc_auc', value: '0.9' }] }) },
  { name: 'get version', method: 'GET', path: () => 'model-versions/get?name=m&version=1' },
  { name: 'absent version', method: 'GET', path: () => 'model-versions/get?name=m&version=7' },
  { name: 'set alias', method: 'POST', path: 'registered-models/alias', body: () => ({ name: 'm', alias: 'champion', version: '1' }) },
  { name: 'version by alias', method: 'GET', path: () => 'registered-models/alias?name=m&alias=champion' },
  { name: 'absent alias', method: 'GET', path: () => 'registered-models/alias?name=m&alias=none' },
  { name: 'reserved alias', method: 'POST', path: 'registered-models/alias', body: () => ({ name: 'm', alias: 'latest', version: '1' }) },
  { name: 'version tag', method: 'POST', path: 'model-versions/set-tag', body: () => ({ name: 'm', version: '1', key: 'fraudctl.promotion', value: 'promoted' }) },
  { name: 'search versions', method: 'GET', path: () => "model-versions/search?filter=name%3D'm'&max_results=10" },
  { name: 'search registered models', method: 'GET', path: () => 'registered-models/search?max_results=10' },
  { name: 'delete alias', method: 'DELETE', path: () => 'registered-models/alias?name=m&alias=champion' },
];

/** Keys (dotted paths, `[]` for array items) of the real server's answers that the fake does not give. */
const FAKE_OMITS: Record<string, string[]> = {
  // MLflow 3 workspaces, datasets/inputs and logged-model outputs: fraudctl reads none of them.
  'experiment by name': ['experiment.workspace'],
  'create run': ['run.inputs'],
  'get run': ['run.inputs', 'run.outputs'],
  'search runs': ['runs[].inputs', 'runs[].outputs'],
  'create version': ['model_version.description', 'model_version.run_link'],
  'get version': ['model_version.description', 'model_version.run_link'],
  'version by alias': ['model_version.description', 'model_version.run_link'],
  'search versions': ['model_versions[].description', 'model_versions[].run_link'],
  'search registered models': ['registered_models[].latest_versions[].description', 'registered_models[].latest_versions[].run_link'],
};

type Answer = { status: number; errorCode?: string; shape: Record<string, string> };

/** A JSON value's shape: dotted path → JSON type, array items merged under `[]`. */
function shapeOf(v: unknown, at = '', out: Record<string, string> = {}): Record<string, string> {
  const type = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
  if (at) out[at] = type;
  if (Array.isArray(v)) for (const item of v) shapeOf(item, `${at}[]`, out);
  else if (type === 'object') for (const [k, x] of Object.entries(v as object)) shapeOf(x, at ? `${at}.${k}` : k, out);
  return out;
}

async function play(base: string): Promise<Answer[]> {
  const vars: Vars = {};
  const answers: Answer[] = [];
  for (const s of STEPS) {
    const p = typeof s.path === 'string' ? s.path : s.path(vars);
    const url = p.startsWith('ARTIFACTS') ? `${base}/api/2.0/mlflow-artifacts/artifacts${p.slice('ARTIFACTS'.length)}` : `${base}/api/2.0/mlflow/${p}`;
    const res = await fetch(url, {
      method: s.method,
      headers: { 'Content-Type': s.raw === undefined ? 'application/json' : 'application/octet-stream' },
      body: s.raw ?? (s.body ? JSON.stringify(s.body(vars)) : undefined),
    });
    const text = await res.text();
    let json: unknown = {};
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = { nonJson: text.slice(0, 100) };
    }
    const j = json as { experiment_id?: string; run?: { info?: { run_id?: string } }; error_code?: string };
    if (s.name === 'create experiment' && j.experiment_id) vars.exp = j.experiment_id;
    if (s.name === 'create run' && j.run?.info?.run_id) vars.run = j.run.info.run_id;
    // The error's shape is {error_code, message}; its wording is the server's own.
    answers.push({ status: res.status, errorCode: j.error_code, shape: res.ok ? shapeOf(json) : {} });
  }
  return answers;
}

describe('the fake MLflow server answers as the real MLflow 3 server does', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'fraudctl-contract-'));
  let real: RealMlflow;
  let fake: MlflowServer;
  let got: { real: Answer[]; fake: Answer[] };
  beforeAll(async () => {
    [real, fake] = await Promise.all([
      startRealMlflow('mlflow3', ['--backend-store-uri', `sqlite:///${tmp}/mlflow.db`, '--artifacts-destination', join(tmp, 'artifacts'), '--serve-artifacts'], { cwd: tmp }),
      startMlflowServer(),
    ]);
    got = { real: await play(real.url), fake: await play(fake.url) };
  }, 180_000);
  afterAll(async () => {
    await Promise.all([real?.close(), fake?.close()]);
    rmSync(tmp, { recursive: true, force: true });
  });

  it.each(STEPS.map((s, i) => [i, s.name] as const))('%i %s: same status, error code and JSON shape', (i) => {
    const r = got.real[i];
    const f = got.fake[i];
    expect({ status: f.status, errorCode: f.errorCode }).toEqual({ status: r.status, errorCode: r.errorCode });
    const wrongType = Object.entries(f.shape).filter(([k, t]) => r.shape[k] !== t).map(([k, t]) => `${k}: fake ${t}, real ${r.shape[k] ?? 'absent'}`);
    expect(wrongType).toEqual([]);
    const omitted = Object.keys(r.shape).filter((k) => !(k in f.shape)).sort();
    expect(omitted).toEqual((FAKE_OMITS[STEPS[i].name] ?? []).slice().sort());
  });
});
