/**
 * What the commands know of MLflow. Two implementations: the embedded file store (`./mlruns`, the
 * layout `mlflow ui --backend-store-uri ./mlruns` opens) and the REST client of a tracking server.
 * The commands never know which one they use.
 */
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface RunInfo {
  runId: string;
  experimentId: string;
  runName: string;
  status: RunStatus;
  startTime: number;
  endTime?: number;
  artifactUri: string;
}

export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface Run {
  info: RunInfo;
  data: { metrics: Record<string, number>; params: Record<string, string>; tags: Record<string, string> };
}

export interface ModelVersion {
  name: string;
  version: string;
  source: string;
  runId?: string;
  status: 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';
  creationTimestamp: number;
  tags: Record<string, string>;
  aliases: string[];
}

export interface RegisteredModel {
  name: string;
  aliases: Record<string, string>;
  latestVersion?: string;
}

export interface RunSearch {
  /** Runs whose tags equal all of these. */
  tags?: Record<string, string>;
  status?: RunStatus;
  maxResults?: number;
}

export interface Tracker {
  readonly kind: 'file' | 'rest';
  /** Display form of where runs go. */
  readonly uri: string;
  getOrCreateExperiment(name: string): Promise<string>;
  /** The experiment of that name or id, deleted ones included; undefined when there is none. Creates nothing. */
  findExperiment(by: { name: string } | { id: string }): Promise<import('./experiment.js').FoundExperimentRef | undefined>;
  /** Creates a run with its tags (mlflow.runName, mlflow.parentRunId, ... are passed in `tags`). */
  createRun(opts: { experimentId: string; runName: string; startTime: number; tags: Record<string, string> }): Promise<RunInfo>;
  /** Params are write-once; metrics append; tags overwrite. Non-finite metrics must not be passed. */
  logBatch(runId: string, batch: { metrics?: Metric[]; params?: Record<string, string>; tags?: Record<string, string> }): Promise<void>;
  setTag(runId: string, key: string, value: string): Promise<void>;
  endRun(runId: string, status: RunStatus, endTime: number): Promise<void>;
  getRun(runId: string): Promise<Run>;
  searchRuns(experimentIds: string[], search?: RunSearch): Promise<Run[]>;
  /** Copies the files of a local directory to the run's artifacts under `artifactPath`. */
  logArtifacts(run: RunInfo, localDir: string, artifactPath: string): Promise<void>;
  /** Downloads the run's artifacts under `artifactPath` into `destDir`; returns the local directory. */
  downloadArtifacts(runId: string, artifactPath: string, destDir: string): Promise<string>;
  /** Records a logged model (the MLmodel as an object) on the run. */
  logModel(runId: string, mlmodel: Record<string, unknown>): Promise<void>;

  // Registry (aliases, not the deprecated stages).
  /** Creates the registered model if needed, then a version; waits until READY. */
  createModelVersion(name: string, source: string, runId: string, tags?: Record<string, string>): Promise<ModelVersion>;
  getModelVersion(name: string, version: string): Promise<ModelVersion>;
  /** undefined when the model or the alias does not exist. */
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion | undefined>;
  setAlias(name: string, alias: string, version: string): Promise<void>;
  deleteAlias(name: string, alias: string): Promise<void>;
  setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void>;
  /** Versions of a registered model, newest first; [] when it does not exist. */
  listModelVersions(name: string): Promise<ModelVersion[]>;
  listRegisteredModels(): Promise<RegisteredModel[]>;
}
