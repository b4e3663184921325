/**
 * The system tags MLflow's Python client sets on a run (mlflow/utils/mlflow_tags.py), plus
 * fraudctl's own. `mlflow.source.type` is JOB under Airflow (its AIRFLOW_CTX_* variables), LOCAL
 * otherwise, as Python writes for a script (cron cannot be told from a shell pipe).
 */
export interface RunTagInput {
  runName: string;
  user: string;
  sourceName: string;
  isJob: boolean;
  parentRunId?: string;
  /** Airflow context as exported to the task (AIRFLOW_CTX_DAG_ID=…, or already as dag_id=…). */
  airflow: Record<string, string>;
  version: string;
}

export function standardRunTags(input: RunTagInput): Record<string, string> {
  const tags: Record<string, string> = {
    'mlflow.runName': input.runName,
    'mlflow.user': input.user,
    'mlflow.source.name': input.sourceName,
    'mlflow.source.type': input.isJob ? 'JOB' : 'LOCAL',
    'fraudctl.version': input.version,
  };
  if (input.parentRunId) tags['mlflow.parentRunId'] = input.parentRunId;
  for (const [k, v] of Object.entries(input.airflow)) {
    if (v === '') continue;
    // AIRFLOW_CTX_DAG_RUN_ID → fraudctl.airflow.dag_run_id
    tags[`fraudctl.airflow.${k.replace(/^AIRFLOW_CTX_/i, '').toLowerCase()}`] = v;
  }
  return tags;
}
