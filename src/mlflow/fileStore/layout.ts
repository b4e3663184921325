import { pathToFileURL } from 'node:url';
import type { RunInfo, RunStatus } from '../tracker.js';

/**
 * The on-disk layout of MLflow 2.x's file store (mlflow/store/tracking/file_store.py), the one
 * `mlflow ui --backend-store-uri ./mlruns` reads:
 *
 *   <root>/<experiment_id>/meta.yaml                  experiment
 *   <root>/<experiment_id>/<run_id>/meta.yaml         run (status as an integer)
 *   <root>/<experiment_id>/<run_id>/{metrics,params,tags}/<key>   one file per key, '/' nests
 *   <root>/<experiment_id>/<run_id>/artifacts/        file:// artifact root of the run
 *   <root>/.trash/                                    deleted experiments
 *   <root>/models/<name>/...                          registry (see registry.ts)
 */
export const DEFAULT_EXPERIMENT_ID = '0';
export const META = 'meta.yaml';
export const TRASH = '.trash';
export const MODELS = 'models';
/** Folders of an experiment that are not runs. */
export const RESERVED_EXPERIMENT_FOLDERS = new Set(['tags', 'datasets', 'traces']);

// RunStatus in mlflow/entities/run_status.py; the meta file stores the number.
const STATUS_CODE: Record<RunStatus, number> = { RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5 };
const STATUS_NAME = Object.fromEntries(Object.entries(STATUS_CODE).map(([k, v]) => [v, k])) as Record<number, RunStatus>;
export const statusCode = (s: RunStatus): number => STATUS_CODE[s];
export const statusName = (code: unknown): RunStatus => STATUS_NAME[Number(code ?? 1)] ?? 'RUNNING';

/** SourceType.LOCAL: the file store writes 4 whatever the source; the real one is a tag. */
const SOURCE_TYPE_LOCAL = 4;

export interface ExperimentMeta {
  artifact_location: string;
  creation_time: number;
  experiment_id: string;
  last_update_time: number;
  lifecycle_stage: 'active' | 'deleted';
  name: string;
}

export function experimentMeta(root: string, id: string, name: string, now: number): ExperimentMeta {
  return {
    artifact_location: `${pathToFileURL(root).href}/${id}`,
    creation_time: now,
    experiment_id: id,
    last_update_time: now,
    lifecycle_stage: 'active',
    name,
  };
}

export interface RunMeta {
  artifact_uri: string;
  end_time: number | null;
  entry_point_name: string;
  experiment_id: string;
  lifecycle_stage: string;
  run_id: string;
  run_name: string;
  run_uuid: string;
  source_name: string;
  source_type: number;
  source_version: string;
  start_time: number;
  status: number;
  tags: [];
  user_id: string;
  deleted_time?: number | null;
}

export function runMeta(o: { experiment: ExperimentMeta; runId: string; runName: string; startTime: number; userId: string }): RunMeta {
  return {
    // append_to_uri_path(experiment.artifact_location, run_id, 'artifacts')
    artifact_uri: `${o.experiment.artifact_location.replace(/\/+$/, '')}/${o.runId}/artifacts`,
    end_time: null,
    entry_point_name: '',
    experiment_id: o.experiment.experiment_id,
    lifecycle_stage: 'active',
    run_id: o.runId,
    run_name: o.runName,
    run_uuid: o.runId,
    source_name: '',
    source_type: SOURCE_TYPE_LOCAL,
    source_version: '',
    start_time: o.startTime,
    status: STATUS_CODE.RUNNING,
    // RunInfo once held tags; MLflow keeps writing an empty list for old readers.
    tags: [],
    user_id: o.userId,
    deleted_time: null,
  };
}

export function runInfoFromMeta(meta: Record<string, unknown>): RunInfo {
  const endTime = meta.end_time;
  return {
    runId: String(meta.run_id ?? meta.run_uuid),
    experimentId: String(meta.experiment_id),
    runName: String(meta.run_name ?? ''),
    status: statusName(meta.status),
    startTime: Number(meta.start_time),
    ...(endTime === null || endTime === undefined ? {} : { endTime: Number(endTime) }),
    artifactUri: String(meta.artifact_uri),
  };
}
