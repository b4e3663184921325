import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { venvPython } from '../helpers/python.js';
import type { MlflowVenv } from './realServer.js';

const run = promisify(execFile);
export const EXPERIMENT = 'fraudctl';
export const MODEL = 'fraud-detector';
export const TEST_DAY = '2025-02-10';
/** A tiny search: 2 trials of small forests on 2 train days of a 300-customer lake. */
// --gap 1 and partial history: the timeline (train | gap | validation | gap | test) within the 43-day lake.
const SMALL = ['--days', '2', '--gap', '1', '--allow-partial-history', '--max-evals', '2', '--trees', '5:10', '--depth', '3:5', '--threads', '1'];

/** 43 simulated days (30 days of mart history before the test day): ~1 s. */
export async function simulateLake(lake: string): Promise<void> {
  const sim = await runCli(['simulate', '--start', '2025-01-01', '--days', '43', '--customers', '300', '--terminals', '500', '--seed', '5', '--lake', lake]);
  expect(sim.code, sim.stderr).toBe(0);
}

function ok(r: CliResult, what: string): CliResult {
  expect(r.code, `${what}: ${r.stderr.slice(-2000)}`).toBe(0);
  return r;
}

export interface CycleResult {
  train1: Record<string, unknown>;
  train2: Record<string, unknown>;
  promote: CliResult;
  runs: Record<string, unknown>;
  models: Record<string, unknown>;
  /** Everything the commands printed (stdout and stderr), to check no secret shows. */
  output: string;
}

/**
 * The whole cycle as an operator runs it: train (register, promote) → a second search on the same
 * test day (registered, not promoted) → `mlflow promote` of that version → score D+2 → daily D+1
 * (marts then score, with the champion) → `mlflow runs` and `mlflow models`.
 */
export async function runCycle(lake: string, env: Record<string, string>, cwd: string): Promise<CycleResult> {
  let output = '';
  const cli = async (argv: string[]) => {
    const r = await runCli(argv, { env: { MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0', MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0', ...env }, cwd });
    output += r.stdout + r.stderr;
    return r;
  };
  const train1 = ok(await cli(['train', '--lake', lake, '--test-day', TEST_DAY, ...SMALL, '--promote', '--json']), 'train').json!;
  const train2 = ok(await cli(['train', '--lake', lake, '--test-day', TEST_DAY, ...SMALL, '--seed', '9', '--json']), 'train 2').json!;
  const promote = ok(await cli(['mlflow', 'promote', MODEL, String((train2.registered as { version: string }).version), '--json']), 'mlflow promote');
  ok(await cli(['score', '--lake', lake, '--date', '2025-02-12', '--json']), 'score');
  ok(await cli(['daily', '--lake', lake, '--date', '2025-02-11', '--json']), 'daily');
  const runs = ok(await cli(['mlflow', 'runs', '--json']), 'mlflow runs').json!;
  const models = ok(await cli(['mlflow', 'models', MODEL, '--json']), 'mlflow models').json!;
  return { train1, train2, promote, runs, models, output };
}

/** What readback.py prints. */
export interface Readback {
  mlflow_version: string;
  experiment: { id: string; name: string; artifact_location: string };
  parent: PyRun;
  children: PyRun[];
  child_roc_auc_history: { value: number; step: number }[];
  all_runs: { run_name: string; status: string; tags: Record<string, string> }[];
  champion: { version: string; run_id: string; source: string; status: string; tags: Record<string, string>; aliases: string[] };
  registered_models: { name: string; aliases: Record<string, string> }[];
  model_files: string[];
  mlmodel: Record<string, unknown> & { flavors: Record<string, unknown> };
  pyfunc: { rows: number; scored_rows: number; matched: number; columns: string[]; max_abs_diff: number; distinct_scores: number };
  python_parent: PyRun;
  python_child: PyRun;
}
export interface PyRun {
  info: Record<string, unknown> & { run_id: string; user_id: string; status: string; artifact_uri: string; run_name: string };
  params: Record<string, string>;
  metrics: Record<string, number>;
  tags: Record<string, string>;
}

