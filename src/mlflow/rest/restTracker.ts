import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { secretValues, type MlflowSettings } from '../../config.js';
import { ExitCode, FraudctlError, dataError } from '../../errors.js';
import type { FoundExperimentRef } from '../experiment.js';
import type { Logger } from '../../log.js';
import { artifactRepoFor, type ArtifactRepo } from '../artifacts.js';
import type { Metric, ModelVersion, RegisteredModel, Run, RunInfo, RunSearch, RunStatus, Tracker } from '../tracker.js';
import { MlflowApi, readRun, type WireRun, type WireTag } from './api.js';
import { chunkBatch, cleanValue, LOG_BATCH_LIMITS, prepareBatch } from './batch.js';
import { HttpClient, MlflowApiError, type HttpSettings } from './http.js';
import { PendingEnds } from './pendingEnds.js';
import { INVOCATION_TAG, quote, RestRegistry } from './restRegistry.js';
import type { S3Settings } from '../../s3/client.js';

export const UNDEFINED_METRICS_TAG = 'fraudctl.undefined_metrics';

export interface RestTrackerOptions {
  /** Injected in tests (backoff and registry polling); real timers otherwise. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Values that never leave the process in params, tags or messages. */
  secrets?: readonly string[];
  /** File of run ends not yet delivered (see PendingEnds); none when undefined. */
  pendingEndsFile?: string;
  /** Model versions: poll every `pollMs` until READY, for at most `readyTimeoutMs`. */
  pollMs?: number;
  readyTimeoutMs?: number;
  /** Largest log-batch body (tests lower it). */
  maxBatchBytes?: number;
  s3?: S3Settings;
  registryUri?: string;
  /** Clock for the end time of runs failed on our behalf (milliseconds). */
  now?: () => number;
}

/**
 * The Tracker over a tracking server's REST API. Thin: payloads in api.ts, HTTP in http.ts. What
 * it adds to the plain calls: find-or-create of experiments that survives a race, runs created at
 * most once even when a create is retried, chunked log-batch, a journal of run ends the server
 * missed, model versions awaited until READY, and artifacts by the scheme of the run's URI.
 */
export class RestTracker implements Tracker {
  readonly kind = 'rest' as const;
  readonly uri: string;
  private readonly registry: RestRegistry;
  private readonly secrets: readonly string[];
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly pending?: PendingEnds;
  private readonly undefinedMetrics = new Map<string, Set<string>>();
  private readonly runUris = new Map<string, string>();
  /** Runs this process created and has not ended. */
  readonly openRuns = new Set<string>();
  private recovered?: Promise<void>;

  constructor(
    private readonly api: MlflowApi,
    private readonly log: Logger,
    private readonly settings: HttpSettings,
    private readonly opts: RestTrackerOptions = {},
  ) {
    this.uri = api.http.server;
    this.secrets = opts.secrets ?? [];
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.pending = opts.pendingEndsFile ? new PendingEnds(opts.pendingEndsFile) : undefined;
    const registryApi = opts.registryUri && opts.registryUri !== settings.baseUrl ? new MlflowApi(new HttpClient({ ...settings, baseUrl: opts.registryUri })) : api;
    this.registry = new RestRegistry(registryApi, { log, secrets: this.secrets, sleep: this.sleep, pollMs: opts.pollMs ?? 1000, readyTimeoutMs: opts.readyTimeoutMs ?? 300_000, uri: this.uri });
  }

  /** The tracker for MLFLOW_TRACKING_URI = http(s)://… with every MLFLOW_* / AWS_* setting of the configuration. */
  static fromConfig(config: MlflowSettings, log: Logger, opts: RestTrackerOptions & { cwd?: string } = {}): RestTracker {
    const settings: HttpSettings = {
      baseUrl: config.trackingUri,
      username: config.mlflowUsername,
      password: config.mlflowPassword,
      token: config.mlflowToken,
      insecureTls: config.mlflowInsecureTls,
      caPath: config.mlflowServerCertPath,
      timeoutMs: config.mlflowTimeout * 1000,
      maxRetries: config.mlflowMaxRetries,
      backoffFactor: config.mlflowBackoffFactor,
      backoffJitter: config.mlflowBackoffJitter,
      sleep: opts.sleep,
      random: opts.random,
      log,
    };
    const s3: S3Settings = {
      endpoint: config.mlflowS3EndpointUrl,
      region: config.s3Region,
      pathStyle: true,
      accessKeyId: config.awsAccessKeyId,
      secretAccessKey: config.awsSecretAccessKey,
      sessionToken: config.awsSessionToken,
    };
    const cacheDir = resolve(opts.cwd ?? process.cwd(), config.cacheDir);
    return new RestTracker(new MlflowApi(new HttpClient(settings)), log, settings, {
      secrets: secretValues(config),
      pendingEndsFile: join(cacheDir, 'mlflow-pending-run-ends.json'),
      s3,
      registryUri: config.registryUri,
      ...opts,
    });
  }

