import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { usageError } from '../errors.js';
import type { Logger } from '../log.js';
import { LocalArtifactRepo } from './artifacts.js';
import { ensureRoot, findExperiment, getOrCreateExperiment } from './fileStore/experiments.js';
import type { FoundExperimentRef } from './experiment.js';
import { pythonJsonDumps } from './fileStore/pyFormat.js';
import { RegistryFiles } from './fileStore/registry.js';
import { RunFiles, type ValueCleaner } from './fileStore/runs.js';
import { validateKey } from './fileStore/validate.js';
import { cleanValue, LOG_BATCH_LIMITS } from './rest/batch.js';
import type { Metric, ModelVersion, RegisteredModel, Run, RunInfo, RunSearch, RunStatus, Tracker } from './tracker.js';

export interface FileStoreOptions {
  /** Milliseconds since the epoch, for experiment and registry timestamps. */
  now?: () => number;
  /** Registry root when it differs from the tracking root (MLFLOW_REGISTRY_URI). */
  registryRoot?: string;
  /** Warnings (cut values, undefined metrics); silent when not given. */
  log?: Logger;
  /** Values masked in params and tags before they are written. */
  secrets?: readonly string[];
}

/** The tag MLflow's log_model appends each logged model's MLmodel to (a JSON list). */
export const LOG_MODEL_HISTORY_TAG = 'mlflow.log-model.history';

/**
 * The embedded tracker: MLflow 2.x's file store layout, written directly, so that
 * `mlflow ui --backend-store-uri ./mlruns` (or `mlflow server`) opens what fraudctl wrote.
 * Values are cleaned as the REST tracker cleans them (secrets masked, long values cut, non-finite
 * metrics named in a tag). A changed param is FraudctlError exit 2; a missing run/version exit 3.
 */
export class FileStore implements Tracker {
  readonly kind = 'file' as const;
  readonly uri: string;
  private readonly runs: RunFiles;
  private readonly registry: RegistryFiles;
  private readonly now: () => number;
  private readonly registryRoot: string;

  private constructor(
    readonly root: string,
    opts: FileStoreOptions,
  ) {
    this.uri = root;
    this.registryRoot = opts.registryRoot ?? root;
    this.now = opts.now ?? Date.now;
    const log = opts.log ?? pino({ enabled: false });
    const secrets = opts.secrets ?? [];
    // The same preparation as the REST tracker's, so both stores keep the same values.
    const clean: ValueCleaner = {
      param: (key, value) => (validateKey('param', key), cleanValue('param', key, value, LOG_BATCH_LIMITS.paramValue, secrets, log)),
      tag: (key, value) => (validateKey('tag', key), cleanValue('tag', key, value, LOG_BATCH_LIMITS.tagValue, secrets, log)),
    };
    this.runs = new RunFiles(root, clean, log);
    this.registry = new RegistryFiles(opts.registryRoot ?? root, this.now, clean);
  }

  /**
   * Opens the store at `location` (a path or a file:// URI) without writing anything: the root,
   * `.trash`, `models` and the Default experiment are created by the first write (an experiment,
   * a run, a model version), so read-only commands (`mlflow runs`, `score`) create no store, and a
   * store on a read-only mount can be read. A root that is a file is refused at once (exit 2).
   */
  static async open(location: string, opts: FileStoreOptions & { cwd?: string } = {}): Promise<FileStore> {
    const root = fileStoreRoot(location, opts.cwd ?? process.cwd());
    const registryRoot = opts.registryRoot === undefined ? undefined : fileStoreRoot(opts.registryRoot, opts.cwd ?? process.cwd());
    for (const r of new Set([root, registryRoot ?? root])) await refuseNonDirectory(r);
    opts.log?.debug({ root, registryRoot }, 'mlflow file store opened');
    return new FileStore(root, { ...opts, registryRoot });
  }

  /** Whether the store's root exists yet (it is created by the first write). */
  exists(): boolean {
    return existsSync(this.root);
  }

  private created?: Promise<void>;
  /** Creates the root(s) once, before the first write. */
  private ready(): Promise<void> {
    this.created ??= (async () => {
      await ensureUsableRoot(this.root, this.now());
      if (this.registryRoot !== this.root) await ensureUsableRoot(this.registryRoot, this.now());
    })();
    return this.created;
  }

  async getOrCreateExperiment(name: string): Promise<string> {
    await this.ready();
    return getOrCreateExperiment(this.root, name, this.now);
  }

  findExperiment(by: { name: string } | { id: string }): Promise<FoundExperimentRef | undefined> {
    return findExperiment(this.root, by);
  }

