import type { Metric, ModelVersion, RegisteredModel, Run, RunInfo, RunStatus } from '../tracker.js';
import { MlflowApiError, type HttpClient, type RequestSpec } from './http.js';

/**
 * The MLflow REST 2.0 endpoints fraudctl uses and their payloads, as they travel (snake_case).
 * A real server leaves out every empty or default field (an empty search answers `{}`), sends
 * int64 as numbers or strings and non-finite doubles as "NaN"/"Infinity", so every field of an
 * answer is optional here and goes through the readers at the bottom.
 */
export interface WireTag {
  key: string;
  value?: string;
}
export interface WireMetric {
  key: string;
  value?: number | string;
  timestamp?: number | string;
  step?: number | string;
}
export interface WireRunInfo {
  run_id?: string;
  run_uuid?: string;
  experiment_id?: string;
  run_name?: string;
  status?: RunStatus;
  start_time?: number | string;
  end_time?: number | string;
  artifact_uri?: string;
  lifecycle_stage?: string;
}
export interface WireRun {
  info?: WireRunInfo;
  data?: { metrics?: WireMetric[]; params?: WireTag[]; tags?: WireTag[] };
}
export interface WireExperiment {
  experiment_id?: string;
  name?: string;
  artifact_location?: string;
  lifecycle_stage?: string;
}
export interface WireModelVersion {
  name?: string;
  version?: string;
  creation_timestamp?: number | string;
  source?: string;
  run_id?: string;
  status?: ModelVersion['status'];
  status_message?: string;
  tags?: WireTag[];
  aliases?: string[];
}
export interface WireRegisteredModel {
  name?: string;
  latest_versions?: WireModelVersion[];
  aliases?: { alias?: string; version?: string }[];
}
export interface RunsPage {
  runs: WireRun[];
  nextPageToken?: string;
}

type Method = RequestSpec['method'];

export class MlflowApi {
  constructor(readonly http: HttpClient) {}

  /** With `once`, a single attempt: the caller runs its own retry loop (see RestTracker.createRun). */
  private call<T>(method: Method, endpoint: string, payload: Record<string, unknown>, once = false): Promise<T> {
    return once ? this.http.callOnce<T>(method, endpoint, payload) : this.http.call<T>(method, endpoint, payload);
  }

