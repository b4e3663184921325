import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runBin } from './harness.js';

/** The fault suites' small simulated lake (10 days, 300 customers): seconds to build, minutes to never fail. */
export const SIM = ['--start', '2025-01-01', '--days', '10', '--customers', '300', '--terminals', '200', '--seed', '7'];
/** The small simulated lake alone, at `dir/lake`. */
export async function simulatedLake(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const sim = await runBin(['simulate', ...SIM, '--lake', join(dir, 'lake')], { cwd: dir });
  expect([sim.code, sim.stderr]).toEqual([0, '']);
  return join(dir, 'lake');
}

/** A tiny search (2 trials of 5–10 shallow trees): a real model, registered as m/1, in a few seconds. */
export const TRAIN = ['train', '--days', '2', '--gap', '1', '--max-evals', '2', '--trees', '5:10', '--depth', '3:5', '--bootstrap', '0', '--allow-partial-history', '--test-day', '2025-01-08', '--register', 'm'];

/**
 * `root/base/lake` with the simulated days, `root/base/mlruns` with model m/1 trained on them. The
 * env points score / daily at that store; copies of the lake come from `copy()`.
 */
export async function lakeWithModel(root: string): Promise<{ base: string; env: Record<string, string>; copy: (empty?: boolean) => { dir: string; lake: string } }> {
  const base = join(root, 'base');
  mkdirSync(base, { recursive: true });
  const env = { MLFLOW_TRACKING_URI: join(base, 'mlruns') };
  const sim = await runBin(['simulate', ...SIM, '--lake', join(base, 'lake')], { cwd: base });
  expect([sim.code, sim.stderr]).toEqual([0, '']);
  const train = await runBin([...TRAIN, '--lake', join(base, 'lake')], { cwd: base, env });
  expect(train.code, train.stderr).toBe(0);
  let n = 0;
  const copy = (empty = false) => {
    const dir = join(root, `run${n++}`);
    mkdirSync(dir);
    if (!empty) cpSync(join(base, 'lake'), join(dir, 'lake'), { recursive: true });
    return { dir, lake: join(dir, 'lake') };
  };
  return { base, env, copy };
}
