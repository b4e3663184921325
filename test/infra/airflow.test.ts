import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { readParquet } from '../helpers/lake.js';
import { venvBin, venvPython } from '../helpers/python.js';

/**
 * `airflow dags test` of the project's DAGs with the real Apache Airflow (venv `airflow`,
 * scripts/python/airflow.txt; sqlite metadata DB in a temporary AIRFLOW_HOME, no network): the
 * real FraudctlOperator runs the built fraudctl (bin/fraudctl → dist/) on a simulated lake with the
 * embedded MLflow store. Four runs, the fewest that prove the contract (each costs ~20-60 s):
 * train ok, daily ok, daily with MLflow down (exit 4: every retry taken), train on a day without
 * data (exit 3: one try). The tries are read back from Airflow's own tables.
 */
const root = resolve(import.meta.dirname, '..', '..');
const DAGS = join(root, 'infra', 'airflow', 'dags');
const FRAUDCTL = join(root, 'bin', 'fraudctl');
const TRIES = join(root, 'test', 'infra', 'airflow_tries.py');

let work: string;
let airflowHome: string;

interface Try {
  dag_id: string;
  task_id: string;
  logical_date: string;
  try_number: number;
  max_tries: number;
  state: string;
  latest: boolean;
}

function freePort(): Promise<number> {
  return new Promise((done) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => done(port));
    });
  });
}

function airflow(args: string[], envFile: string): { code: number; output: string } {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AIRFLOW_HOME: airflowHome,
    AIRFLOW__CORE__DAGS_FOLDER: DAGS,
    AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
    PYTHONDONTWRITEBYTECODE: '1',
    FRAUDCTL_BIN: FRAUDCTL,
    FRAUDCTL_ENV_FILE: envFile,
    // The DAGs wait 15/30 min between tries; the contract, not the delay, is under test.
    FRAUDCTL_RETRY_DELAY_SECONDS: '1',
  };
  const r = spawnSync(venvBin('airflow', 'airflow'), args, { cwd: work, env, encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, output: `${r.stdout}\n${r.stderr}` };
}

