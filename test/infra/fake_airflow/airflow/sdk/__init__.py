import os

if os.environ.get("FAKE_AIRFLOW_MAJOR", "3") == "2":
    raise ImportError("airflow.sdk exists from Airflow 3 on")

from airflow.models.baseoperator import BaseOperator
from airflow.models.dag import DAG

__all__ = ["BaseOperator", "DAG"]
