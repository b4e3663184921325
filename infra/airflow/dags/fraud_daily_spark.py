"""fraud_daily_spark: fraud_daily for lakes past one VM. The marts of D-1 are built by the Spark
cluster (Yandex Data Proc, infra/terraform/dataproc) through Spark Connect, then `fraudctl daily`
on this VM scores D: it finds those marts built and only scores.

    marts_spark: fraudctl marts build --date D-1 --engine spark --json
    daily:       fraudctl daily --date D --json          (marts of D-1 exist: skipped)

The Spark Connect address comes from FRAUDCTL_SPARK_REMOTE in the fraudctl env file
(/etc/fraudctl/fraudctl.env), e.g. sc://rc1a-dataproc-m-xxxx.mdb.yandexcloud.net:15002.

It replaces fraud_daily (same schedule, same dates): keep exactly one of the two unpaused
(airflow dags pause fraud_daily when switching to Spark). Retries only on exit code 4 (Spark, MLflow or S3 unavailable).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG
from airflow.timetables.trigger import CronTriggerTimetable

from fraudctl_operator import FraudctlOperator

# The day to score, as in fraud_daily; the marts are those of the day before it.
SCORE_DAY = "{{ params.date or macros.ds_add(ds, -1) }}"
MART_DAY = "{{ macros.ds_add(params.date or macros.ds_add(ds, -1), -1) }}"

with DAG(
    dag_id="fraud_daily_spark",
    description="marts of D-1 on Spark (Spark Connect), then fraudctl daily scores D",
    schedule=CronTriggerTimetable("0 3 * * *", timezone="UTC"),
    start_date=datetime(2025, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    params={"date": ""},
    default_args={
        "owner": "fraudctl",
        "retries": 3,
        "retry_delay": timedelta(minutes=15),
    },
    tags=["fraudctl", "spark"],
) as dag:
    marts = FraudctlOperator(
        task_id="marts_spark",
        arguments=["marts", "build", "--date", MART_DAY, "--engine", "spark", "--json"],
        execution_timeout=timedelta(hours=3),
    )
    daily = FraudctlOperator(
        task_id="daily",
        arguments=["daily", "--date", SCORE_DAY, "--json"],
        execution_timeout=timedelta(hours=2),
    )
    marts >> daily