  async getExperimentByName(name: string): Promise<WireExperiment | undefined> {
    try {
      return (await this.call<{ experiment?: WireExperiment }>('GET', 'experiments/get-by-name', { experiment_name: name })).experiment;
    } catch (e) {
      if (e instanceof MlflowApiError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw e;
    }
  }

  async getExperiment(id: string): Promise<WireExperiment | undefined> {
    try {
      return (await this.call<{ experiment?: WireExperiment }>('GET', 'experiments/get', { experiment_id: id })).experiment;
    } catch (e) {
      if (e instanceof MlflowApiError && (e.errorCode === 'RESOURCE_DOES_NOT_EXIST' || e.errorCode === 'INVALID_PARAMETER_VALUE')) return undefined;
      throw e;
    }
  }

  async createExperiment(name: string): Promise<string> {
    return (await this.call<{ experiment_id: string }>('POST', 'experiments/create', { name })).experiment_id;
  }

  async createRun(req: { experiment_id: string; user_id?: string; run_name: string; start_time: number; tags: WireTag[] }, once = false): Promise<WireRun> {
    return (await this.call<{ run: WireRun }>('POST', 'runs/create', req, once)).run;
  }

  async updateRun(runId: string, status: RunStatus, endTime: number, once = false): Promise<void> {
    await this.call('POST', 'runs/update', { run_id: runId, run_uuid: runId, status, end_time: endTime }, once);
  }

  async logBatch(runId: string, body: { metrics: WireMetric[]; params: WireTag[]; tags: WireTag[] }): Promise<void> {
    await this.call('POST', 'runs/log-batch', { run_id: runId, ...body });
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.call('POST', 'runs/set-tag', { run_id: runId, run_uuid: runId, key, value });
  }

  async getRun(runId: string): Promise<WireRun> {
    return (await this.call<{ run: WireRun }>('GET', 'runs/get', { run_id: runId })).run;
  }

  async searchRuns(q: { experimentIds: string[]; filter?: string; maxResults: number; orderBy?: string[]; pageToken?: string }, once = false): Promise<RunsPage> {
    const out = await this.call<{ runs?: WireRun[]; next_page_token?: string }>(
      'POST',
      'runs/search',
      { experiment_ids: q.experimentIds, filter: q.filter ?? '', run_view_type: 'ACTIVE_ONLY', max_results: q.maxResults, order_by: q.orderBy ?? [], page_token: q.pageToken },
      once,
    );
    return { runs: out.runs ?? [], nextPageToken: out.next_page_token || undefined };
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    const all: Metric[] = [];
    let pageToken: string | undefined;
    do {
      const out = await this.call<{ metrics?: WireMetric[]; next_page_token?: string }>('GET', 'metrics/get-history', { run_id: runId, metric_key: key, max_results: 25000, page_token: pageToken });
      all.push(...(out.metrics ?? []).map(readMetric));
      pageToken = out.next_page_token || undefined;
    } while (pageToken);
    return all;
  }

  async logModel(runId: string, modelJson: string): Promise<void> {
    await this.call('POST', 'runs/log-model', { run_id: runId, model_json: modelJson });
  }

  async createRegisteredModel(name: string): Promise<void> {
    await this.call('POST', 'registered-models/create', { name });
  }

  async getRegisteredModel(name: string): Promise<WireRegisteredModel | undefined> {
    try {
      return (await this.call<{ registered_model?: WireRegisteredModel }>('GET', 'registered-models/get', { name })).registered_model;
    } catch (e) {
      if (e instanceof MlflowApiError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw e;
    }
  }

  async searchRegisteredModels(pageToken?: string): Promise<{ models: WireRegisteredModel[]; nextPageToken?: string }> {
    const out = await this.call<{ registered_models?: WireRegisteredModel[]; next_page_token?: string }>('GET', 'registered-models/search', { max_results: 1000, page_token: pageToken });
    return { models: out.registered_models ?? [], nextPageToken: out.next_page_token || undefined };
  }

  async createModelVersion(req: { name: string; source: string; run_id: string; tags: WireTag[] }, once = false): Promise<WireModelVersion> {
    return (await this.call<{ model_version: WireModelVersion }>('POST', 'model-versions/create', req, once)).model_version;
  }

  async getModelVersion(name: string, version: string): Promise<WireModelVersion> {
    return (await this.call<{ model_version: WireModelVersion }>('GET', 'model-versions/get', { name, version })).model_version;
  }

  async searchModelVersions(filter: string, pageToken?: string, once = false): Promise<{ versions: WireModelVersion[]; nextPageToken?: string }> {
    const out = await this.call<{ model_versions?: WireModelVersion[]; next_page_token?: string }>('GET', 'model-versions/search', { filter, max_results: 10000, page_token: pageToken }, once);
    return { versions: out.model_versions ?? [], nextPageToken: out.next_page_token || undefined };
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    await this.call('POST', 'model-versions/set-tag', { name, version, key, value });
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.call('POST', 'registered-models/alias', { name, alias, version });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<WireModelVersion> {
    return (await this.call<{ model_version: WireModelVersion }>('GET', 'registered-models/alias', { name, alias })).model_version;
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.call('DELETE', 'registered-models/alias', { name, alias });
  }
}

/** A number from protobuf JSON: a number, a numeric string, or "NaN" / "Infinity" / "-Infinity". */
export function readNumber(v: unknown, dflt = 0): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return dflt;
}

const tagsOf = (tags: WireTag[] | undefined) => Object.fromEntries((tags ?? []).map((t) => [t.key, t.value ?? '']));

export function readMetric(m: WireMetric): Metric {
  return { key: m.key, value: readNumber(m.value), timestamp: readNumber(m.timestamp), step: readNumber(m.step) };
}

export function readRunInfo(i: WireRunInfo, tags: Record<string, string> = {}): RunInfo {
  const end = i.end_time === undefined ? undefined : readNumber(i.end_time);
  return {
    runId: i.run_id ?? i.run_uuid ?? '',
    experimentId: i.experiment_id ?? '0',
    runName: i.run_name ?? tags['mlflow.runName'] ?? '',
    status: i.status ?? 'RUNNING',
    startTime: readNumber(i.start_time),
    ...(end !== undefined ? { endTime: end } : {}),
    artifactUri: i.artifact_uri ?? '',
  };
}

export function readRun(w: WireRun): Run {
  const tags = tagsOf(w.data?.tags);
  return {
    info: readRunInfo(w.info ?? {}, tags),
    data: {
      metrics: Object.fromEntries((w.data?.metrics ?? []).map((m) => [m.key, readNumber(m.value)])),
      params: tagsOf(w.data?.params),
      tags,
    },
  };
}

export function readModelVersion(v: WireModelVersion): ModelVersion {
  return {
    name: v.name ?? '',
    version: String(v.version ?? ''),
    source: v.source ?? '',
    ...(v.run_id ? { runId: v.run_id } : {}),
    status: v.status ?? 'READY',
    creationTimestamp: readNumber(v.creation_timestamp),
    tags: tagsOf(v.tags),
    aliases: v.aliases ?? [],
  };
}

export function readRegisteredModel(m: WireRegisteredModel): RegisteredModel {
  const versions = (m.latest_versions ?? []).map((v) => Number(v.version)).filter(Number.isFinite);
  return {
    name: m.name ?? '',
    aliases: Object.fromEntries((m.aliases ?? []).filter((a) => a.alias).map((a) => [a.alias!, String(a.version ?? '')])),
    ...(versions.length ? { latestVersion: String(Math.max(...versions)) } : {}),
  };
}
