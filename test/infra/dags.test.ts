import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/main.js';
import { venvPython } from '../helpers/python.js';

const DAGS = 'infra/airflow/dags';
const HARNESS = 'test/infra/dag_harness.py';

interface Task {
  task_id: string;
  operator: string;
  retries: number;
  retry_delay_s: number;
  execution_timeout_s: number | null;
  upstream: string[];
  downstream: string[];
  fraudctl: string;
  env_file: string;
  template_fields: string[];
  arguments: string[];
  rendered: string[];
  rendered_with_conf: string[];
}
interface Dag {
  dag_id: string;
  schedule: { timetable: string; cron: string; timezone: string };
  start_date: string;
  catchup: boolean | null;
  max_active_runs: number;
  params: Record<string, string>;
  tasks: Task[];
}
interface Run {
  outcome: 'success' | 'retry' | 'fail';
  xcom?: Record<string, unknown>;
  message?: string;
  seconds: number;
  stub_saw_sigterm?: boolean;
}

// The real Apache Airflow of the `airflow` venv (scripts/python/airflow.txt), in a throw-away home.
const airflowHome = mkdtempSync(join(tmpdir(), 'fraudctl-airflow-home-'));
afterAll(() => rmSync(airflowHome, { recursive: true, force: true }));
const AIRFLOW_PIN = /^apache-airflow==(\S+)$/m.exec(readFileSync('scripts/python/airflow.txt', 'utf8'))![1];

/** Runs dag_harness.py with the airflow venv's python; its JSON is the last stdout line (Airflow logs there too). */
function harness<T>(args: string[]): T {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', AIRFLOW_HOME: airflowHome, AIRFLOW__CORE__LOAD_EXAMPLES: 'False', AIRFLOW__CORE__DAGS_FOLDER: resolve(DAGS) };
  delete env.FRAUDCTL_BIN;
  delete env.FRAUDCTL_ENV_FILE;
  delete env.FRAUDCTL_RETRY_DELAY_SECONDS;
  const out = execFileSync(venvPython('airflow'), [HARNESS, ...args], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out.trimEnd().split('\n').pop()!) as T;
}

