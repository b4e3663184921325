"""fraud_train: every Monday at 05:00 UTC (after fraud_daily), a TPE search on a strict time split:
`fraudctl train --days 3 --test-day T --promote --json`, moving the `champion` alias when the new
model beats it.

The test day T is the newest day whose fraud labels are final: labels arrive with a delay of
LABEL_DELAY_DAYS (the same delay the terminal features use), so T = trigger date - 1 - 7 days.
The train days before it (T-4 … T-2 with the default --gap 1) and the marts of the day before each
must already be in the lake: fraud_daily builds them.

Dates: the explicit CronTriggerTimetable makes `ds` the trigger date on Airflow 2 and 3 alike
(see fraud_daily.py). To train on a given test day, trigger with {"test_day": "YYYY-MM-DD"}.
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

LABEL_DELAY_DAYS = 7
TEST_DAY = "{{ params.test_day or macros.ds_add(ds, -%d) }}" % (1 + LABEL_DELAY_DAYS)

with DAG(
    dag_id="fraud_train",
    description="fraudctl train: weekly search, register, promote the champion",
    schedule=CronTriggerTimetable("0 5 * * 1", timezone="UTC"),
    start_date=datetime(2025, 1, 6, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    params={"test_day": ""},
    default_args={
        "owner": "fraudctl",
        "retries": 2,
        "retry_delay": retry_delay(timedelta(minutes=30)),
    },
    tags=["fraudctl"],
) as dag:
    FraudctlOperator(
        task_id="train",
        arguments=["train", "--days", "3", "--test-day", TEST_DAY, "--promote", "--json"],
        execution_timeout=timedelta(hours=4),
    )
