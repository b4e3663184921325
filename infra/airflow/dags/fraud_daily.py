"""fraud_daily: every day at 03:00 UTC, `fraudctl daily --date D --json` with D = the day before
the run (the newest complete day): builds the marts of D-1, then scores D.

Dates. The schedule is an explicit CronTriggerTimetable, so `ds` is the trigger date on Airflow 2
and 3 alike: a run triggered on 2025-03-21 at 03:00 has ds = 2025-03-21 and scores 2025-03-20
(`macros.ds_add(ds, -1)`). With a bare cron string the two versions differ: Airflow 2 wraps it in
CronDataIntervalTimetable (ds = the start of the interval, already the previous day), Airflow 3 in
CronTriggerTimetable (ds = the trigger date); the same template would score different days.
To run one given day, trigger with the conf {"date": "YYYY-MM-DD"}.

Retries only on exit code 4 (MLflow or S3 unavailable), see fraudctl_operator.py.
"""

from __future__ import annotations

from datetime import timedelta

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG

from fraudctl_operator import SCORE_DAY, FraudctlOperator, daily_dag_args

# The day to score (SCORE_DAY): the `date` param when given, else the day before the trigger date.
with DAG(**daily_dag_args("fraud_daily", "fraudctl daily: marts of D-1, then score D (D = yesterday)", ["fraudctl"])) as dag:
    FraudctlOperator(
        task_id="daily",
        arguments=["daily", "--date", SCORE_DAY, "--json"],
        execution_timeout=timedelta(hours=2),
    )