function readTries(): { tries: Try[]; xcoms: Record<string, Record<string, unknown>> } {
  const r = spawnSync(venvPython('airflow'), [TRIES, join(airflowHome, 'airflow.db')], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { tries: Try[]; xcoms: Record<string, Record<string, unknown>> };
}

const triesOf = (dag: string, logicalDate: string) => readTries().tries.filter((t) => t.dag_id === dag && t.logical_date === logicalDate);
const count = (text: string, needle: string) => text.split(needle).length - 1;

let okEnv: string;
let mlflowDownEnv: string;

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'main.js'))) throw new Error('dist/ is missing: run npm run build (npm test does) before this suite');
  work = mkdtempSync(join(tmpdir(), 'fraudctl-airflow-'));
  airflowHome = join(work, 'airflow-home');
  // The test lake: 2024-12-20 … 2025-01-12, marts of every day to 01-11 (partial history: the lake is young).
  // The DAG trains with the default gap (the label delay, 7): train | 7 | validation | 7 | test 01-11
  // needs 3 + 7 + 1 + 7 days before the test day, and their marts.
  const lake = join(work, 'lake');
  const env = { FRAUDCTL_THREADS: '1' };
  const sim = await runCli(['simulate', '--lake', lake, '--start', '2024-12-20', '--days', '24', '--customers', '300', '--terminals', '600', '--seed', '1', '--json'], { cwd: work, env });
  expect(sim.code, sim.stderr).toBe(0);
  const marts = await runCli(['marts', 'build', '--lake', lake, '--from', '2024-12-20', '--to', '2025-01-11', '--allow-partial-history', '--json'], { cwd: work, env });
  expect(marts.code, marts.stderr).toBe(0);
  const settings = [`FRAUDCTL_LAKE=${lake}`, `FRAUDCTL_CACHE_DIR=${join(work, 'cache')}`, 'FRAUDCTL_THREADS=1', 'FRAUDCTL_LOG_LEVEL=info'];
  okEnv = join(work, 'fraudctl.env');
  writeFileSync(okEnv, [...settings, `MLFLOW_TRACKING_URI=${join(work, 'mlruns')}`].join('\n') + '\n', { mode: 0o600 });
  mlflowDownEnv = join(work, 'mlflow-down.env');
  const deadPort = await freePort();
  writeFileSync(mlflowDownEnv, [...settings, `MLFLOW_TRACKING_URI=http://127.0.0.1:${deadPort}`, 'MLFLOW_HTTP_REQUEST_MAX_RETRIES=0'].join('\n') + '\n', { mode: 0o600 });
  const migrate = airflow(['db', 'migrate'], okEnv);
  expect(migrate.code, migrate.output.slice(-3000)).toBe(0);
}, 300_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('airflow dags test with the real Airflow and the real FraudctlOperator', () => {
  it('fraud_train on 2025-01-19 trains 12-24…26, validates on 01-03 and tests on 2025-01-11 (8 days before; gaps of 7 days) and promotes v1 to @champion', () => {
    const r = airflow(['dags', 'test', 'fraud_train', '2025-01-19'], okEnv);
    expect(r.code, r.output.slice(-4000)).toBe(0);
    expect(r.output).toContain(`Running: ${FRAUDCTL} train --days 3 --test-day 2025-01-11 --promote --json`);
    expect(triesOf('fraud_train', '2025-01-19')).toEqual([{ dag_id: 'fraud_train', task_id: 'train', logical_date: '2025-01-19', try_number: 1, max_tries: 2, state: 'success', latest: true }]);
    // The --json summary became the task's XCom.
    const summary = readTries().xcoms['fraud_train 2025-01-19'];
    expect(summary).toMatchObject({ ok: true, testDay: '2025-01-11', trainDays: ['2024-12-24', '2024-12-25', '2024-12-26'], validationDays: ['2025-01-03'], registered: { name: 'fraud-detector', version: '1' }, promotion: { promoted: true } });
    expect(summary.trackingUri).toBe(join(work, 'mlruns'));
  }, 300_000);

  it('fraud_daily on 2025-01-13 scores 2025-01-12 with the champion; the XCom counts the rows written to the lake', async () => {
    const r = airflow(['dags', 'test', 'fraud_daily', '2025-01-13'], okEnv);
    expect(r.code, r.output.slice(-4000)).toBe(0);
    expect(r.output).toContain(`Running: ${FRAUDCTL} daily --date 2025-01-12 --json`);
    expect(triesOf('fraud_daily', '2025-01-13').map((t) => [t.try_number, t.state])).toEqual([[1, 'success']]);
    const summary = readTries().xcoms['fraud_daily 2025-01-13'] as { date: string; score: { transactions: number; modelVersion: string } };
    expect(summary).toMatchObject({ ok: true, date: '2025-01-12', score: { date: '2025-01-12', modelVersion: '1' } });
    const rows = await readParquet<{ n: bigint }>(join(work, 'lake', 'scores', 'date=2025-01-12', 'data.parquet'), 'SELECT count(*) AS n FROM src');
    expect(Number(rows[0].n)).toBe(summary.score.transactions);
    expect(summary.score.transactions).toBeGreaterThan(0);
  }, 300_000);

  it('exit 4 (MLflow unreachable) is retried: fraud_daily has tries 1-4, the last one failed, fraudctl ran 4 times', () => {
    const r = airflow(['dags', 'test', 'fraud_daily', '2025-01-20', '--conf', '{"date": "2025-01-12"}'], mlflowDownEnv);
    expect(r.code).not.toBe(0);
    const tries = triesOf('fraud_daily', '2025-01-20');
    expect(tries.map((t) => [t.try_number, t.state, t.latest])).toEqual([
      [1, 'failed', false],
      [2, 'failed', false],
      [3, 'failed', false],
      [4, 'failed', true],
    ]);
    expect(tries.every((t) => t.max_tries === 3)).toBe(true);
    expect(count(r.output, `Running: ${FRAUDCTL} daily --date 2025-01-12 --json`)).toBe(4);
    // fraudctl's own --json summary, and the operator's verdict on it (Airflow's traceback may
    // quote both again, so they are not counted).
    expect(r.output).toContain('"ok":false,"exitCode":4');
    expect(r.output).toContain('fraudctl exited 4 (MLflow or S3 unavailable)');
    expect(r.output).toContain('; will retry');
    expect(r.output).not.toContain('"exitCode":3');
  }, 300_000);

  it('exit 3 (no data for the day) is not retried: fraud_train has one failed try of the two retries it may have', () => {
    const r = airflow(['dags', 'test', 'fraud_train', '2025-01-26', '--conf', '{"test_day": "2025-02-01"}'], okEnv);
    expect(r.code).not.toBe(0);
    expect(triesOf('fraud_train', '2025-01-26')).toEqual([{ dag_id: 'fraud_train', task_id: 'train', logical_date: '2025-01-26', try_number: 1, max_tries: 2, state: 'failed', latest: true }]);
    expect(count(r.output, `Running: ${FRAUDCTL} train --days 3 --test-day 2025-02-01 --promote --json`)).toBe(1);
    expect(r.output).toContain('"ok":false,"exitCode":3');
    expect(r.output).toContain('fraudctl exited 3 (input data missing or invalid)');
    expect(r.output).toContain('; not retried');
  }, 300_000);
});
