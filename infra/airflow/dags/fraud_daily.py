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

from datetime import datetime, timedelta, timezone

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG
from airflow.timetables.trigger import CronTriggerTimetable

from fraudctl_operator import FraudctlOperator, retry_delay

# The day to score: the `date` param when given, else the day before the trigger date.
SCORE_DAY = "{{ params.date or macros.ds_add(ds, -1) }}"

with DAG(
    dag_id="fraud_daily",
    description="fraudctl daily: marts of D-1, then score D (D = yesterday)",
    schedule=CronTriggerTimetable("0 3 * * *", timezone="UTC"),
    start_date=datetime(2025, 1, 1, tzinfo=timezone.utc),
    # Missed days are not run by themselves; backfill them explicitly (docs/deployment.md).
    catchup=False,
    max_active_runs=1,
    params={"date": ""},
    default_args={
        "owner": "fraudctl",
        "retries": 3,
        "retry_delay": retry_delay(timedelta(minutes=15)),
    },
    tags=["fraudctl"],
) as dag:
    FraudctlOperator(
        task_id="daily",
        arguments=["daily", "--date", SCORE_DAY, "--json"],
        execution_timeout=timedelta(hours=2),
    )
