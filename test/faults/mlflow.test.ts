import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startRealMlflow, type RealMlflow } from '../mlflow/realServer.js';
import { simulatedLake, TRAIN } from './fixture.js';
import { printTable, rand, runBin, type Row } from './harness.js';

// A real MLflow 3 server (PyPI, sqlite + proxied artifacts) stopped in the middle of `train`, then
// started again at the same address: train exits 4, and once the server is back the next fraudctl
// call ends every run it left open (FAILED) — none stays RUNNING, none is lost.
const root = mkdtempSync(join(tmpdir(), 'fraudctl-faults-mlflow-'));
const rows: Row[] = [];
let lake: string;
let port: number;
let server: RealMlflow | undefined;
const start = () => startRealMlflow('mlflow3', ['--backend-store-uri', `sqlite:///${root}/mlflow.db`, '--artifacts-destination', join(root, 'artifacts'), '--serve-artifacts'], { cwd: root, port });

beforeAll(async () => {
  port = await freePort();
  [lake, server] = await Promise.all([simulatedLake(join(root, 'sim')), start()]);
}, 240_000);
afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
  console.log(`\nfault injection, MLflow:\n${printTable(rows)}\n`);
});

/** Every run of the experiment, through the server's REST API. */
async function runsOf(url: string, experiment: string): Promise<{ name: string; status: string }[]> {
  const exp = (await (await fetch(`${url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${experiment}`)).json()) as { experiment: { experiment_id: string } };
  const res = (await (await fetch(`${url}/api/2.0/mlflow/runs/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ experiment_ids: [exp.experiment.experiment_id], max_results: 1000 }) })).json()) as {
    runs?: { info: { run_name: string; status: string } }[];
  };
  return (res.runs ?? []).map((r) => ({ name: r.info.run_name, status: r.info.status }));
}

describe('MLflow going away mid-run', () => {
  it('train: exit 4 naming the server; after it is back, the next call ends the open runs FAILED', async () => {
    const url = server!.url;
    const env = { MLFLOW_TRACKING_URI: url, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1', MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0', MLFLOW_HTTP_REQUEST_TIMEOUT: '60', FRAUDCTL_LOG_LEVEL: 'info', HOME: root };
    const row: Row = { case: 'MLflow server stopped during train', runs: 1, survived: 0, dataLost: 0 };
    rows.push(row);
    // Stopped at a seeded moment after the search started (its first trial run exists by then).
    let stopped: Promise<void> | undefined;
    const r = await runBin([...TRAIN, '--lake', lake, '--max-evals', '4', '--experiment', 'gone'], {
      cwd: root,
      env,
      onStderr: (text) => {
        if (!stopped && /"msg":"datasets assembled"/.test(text)) stopped = new Promise((ok) => setTimeout(ok, rand() * 400)).then(() => server!.close());
      },
    });
    await stopped;
    expect(stopped, `the server was stopped mid-train:\n${r.stderr}`).toBeDefined();
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(new RegExp(`^fraudctl: .*${url.replace(/[.:/]/g, '\\$&')}`, 'm'));
    expect(r.stderr).not.toMatch(/\n\s+at /);
    server = await start();
    const next = await runBin(['mlflow', 'runs', '--experiment', 'gone', '--json'], { cwd: root, env });
    expect(next.code, next.stderr).toBe(0);
    const runs = await runsOf(url, 'gone');
    const open = runs.filter((x) => x.status === 'RUNNING');
    row.dataLost = open.length + (runs.some((x) => x.name.startsWith('train ')) ? 0 : 1);
    if (row.dataLost === 0) row.survived = 1;
    expect({ parent: runs.filter((x) => x.name.startsWith('train ')).length, open }).toEqual({ parent: 1, open: [] });
    expect(runs.every((x) => x.status === 'FAILED' || x.status === 'FINISHED')).toBe(true);
  }, 240_000);
});
