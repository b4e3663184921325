import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../src/mlflow/fileStore.js';
import { runCli } from '../helpers/cli.js';

// Which experiment train's runs go to (MLFLOW_EXPERIMENT_ID / _NAME, with MLflow's precedence),
// and that read-only commands create no experiment and no store.
const dir = mkdtempSync(join(tmpdir(), 'fraudctl-experiment-'));
const store = join(dir, 'mlruns');
const TRAIN = ['train', '--lake', join(dir, 'lake'), '--days', '2', '--gap', '1', '--max-evals', '1', '--trees', '3:4', '--depth', '2:3', '--bootstrap', '0', '--allow-partial-history', '--test-day', '2025-01-08', '--no-register', '--threads', '1'];
let otherId: string;
const experimentNames = async () => {
  const fs = await FileStore.open(store);
  const out: string[] = [];
  for (const id of readdirSync(store).filter((d) => /^\d+$/.test(d))) out.push((await fs.findExperiment({ id }))!.name);
  return out.sort();
};

beforeAll(async () => {
  const sim = await runCli(['simulate', '--lake', join(dir, 'lake'), '--start', '2025-01-01', '--days', '8', '--customers', '200', '--terminals', '100', '--seed', '3', '--quiet'], { cwd: dir });
  expect(sim.code, sim.stderr).toBe(0);
  otherId = await (await FileStore.open(store)).getOrCreateExperiment('other');
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('train: MLFLOW_EXPERIMENT_ID', () => {
  it('alone, sends the runs to that experiment (no experiment "fraudctl" is created)', async () => {
    const r = await runCli([...TRAIN, '--json'], { cwd: dir, env: { MLFLOW_TRACKING_URI: store, MLFLOW_EXPERIMENT_ID: otherId } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json!.experimentId).toBe(otherId);
    const runs = await (await FileStore.open(store)).searchRuns([otherId]);
    expect(runs.map((x) => x.data.tags['mlflow.runName'].replace(/ \(.*/, '')).sort()).toEqual(['train 2025-01-08', 'trial 0']);
    expect(await experimentNames()).toEqual(['Default', 'other']);
  }, 60_000);

  it('that does not exist: exit 2 naming it, before any data is read; nothing created', async () => {
    const r = await runCli(TRAIN, { cwd: dir, env: { MLFLOW_TRACKING_URI: store, MLFLOW_EXPERIMENT_ID: '123456789' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no MLflow experiment with MLFLOW_EXPERIMENT_ID=123456789 in ${store}`);
    expect(await experimentNames()).toEqual(['Default', 'other']);
  });

  it('with a name given too: the name decides and the id must be its own (exit 2 otherwise, as MLflow)', async () => {
    const r = await runCli([...TRAIN, '--experiment', 'Default'], { cwd: dir, env: { MLFLOW_TRACKING_URI: store, MLFLOW_EXPERIMENT_ID: otherId } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`MLFLOW_EXPERIMENT_ID=${otherId} does not match experiment 'Default' (id 0)`);
    const named = await runCli([...TRAIN, '--json'], { cwd: dir, env: { MLFLOW_TRACKING_URI: store, MLFLOW_EXPERIMENT_NAME: 'other', MLFLOW_EXPERIMENT_ID: otherId } });
    expect(named.code, named.stderr).toBe(0);
    expect(named.json!.experimentId).toBe(otherId);
  }, 60_000);
});

describe('read-only commands create nothing', () => {
  it('mlflow runs --experiment typo: exit 2 naming the experiment and the store; no experiment made', async () => {
    const r = await runCli(['mlflow', 'runs', '--experiment', 'typo'], { cwd: dir, env: { MLFLOW_TRACKING_URI: store } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no MLflow experiment 'typo' in ${store}`);
    expect(await experimentNames()).toEqual(['Default', 'other']);
  });

  it('mlflow runs / models with --tracking-uri typo: no store is created', async () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    const runs = await runCli(['mlflow', 'runs', '--tracking-uri', 'typo'], { cwd });
    expect(runs.code, runs.stderr).toBe(0);
    expect(runs.stdout).toContain('no runs yet');
    const models = await runCli(['mlflow', 'models', '--tracking-uri', 'typo'], { cwd });
    expect(models.code, models.stderr).toBe(0);
    const named = await runCli(['mlflow', 'runs', '--tracking-uri', 'typo', '--experiment', 'x'], { cwd });
    expect(named.code).toBe(2);
    expect(readdirSync(cwd)).toEqual([]);
    expect(existsSync(join(cwd, 'typo'))).toBe(false);
  });
});