  async createRun(opts: { experimentId: string; runName: string; startTime: number; tags: Record<string, string> }): Promise<RunInfo> {
    await this.ready();
    return this.runs.create(opts);
  }

  logBatch(runId: string, batch: { metrics?: Metric[]; params?: Record<string, string>; tags?: Record<string, string> }): Promise<void> {
    return this.runs.logBatch(runId, batch);
  }

  setTag(runId: string, key: string, value: string): Promise<void> {
    return this.runs.setTag(runId, key, value);
  }

  endRun(runId: string, status: RunStatus, endTime: number): Promise<void> {
    return this.runs.end(runId, status, endTime);
  }

  getRun(runId: string): Promise<Run> {
    return this.runs.get(runId);
  }

  searchRuns(experimentIds: string[], search?: RunSearch): Promise<Run[]> {
    return this.runs.search(experimentIds, search);
  }

  async logArtifacts(run: RunInfo, localDir: string, artifactPath: string): Promise<void> {
    await localArtifacts(run.artifactUri).uploadDir(localDir, artifactPath);
  }

  /** Copies `<artifacts>/<artifactPath>` to `<destDir>/<artifactPath>` and returns that path, as
   * MLflow's download_artifacts(artifact_path, dst_path) does. */
  async downloadArtifacts(runId: string, artifactPath: string, destDir: string): Promise<string> {
    const { info } = await this.runs.get(runId);
    return localArtifacts(info.artifactUri).download(artifactPath, destDir);
  }

  /** Appends the MLmodel to the run's `mlflow.log-model.history` tag, as record_logged_model does. */
  async logModel(runId: string, mlmodel: Record<string, unknown>): Promise<void> {
    await this.runs.writeRawTag(runId, LOG_MODEL_HISTORY_TAG, (old) => {
      const list: unknown[] = old ? (JSON.parse(old) as unknown[]) : [];
      return pythonJsonDumps([...list, mlmodel]);
    });
  }

  async createModelVersion(name: string, source: string, runId: string, tags?: Record<string, string>): Promise<ModelVersion> {
    await this.ready();
    return this.registry.createVersion(name, source, runId, tags);
  }

  getModelVersion(name: string, version: string): Promise<ModelVersion> {
    return this.registry.getVersion(name, version);
  }

  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion | undefined> {
    return this.registry.getVersionByAlias(name, alias);
  }

  setAlias(name: string, alias: string, version: string): Promise<void> {
    return this.registry.setAlias(name, alias, version);
  }

  deleteAlias(name: string, alias: string): Promise<void> {
    return this.registry.deleteAlias(name, alias);
  }

  setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    return this.registry.setVersionTag(name, version, key, value);
  }

  listModelVersions(name: string): Promise<ModelVersion[]> {
    return this.registry.listVersions(name);
  }

  listRegisteredModels(): Promise<RegisteredModel[]> {
    return this.registry.listModels();
  }
}

/** Absolute directory of a store location: a path (relative to `cwd`) or a file:// URI. */
export function fileStoreRoot(location: string, cwd: string): string {
  if (/^file:/i.test(location)) {
    try {
      return fileURLToPath(location);
    } catch (e) {
      throw usageError(`'${location}' is not a usable file:// URI: ${(e as Error).message}`, 'write file:///absolute/path or a plain path');
    }
  }
  return isAbsolute(location) ? location : resolve(cwd, location);
}

async function refuseNonDirectory(root: string): Promise<void> {
  const st = await stat(root).catch(() => undefined);
  if (st && !st.isDirectory()) throw usageError(`cannot use ${root} as the MLflow file store: it is a file, not a directory`, 'set --tracking-uri / MLFLOW_TRACKING_URI to a directory');
}

async function ensureUsableRoot(root: string, now: number): Promise<void> {
  try {
    await ensureRoot(root, now);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EROFS' || code === 'EPERM') {
      throw usageError(`cannot use ${root} as the MLflow file store: ${(e as Error).message}`, 'set --tracking-uri / MLFLOW_TRACKING_URI to a writable directory');
    }
    throw e;
  }
}

/** Runs of the file store keep artifacts in a local folder; an experiment made elsewhere with an
 * s3:// or mlflow-artifacts: location needs the tracking server. */
function localArtifacts(artifactUri: string): LocalArtifactRepo {
  if (!/^file:/i.test(artifactUri)) {
    throw usageError(`the run's artifact location ${artifactUri} is not local; the embedded MLflow store handles file:// artifacts only`, 'use a tracking server (http://...) for this experiment');
  }
  return new LocalArtifactRepo(artifactUri);
}
