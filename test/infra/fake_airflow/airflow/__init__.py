"""A stand-in for the few pieces of Apache Airflow that the fraudctl DAGs touch, so CI can load
the DAG files without Airflow. FAKE_AIRFLOW_MAJOR=2 hides `airflow.sdk` (as on Airflow 2), so
both import paths of the DAG files get exercised. Not a model of Airflow's behaviour beyond that."""

from airflow.models.dag import DAG

__all__ = ["DAG"]