  /** Once per tracker, before the first call: deliver run ends an earlier process could not (one try each). */
  private ready(): Promise<void> {
    this.recovered ??= (async () => {
      for (const p of this.pending?.forServer(this.uri) ?? []) {
        try {
          const runIds = p.runId ? [p.runId] : (await this.runsOfInvocation(p.invocation!.experimentId, p.invocation!.id)).map((r) => readRun(r).info.runId);
          for (const runId of runIds) await this.api.updateRun(runId, p.status, p.endTime, true);
          await this.pending!.remove(this.uri, p);
          if (runIds.length) this.log.info({ runIds, status: p.status }, 'delivered a run end the server missed earlier');
        } catch (e) {
          if (e instanceof MlflowApiError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST') await this.pending!.remove(this.uri, p);
          else return; // still unreachable: keep them for next time
        }
      }
    })();
    return this.recovered;
  }

  /** Runs created with this invocation id (one attempt, no retries). */
  private async runsOfInvocation(experimentId: string, invocationId: string): Promise<WireRun[]> {
    return (await this.api.searchRuns({ experimentIds: [experimentId], filter: `tags.\`${INVOCATION_TAG}\` = '${invocationId}'`, maxResults: 10 }, true)).runs;
  }

  async getOrCreateExperiment(name: string): Promise<string> {
    await this.ready();
    const found = await this.api.getExperimentByName(name);
    if (found) return this.checkActive(found.lifecycle_stage, name, found.experiment_id!);
    try {
      return await this.api.createExperiment(name);
    } catch (e) {
      // Another process created it between our get and our create.
      if (!(e instanceof MlflowApiError && e.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw e;
      const again = await this.api.getExperimentByName(name);
      if (!again) throw e;
      return this.checkActive(again.lifecycle_stage, name, again.experiment_id!);
    }
  }

  async findExperiment(by: { name: string } | { id: string }): Promise<FoundExperimentRef | undefined> {
    await this.ready();
    const e = 'name' in by ? await this.api.getExperimentByName(by.name) : await this.api.getExperiment(by.id);
    return e && { id: String(e.experiment_id), name: e.name ?? '', active: e.lifecycle_stage !== 'deleted' };
  }

  private checkActive(stage: string | undefined, name: string, id: string): string {
    if (stage === 'deleted') throw new FraudctlError(`MLflow experiment '${name}' (id ${id}) is deleted`, ExitCode.Usage, { hint: 'restore it in the MLflow UI, or choose another name with --experiment / MLFLOW_EXPERIMENT_NAME' });
    return id;
  }

  private wireTags(tags: Record<string, string>): WireTag[] {
    return Object.entries(tags).map(([key, value]) => ({ key, value: cleanValue('tag', key, value, LOG_BATCH_LIMITS.tagValue, this.secrets, this.log) }));
  }

  /**
   * runs/create is retried like any call, but a lost answer may hide a run the server did create.
   * The run carries a client-generated id; before each retry we search for it and keep what exists.
   */
  async createRun(opts: { experimentId: string; runName: string; startTime: number; tags: Record<string, string> }): Promise<RunInfo> {
    await this.ready();
    const invocationId = randomUUID();
    const tags = this.wireTags({ 'mlflow.runName': opts.runName, ...opts.tags, [INVOCATION_TAG]: invocationId });
    // user_id as the Python client sends it (the mlflow.user value): the server's run info and the
    // UI's "User" column come from it, not from the tag.
    const user = opts.tags['mlflow.user'];
    const req = { experiment_id: opts.experimentId, ...(user === undefined ? {} : { user_id: user }), run_name: opts.runName, start_time: opts.startTime, tags };
    let wire: WireRun;
    try {
      wire = await this.api.http.withRetries('POST runs/create', async (attempt) => {
        if (attempt > 0) {
          const found = await this.runsOfInvocation(opts.experimentId, invocationId);
          if (found.length > 0) {
            this.log.warn({ runId: found[0].info?.run_id }, 'the answer to runs/create was lost, but the run exists: using it');
            return found[0];
          }
        }
        return this.api.createRun(req, true);
      });
    } catch (e) {
      // The server may have created the run without our knowing: have the next tracker fail it.
      if (e instanceof FraudctlError && e.exitCode === ExitCode.Unavailable) {
        await this.pending?.add({ server: this.uri, runId: '', invocation: { id: invocationId, experimentId: opts.experimentId }, status: 'FAILED', endTime: (this.opts.now ?? Date.now)() });
      }
      throw e;
    }
    const info = readRun(wire).info;
    this.openRuns.add(info.runId);
    this.runUris.set(info.runId, info.artifactUri);
    return info;
  }

  async logBatch(runId: string, batch: { metrics?: Metric[]; params?: Record<string, string>; tags?: Record<string, string> }): Promise<void> {
    await this.ready();
    const prepared = prepareBatch(batch, this.secrets, this.log);
    if (prepared.undefinedMetrics.length > 0) {
      // JSON has no NaN: an undefined metric is named in a tag instead of being sent.
      const seen = this.undefinedMetrics.get(runId) ?? new Set<string>();
      for (const k of prepared.undefinedMetrics) seen.add(k);
      this.undefinedMetrics.set(runId, seen);
      prepared.tags.push({ key: UNDEFINED_METRICS_TAG, value: cleanValue('tag', UNDEFINED_METRICS_TAG, [...seen].sort().join(','), LOG_BATCH_LIMITS.tagValue, [], this.log) });
      this.log.warn({ runId, metrics: prepared.undefinedMetrics }, `metrics not finite, not logged (named in the ${UNDEFINED_METRICS_TAG} tag)`);
    }
    for (const chunk of chunkBatch(prepared, this.opts.maxBatchBytes)) await this.api.logBatch(runId, chunk);
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.ready();
    await this.api.setTag(runId, key, cleanValue('tag', key, value, LOG_BATCH_LIMITS.tagValue, this.secrets, this.log));
  }

  /**
   * Ends a run. When the server stays unreachable the end is journaled (replayed by the next
   * tracker on this server) and the exit-4 error is thrown: callers in a `finally` should not let
   * it hide the error that got them there.
   */
  async endRun(runId: string, status: RunStatus, endTime: number): Promise<void> {
    await this.ready();
    try {
      await this.api.updateRun(runId, status, endTime);
    } catch (e) {
      if (e instanceof FraudctlError && e.exitCode === ExitCode.Unavailable && this.pending) {
        await this.pending.add({ server: this.uri, runId, status, endTime });
        this.log.warn({ runId, status, journal: this.pending.file }, 'could not end the run on the server; it will be ended by the next fraudctl call to this server');
      }
      throw e;
    }
    this.openRuns.delete(runId);
    await this.pending?.remove(this.uri, { runId });
  }

  async getRun(runId: string): Promise<Run> {
    await this.ready();
    try {
      return readRun(await this.api.getRun(runId));
    } catch (e) {
      if (e instanceof MlflowApiError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST') throw dataError(`MLflow run ${runId} does not exist on ${this.uri}`);
      throw e;
    }
  }

  /** Full metric history of one key (metrics/get-history), oldest first as the server keeps it. */
  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    await this.ready();
    return this.api.getMetricHistory(runId, key);
  }

  async searchRuns(experimentIds: string[], search: RunSearch = {}): Promise<Run[]> {
    await this.ready();
    const clauses = Object.entries(search.tags ?? {}).map(([k, v]) => `tags.\`${k}\` = ${quote(v)}`);
    if (search.status) clauses.push(`attributes.status = '${search.status}'`);
    const max = search.maxResults ?? 1000;
    const runs: Run[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.api.searchRuns({ experimentIds, filter: clauses.join(' and '), maxResults: Math.min(1000, max - runs.length), orderBy: ['attributes.start_time DESC'], pageToken });
      runs.push(...page.runs.map(readRun));
      pageToken = page.nextPageToken;
    } while (pageToken && runs.length < max);
    return runs;
  }

  private async artifactUri(runId: string): Promise<string> {
    const known = this.runUris.get(runId);
    if (known) return known;
    const uri = (await this.getRun(runId)).info.artifactUri;
    this.runUris.set(runId, uri);
    return uri;
  }

  /** The repository behind an artifact URI (exported for the registry and for tests). */
  artifactRepo(uri: string): ArtifactRepo {
    return artifactRepoFor(uri, { http: this.api.http, httpFor: (baseUrl) => new HttpClient({ ...this.settings, baseUrl }), s3: this.opts.s3 });
  }

  async logArtifacts(run: RunInfo, localDir: string, artifactPath: string): Promise<void> {
    await this.ready();
    await this.artifactRepo(run.artifactUri || (await this.artifactUri(run.runId))).uploadDir(localDir, artifactPath);
  }

  async downloadArtifacts(runId: string, artifactPath: string, destDir: string): Promise<string> {
    await this.ready();
    return this.artifactRepo(await this.artifactUri(runId)).download(artifactPath, destDir);
  }

  async logModel(runId: string, mlmodel: Record<string, unknown>): Promise<void> {
    await this.ready();
    await this.api.logModel(runId, JSON.stringify(mlmodel));
  }

  // ---- registry (restRegistry.ts) ----

  async createModelVersion(name: string, source: string, runId: string, tags?: Record<string, string>): Promise<ModelVersion> {
    await this.ready();
    return this.registry.createModelVersion(name, source, runId, tags);
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    await this.ready();
    return this.registry.getModelVersion(name, version);
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion | undefined> {
    await this.ready();
    return this.registry.getModelVersionByAlias(name, alias);
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.ready();
    return this.registry.setAlias(name, alias, version);
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.ready();
    return this.registry.deleteAlias(name, alias);
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    await this.ready();
    return this.registry.setModelVersionTag(name, version, key, value);
  }

  async listModelVersions(name: string): Promise<ModelVersion[]> {
    await this.ready();
    return this.registry.listModelVersions(name);
  }

  async listRegisteredModels(): Promise<RegisteredModel[]> {
    await this.ready();
    return this.registry.listRegisteredModels();
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.api.http.close();
    if (this.registry.api !== this.api) this.registry.api.http.close();
  }
}