// 2025-03-24 is a Monday: both DAGs fire that day.
const TRIGGER = '2025-03-24';
const work = mkdtempSync(join(tmpdir(), 'fraudctl-dag-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
// One python process for everything (importing Airflow takes seconds).
const all = harness<{ describe: { airflow_version: string; dags: Dag[] }; exitcodes: Record<string, Run>; kill: Record<string, Run> }>(['all', DAGS, TRIGGER, work]);

describe('Airflow DAGs', () => {
  it('compile with python3', () => {
    const files = readdirSync(DAGS).filter((f) => f.endsWith('.py'));
    expect(files.sort()).toEqual(['fraud_daily.py', 'fraud_daily_spark.py', 'fraud_train.py', 'fraudctl_operator.py']);
    // Byte code goes to a temporary prefix, not into the repo.
    const prefix = mkdtempSync(join(tmpdir(), 'fraudctl-pyc-'));
    execFileSync('python3', ['-m', 'py_compile', ...files.map((f) => join(DAGS, f))], { env: { ...process.env, PYTHONPYCACHEPREFIX: prefix } });
  });

  describe('parsed by the real Airflow (BundleDagBag, as airflow dags test does)', () => {
      const out = all.describe;
      const byId = Object.fromEntries(out.dags.map((d) => [d.dag_id, d]));

      it(`Airflow ${AIRFLOW_PIN} finds both DAGs without import errors`, () => {
        expect(out.airflow_version).toBe(AIRFLOW_PIN);
        expect(Object.keys(byId).sort()).toEqual(['fraud_daily', 'fraud_daily_spark', 'fraud_train']);
      });

      it('fraud_daily: 03:00 UTC daily, explicit timetable, no catchup, one task retried 3 times', () => {
        const dag = byId.fraud_daily;
        expect(dag.schedule).toEqual({ timetable: 'CronTriggerTimetable', cron: '0 3 * * *', timezone: 'UTC' });
        expect(dag.catchup).toBe(false);
        expect(dag.start_date).toBe('2025-01-01T00:00:00+00:00');
        expect(dag.max_active_runs).toBe(1);
        expect(dag.tasks.map((t) => t.task_id)).toEqual(['daily']);
        const [task] = dag.tasks;
        expect(task).toMatchObject({ operator: 'FraudctlOperator', retries: 3, retry_delay_s: 900, execution_timeout_s: 7200, upstream: [], downstream: [] });
        expect(task.fraudctl).toBe('/usr/local/bin/fraudctl');
        expect(task.env_file).toBe('/etc/fraudctl/fraudctl.env');
        expect(task.template_fields).toEqual(['arguments']);
        expect(task.arguments).toEqual(['daily', '--date', '{{ params.date or macros.ds_add(ds, -1) }}', '--json']);
      });

      it('fraud_daily_spark: the same schedule, dates, params and retry policy as fraud_daily (one shared definition)', () => {
        const [daily, spark] = [byId.fraud_daily, byId.fraud_daily_spark];
        for (const key of ['schedule', 'catchup', 'start_date', 'max_active_runs'] as const) expect(spark[key], key).toEqual(daily[key]);
        expect(spark.tasks.map((t) => [t.task_id, t.retries, t.retry_delay_s])).toEqual([
          ['marts_spark', 3, 900],
          ['daily', 3, 900],
        ]);
      });

      it('fraud_daily scores the day before the trigger date, or the day given in the conf', () => {
        const [task] = byId.fraud_daily.tasks;
        expect(task.rendered).toEqual(['daily', '--date', '2025-03-23', '--json']);
        expect(task.rendered_with_conf).toEqual(['daily', '--date', '2025-02-02', '--json']);
      });

      it('fraud_train: Mondays 05:00 UTC, test day = trigger - 8 (labels final after 7 days), promotes', () => {
        const dag = byId.fraud_train;
        expect(dag.schedule).toEqual({ timetable: 'CronTriggerTimetable', cron: '0 5 * * 1', timezone: 'UTC' });
        expect(dag.catchup).toBe(false);
        expect(dag.tasks.map((t) => t.task_id)).toEqual(['train']);
        const [task] = dag.tasks;
        expect(task).toMatchObject({ operator: 'FraudctlOperator', retries: 2, retry_delay_s: 1800, execution_timeout_s: 14400 });
        expect(task.rendered).toEqual(['train', '--days', '3', '--test-day', '2025-03-16', '--promote', '--json']);
        expect(task.rendered_with_conf).toEqual(['train', '--days', '3', '--test-day', '2025-02-02', '--promote', '--json']);
      });
    });

  it('hold command lines that fraudctl accepts', async () => {
    const out = all.describe;
    const parsed = [];
    for (const dag of out.dags) for (const task of dag.tasks) parsed.push(await parseCommandLine(task.rendered));
    const byCommand = Object.fromEntries(parsed.map((p) => [p.command, p]));
    expect(parsed.map((p) => p.command).sort()).toEqual(['daily', 'daily', 'marts build', 'train']);
    expect(byCommand.daily.opts).toMatchObject({ date: '2025-03-23', json: true });
    expect(byCommand.train.opts).toMatchObject({ days: 3, testDay: '2025-03-16', promote: true, json: true });
    // fraud_daily_spark: the marts of D-1 on Spark, then daily D (whose marts step then skips).
    expect(byCommand['marts build'].opts).toMatchObject({ date: '2025-03-22', engine: 'spark', json: true });
  });
});

describe('FraudctlOperator (execute and on_kill called as Airflow calls them, fraudctl a stub)', () => {
  it('returns the JSON summary as XCom on exit 0, retries only exit 4', () => {
    const runs = all.exitcodes;
    expect(runs['0'].outcome).toBe('success');
    // The env file's settings and the Airflow context reach fraudctl; the task's own env is kept.
    expect(runs['0'].xcom).toEqual({ ok: true, argv: ['daily', '--date', '2025-03-20', '--json'], lake: 's3://lake/prod', dag: 'fraud_daily', path_kept: true });
    expect(runs['4'].outcome).toBe('retry');
    for (const code of ['1', '2', '3', '130', '143']) {
      expect(runs[code].outcome, `exit ${code}`).toBe('fail');
      expect(runs[code].message).toContain(`fraudctl exited ${code} (`);
    }
    expect(runs['3'].message).toContain('input data missing or invalid');
  });

  it('on kill sends SIGTERM to fraudctl, then SIGKILL after the grace period', () => {
    const runs = all.kill;
    // The stub would sleep 40 s; the kill comes after 1 s.
    expect(runs.term.stub_saw_sigterm).toBe(true);
    expect(runs.term.message).toContain('exited 143');
    expect(runs.term.seconds).toBeLessThan(10);
    expect(runs.ignores_term.stub_saw_sigterm).toBe(false);
    expect(runs.ignores_term.message).toContain('killed by signal 9');
    expect(runs.ignores_term.seconds).toBeLessThan(10);
  });
});