export async function readBack(venv: MlflowVenv, trackingUri: string, lake: string, tmp: string, env: Record<string, string> = {}): Promise<Readback> {
  const dir = join(tmp, `readback-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const args = JSON.stringify({ tracking_uri: trackingUri, experiment: EXPERIMENT, model: MODEL, lake, date: '2025-02-11', tmp: dir });
  const { stdout } = await run(venvPython(venv), [join(import.meta.dirname, 'py', 'readback.py'), args], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, MLFLOW_ENABLE_TELEMETRY: 'false', DO_NOT_TRACK: 'true', USER: 'fraudctl-test', ...env },
    maxBuffer: 64 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Readback;
}

/** Tag keys the Python client sets on every run that fraudctl sets too (git tags only exist in a checkout). */
const SYSTEM_TAGS = ['mlflow.user', 'mlflow.source.name', 'mlflow.source.type', 'mlflow.runName'];

/**
 * The checks every backend shares: what the Python client reads back is what fraudctl wrote, in
 * the shape the Python client writes itself.
 */
export function expectReadback(rb: Readback, c: CycleResult): void {
  // Parent and nested trials, as search_runs sees them.
  expect(rb.parent.info.run_id).toBe(c.train1.parentRunId);
  expect(rb.parent.info.status).toBe('FINISHED');
  expect(rb.children.map((r) => r.info.run_id).sort()).toEqual((c.train1.trials as { runId: string }[]).map((t) => t.runId).sort());
  for (const child of rb.children) {
    expect(child.info.status).toBe('FINISHED');
    expect(Object.keys(child.params)).toEqual(expect.arrayContaining(['n_estimators', 'max_depth']));
    // A trial is selected on the validation window (the test window is scored once, by the refit model).
    const trial = (c.train1.trials as { runId: string; validation: Record<string, number> }[]).find((t) => t.runId === child.info.run_id)!;
    expect(child.metrics.validation_roc_auc).toBeCloseTo(trial.validation.roc_auc, 12);
  }
  expect(rb.child_roc_auc_history).toHaveLength(1);
  const best = c.train1.best as { metrics: Record<string, number>; n_estimators: number };
  expect(rb.parent.metrics.best_roc_auc).toBeCloseTo(best.metrics.roc_auc, 12);
  expect(rb.parent.params.best_n_estimators).toBe(String(best.n_estimators));

  // Run info and system tags as the Python client writes them (user_id, LOCAL from a shell).
  for (const r of [rb.parent, ...rb.children]) {
    expect(r.info.user_id, 'runs/create carries user_id').toBe(r.tags['mlflow.user']);
    expect(Object.keys(r.tags)).toEqual(expect.arrayContaining(SYSTEM_TAGS));
    expect(r.tags['mlflow.source.type']).toBe(rb.python_parent.tags['mlflow.source.type']);
    expect(Object.keys(r.info).sort()).toEqual(Object.keys(rb.python_parent.info).sort());
  }
  expect(rb.children[0].tags['mlflow.parentRunId']).toBe(rb.parent.info.run_id);
  expect(rb.python_child.tags['mlflow.parentRunId']).toBe(rb.python_parent.info.run_id);

  // Registry: champion alias on the version `mlflow promote` decided.
  const promoted = (c.promote.json as { promoted: boolean } | undefined)?.promoted;
  const v2 = (c.train2.registered as { version: string }).version;
  expect(rb.champion.version).toBe(promoted ? v2 : '1');
  expect(rb.champion.status).toBe('READY');
  expect(rb.champion.aliases).toContain('champion');
  expect(rb.registered_models.find((m) => m.name === MODEL)!.aliases.champion).toBe(rb.champion.version);

  // The model directory, and a model Python loads: pyfunc on features computed in Python = fraudctl's scores.
  expect(rb.model_files).toEqual(['MLmodel', 'calibration.json', 'conda.yaml', 'feature_spec.json', 'features.json', 'model.bin', 'model.onnx', 'python_env.yaml', 'requirements.txt']);
  expect(Object.keys(rb.mlmodel.flavors).sort()).toEqual(['fraudctl_forest', 'onnx', 'python_function']);
  expect(rb.pyfunc.rows).toBe(rb.pyfunc.scored_rows);
  expect(rb.pyfunc.matched).toBe(rb.pyfunc.rows);
  expect(rb.pyfunc.columns).toEqual(['fraud_probability']);
  expect(rb.pyfunc.max_abs_diff).toBeLessThan(1e-6);
  expect(rb.pyfunc.distinct_scores).toBeGreaterThan(10);

  // fraudctl's own views agree.
  expect((c.runs.runs as { runId: string }[]).map((r) => r.runId)).toEqual(expect.arrayContaining([c.train1.parentRunId, c.train2.parentRunId]));
  expect(JSON.stringify(c.models)).toContain('champion');
}
