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

from datetime import timedelta

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG

from fraudctl_operator import SCORE_DAY, FraudctlOperator, daily_dag_args

# The day to score as in fraud_daily (SCORE_DAY); the marts are those of the day before it.
MART_DAY = "{{ macros.ds_add(params.date or macros.ds_add(ds, -1), -1) }}"

with DAG(**daily_dag_args("fraud_daily_spark", "marts of D-1 on Spark (Spark Connect), then fraudctl daily scores D", ["fraudctl", "spark"])) as dag:
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
