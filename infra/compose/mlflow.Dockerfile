# MLflow as on the MLflow VM: the server plus the PostgreSQL driver and boto3 for s3:// artifacts.
FROM python:3.11-slim
ARG MLFLOW_VERSION=2.22.0
RUN pip install --no-cache-dir "mlflow==${MLFLOW_VERSION}" psycopg2-binary boto3
EXPOSE 5000
