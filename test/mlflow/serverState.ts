import { randomUUID } from 'node:crypto';

/** The state and the endpoint handlers of the test MLflow server (test/mlflow/server.ts). */
export type Json = Record<string, unknown>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

const bad = (message: string) => new ApiError(400, 'INVALID_PARAMETER_VALUE', message);
const missing = (message: string) => new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', message);
const KEY_RE = /^[/\w.\- ]*$/;

export interface StoredExperiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  creation_time: number;
  last_update_time: number;
  tags: Map<string, string>;
}

export interface StoredMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface StoredRun {
  info: {
    run_id: string;
    run_uuid: string;
    run_name: string;
    experiment_id: string;
    user_id: string;
    status: string;
    start_time: number;
    end_time?: number;
    artifact_uri: string;
    lifecycle_stage: string;
  };
  params: Map<string, string>;
  tags: Map<string, string>;
  metrics: StoredMetric[];
}

export interface StoredVersion {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  source: string;
  run_id?: string;
  status: 'PENDING_REGISTRATION' | 'READY' | 'FAILED_REGISTRATION';
  tags: Map<string, string>;
  pendingLeft: number;
}

export interface StoredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  aliases: Map<string, string>;
  tags: Map<string, string>;
  versions: StoredVersion[];
}

export interface Clause {
  entity: 'attribute' | 'tag' | 'param' | 'metric';
  key: string;
  op: string;
  value: string | number;
}

/** MLflow search filters joined by AND: `attributes.status = 'RUNNING' and tags.\`a.b\` = 'x'`. */
export function parseFilter(filter: unknown): Clause[] {
  if (typeof filter !== 'string' || filter.trim() === '') return [];
  const parts = filter.split(/\s+and\s+(?=(?:[^']*'[^']*')*[^']*$)/i);
  return parts.map((part) => {
    const m = /^\s*(?:(attributes?|attr|run|tags?|params?|metrics?)\.)?(`[^`]+`|"[^"]+"|[A-Za-z_][\w.-]*)\s*(=|!=|<>|<=|>=|<|>|LIKE|ILIKE)\s*('(?:[^']|'')*'|"[^"]*"|-?[\d.]+(?:e[-+]?\d+)?)\s*$/i.exec(part);
    if (!m) throw bad(`Invalid filter '${filter}'. Could not be parsed.`);
    const prefix = (m[1] ?? 'attributes').toLowerCase();
    const entity = prefix.startsWith('tag') ? 'tag' : prefix.startsWith('param') ? 'param' : prefix.startsWith('metric') ? 'metric' : 'attribute';
    const key = /^[`"]/.test(m[2]) ? m[2].slice(1, -1) : m[2];
    const raw = m[4];
    const value = /^['"]/.test(raw) ? raw.slice(1, -1).replace(/''/g, "'") : Number(raw);
    return { entity, key, op: m[3].toUpperCase(), value } as Clause;
  });
}

function compare(actual: string | number | undefined, op: string, want: string | number): boolean {
  if (actual === undefined) return false;
  switch (op) {
    case '=':
      return actual === want || String(actual) === String(want);
    case '!=':
    case '<>':
      return String(actual) !== String(want);
    case 'LIKE':
    case 'ILIKE': {
      const re = new RegExp(`^${String(want).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`, op === 'ILIKE' ? 'i' : '');
      return re.test(String(actual));
    }
    default: {
      const [a, b] = [Number(actual), Number(want)];
      return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
    }
  }
}

/** Protobuf JSON has no NaN or Infinity: MLflow answers them as strings. */
function jsonNumber(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

const kv = (m: Map<string, string>) => [...m].map(([key, value]) => ({ key, value }));
const str = (p: Json, k: string): string | undefined => (typeof p[k] === 'string' ? (p[k] as string) : typeof p[k] === 'number' ? String(p[k]) : undefined);
function required(p: Json, k: string): string {
  const v = str(p, k);
  if (v === undefined || v === '') throw bad(`Missing value for required parameter '${k}'. See the API docs for more information about request parameters.`);
  return v;
}

function paginate<T>(items: T[], maxResults: number, token: unknown): { page: T[]; next?: string } {
  const offset = typeof token === 'string' && token ? (JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset: number }).offset : 0;
  const page = items.slice(offset, offset + maxResults);
  const next = offset + maxResults < items.length ? Buffer.from(JSON.stringify({ offset: offset + maxResults })).toString('base64') : undefined;
  return { page, next };
}

export class ServerState {
  readonly experiments = new Map<string, StoredExperiment>();
  readonly runs = new Map<string, StoredRun>();
  readonly models = new Map<string, StoredModel>();
  /** mlflow-artifacts proxy: path below the artifact root → bytes. */
  readonly artifacts = new Map<string, Buffer>();
  now: () => number = () => Date.now();
  private nextExperimentId = 1;

  constructor(private readonly opts: { artifactRoot: string; pendingPolls: number }) {
    this.addExperiment('Default', '0');
  }

  private addExperiment(name: string, id: string, artifactLocation?: string): StoredExperiment {
    const root = this.opts.artifactRoot.replace(/\/+$/, '');
    const location = artifactLocation ?? (root === 'mlflow-artifacts:' ? `mlflow-artifacts:/${id}` : `${root}/${id}`);
    const e: StoredExperiment = { experiment_id: id, name, artifact_location: location, lifecycle_stage: 'active', creation_time: this.now(), last_update_time: this.now(), tags: new Map() };
    this.experiments.set(id, e);
    return e;
  }

  run(id: string): StoredRun {
    const r = this.runs.get(id);
    if (!r) throw missing(`Run with id=${id} not found`);
    return r;
  }

  model(name: string): StoredModel {
    const m = this.models.get(name);
    if (!m) throw missing(`Registered Model with name=${name} not found`);
    return m;
  }

  version(name: string, version: string): StoredVersion {
    const v = this.models.get(name)?.versions.find((x) => x.version === version);
    if (!v) throw missing(`Model Version (name=${name}, version=${version}) not found`);
    return v;
  }

  listArtifacts(path: string): { path: string; is_dir: boolean; file_size?: number }[] {
    const prefix = path.replace(/\/+$/, '') === '' ? '' : `${path.replace(/\/+$/, '')}/`;
    const out = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
    for (const [k, data] of this.artifacts) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length).split('/');
      out.set(rest[0], rest.length > 1 ? { path: rest[0], is_dir: true } : { path: rest[0], is_dir: false, file_size: data.length });
    }
    return [...out.values()].sort((a, b) => a.path.localeCompare(b.path));
  }

  experimentJson(e: StoredExperiment): Json {
    return { experiment_id: e.experiment_id, name: e.name, artifact_location: e.artifact_location, lifecycle_stage: e.lifecycle_stage, creation_time: e.creation_time, last_update_time: e.last_update_time, tags: kv(e.tags) };
  }

  runJson(r: StoredRun): Json {
    const latest = new Map<string, StoredMetric>();
    for (const m of r.metrics) {
      const cur = latest.get(m.key);
      if (!cur || m.step > cur.step || (m.step === cur.step && m.timestamp >= cur.timestamp)) latest.set(m.key, m);
    }
    const metrics = [...latest.values()].map((m) => ({ ...m, value: jsonNumber(m.value) }));
    return { info: { ...r.info }, data: { metrics, params: kv(r.params), tags: kv(r.tags) }, inputs: {} };
  }

  /** Searches leave `aliases` out, as MLflow 3's server does (contract.test.ts). */
  versionJson(v: StoredVersion, withAliases = true): Json {
    const aliases = [...(this.models.get(v.name)?.aliases ?? [])].filter(([, ver]) => ver === v.version).map(([a]) => a);
    return { name: v.name, version: v.version, creation_timestamp: v.creation_timestamp, last_updated_timestamp: v.last_updated_timestamp, current_stage: 'None', description: '', source: v.source, run_id: v.run_id, status: v.status, tags: kv(v.tags), ...(withAliases ? { aliases } : {}) };
  }

  modelJson(m: StoredModel): Json {
    const latest = m.versions.at(-1);
    return { name: m.name, creation_timestamp: m.creation_timestamp, last_updated_timestamp: m.last_updated_timestamp, latest_versions: latest ? [this.versionJson(latest, false)] : [], tags: kv(m.tags), aliases: [...m.aliases].map(([alias, version]) => ({ alias, version })) };
  }

  handle(key: string, p: Json): Json {
    switch (key) {
      case 'GET experiments/get-by-name': {
        const name = required(p, 'experiment_name');
        const e = [...this.experiments.values()].find((x) => x.name === name);
        if (!e) throw missing(`Could not find experiment with name '${name}'`);
        return { experiment: this.experimentJson(e) };
      }
      case 'GET experiments/get': {
        const e = this.experiments.get(required(p, 'experiment_id'));
        if (!e) throw missing(`No Experiment with id=${String(p.experiment_id)} exists`);
        return { experiment: this.experimentJson(e) };
      }
      case 'POST experiments/create': {
        const name = required(p, 'name');
        if (name.length > 500) throw bad('Experiment name exceeds the maximum length of 500 characters');
        if ([...this.experiments.values()].some((x) => x.name === name)) throw new ApiError(400, 'RESOURCE_ALREADY_EXISTS', `Experiment '${name}' already exists.`);
        const e = this.addExperiment(name, String(this.nextExperimentId++), str(p, 'artifact_location'));
        return { experiment_id: e.experiment_id };
      }
      case 'POST experiments/search': {
        // Observed on MLflow 2.x behind some proxies: no max_results → 400.
        if (p.max_results === undefined) throw bad("Missing value for required parameter 'max_results'.");
        const clauses = parseFilter(p.filter);
        const found = [...this.experiments.values()].filter((e) => clauses.every((c) => compare(c.key === 'name' ? e.name : undefined, c.op, c.value)));
        const { page, next } = paginate(found, Number(p.max_results), p.page_token);
        return { experiments: page.map((e) => this.experimentJson(e)), next_page_token: next };
      }
      case 'POST runs/create':
        return this.createRun(p);
      case 'POST runs/update': {
        const r = this.run(str(p, 'run_id') ?? required(p, 'run_uuid'));
        if (p.status !== undefined) r.info.status = String(p.status);
        if (p.end_time !== undefined) r.info.end_time = Number(p.end_time);
        if (typeof p.run_name === 'string' && p.run_name) r.info.run_name = p.run_name;
        return { run_info: { ...r.info } };
      }
      case 'POST runs/log-batch':
        this.logBatch(p);
        return {};
      case 'POST runs/set-tag': {
        const r = this.run(str(p, 'run_id') ?? required(p, 'run_uuid'));
        this.setTags(r, [{ key: required(p, 'key'), value: str(p, 'value') ?? '' }]);
        return {};
      }
      case 'GET runs/get':
        return { run: this.runJson(this.run(str(p, 'run_id') ?? required(p, 'run_uuid'))) };
      case 'POST runs/search':
        return this.searchRuns(p);
      case 'GET metrics/get-history': {
        const r = this.run(str(p, 'run_id') ?? required(p, 'run_uuid'));
        const key = required(p, 'metric_key');
        return { metrics: r.metrics.filter((m) => m.key === key).map((m) => ({ ...m, value: jsonNumber(m.value) })) };
      }
      case 'POST runs/log-model': {
        const r = this.run(required(p, 'run_id'));
        const model = JSON.parse(required(p, 'model_json')) as Json;
        const lacking = ['artifact_path', 'flavors', 'utc_time_created', 'run_id'].filter((k) => !(k in model));
        if (lacking.length) throw bad(`Model json is missing mandatory fields: ${lacking.join(', ')}`);
        const history = JSON.parse(r.tags.get('mlflow.log-model.history') ?? '[]') as Json[];
        r.tags.set('mlflow.log-model.history', JSON.stringify([...history, model]));
        return {};
      }
      default:
        return this.handleRegistry(key, p);
    }
  }

  private createRun(p: Json): Json {
    const e = this.experiments.get(required(p, 'experiment_id'));
    if (!e) throw missing(`No Experiment with id=${String(p.experiment_id)} exists`);
    if (e.lifecycle_stage !== 'active') throw bad(`The experiment ${e.experiment_id} must be in the 'active' state.`);
    const tags = new Map<string, string>();
    for (const t of (p.tags as { key: string; value: string }[] | undefined) ?? []) tags.set(t.key, t.value);
    const id = randomUUID().replace(/-/g, '');
    const runName = str(p, 'run_name') || tags.get('mlflow.runName') || `run-${id.slice(0, 6)}`;
    tags.set('mlflow.runName', runName);
    const r: StoredRun = {
      info: { run_id: id, run_uuid: id, run_name: runName, experiment_id: e.experiment_id, user_id: str(p, 'user_id') ?? '', status: 'RUNNING', start_time: Number(p.start_time ?? this.now()), artifact_uri: `${e.artifact_location}/${id}/artifacts`, lifecycle_stage: 'active' },
      params: new Map(),
      tags,
      metrics: [],
    };
    this.runs.set(id, r);
    return { run: this.runJson(r) };
  }

  private setTags(r: StoredRun, tags: { key: string; value: string }[]): void {
    for (const t of tags) {
      if (!KEY_RE.test(t.key) || t.key.length > 250) throw bad(`Invalid tag name: '${t.key}'.`);
      if (t.value.length > 5000) throw bad(`Tag value '${t.value.slice(0, 250)}' had length ${t.value.length}, which exceeded length limit of 5000`);
    }
    for (const t of tags) r.tags.set(t.key, t.value);
  }

  private logBatch(p: Json): void {
    const r = this.run(required(p, 'run_id'));
    const metrics = (p.metrics as Json[] | undefined) ?? [];
    const params = (p.params as { key: string; value: string }[] | undefined) ?? [];
    const tags = (p.tags as { key: string; value: string }[] | undefined) ?? [];
    const limit = (what: string, n: number, max: number) => {
      if (n > max) throw bad(`A batch logging request can contain at most ${max} ${what}. Got ${n} ${what}. Please split up ${what} across multiple requests and try again.`);
    };
    limit('metrics', metrics.length, 1000);
    limit('params', params.length, 100);
    limit('tags', tags.length, 100);
    limit('metrics, params, and tags', metrics.length + params.length + tags.length, 1000);
    const keys = new Set<string>();
    for (const q of params) {
      if (keys.has(q.key)) throw bad(`Duplicate parameter keys have been submitted: ['${q.key}'].`);
      keys.add(q.key);
      if (!KEY_RE.test(q.key) || q.key.length > 250) throw bad(`Invalid parameter name: '${q.key}'.`);
      if (String(q.value).length > 6000) throw bad(`Param value '${String(q.value).slice(0, 250)}' had length ${String(q.value).length}, which exceeded length limit of 6000`);
      const old = r.params.get(q.key);
      if (old !== undefined && old !== q.value) {
        throw bad(`Changing param values is not allowed. Param with key='${q.key}' was already logged with value='${old}' for run ID='${r.info.run_id}'. Attempted logging new value '${q.value}'.`);
      }
    }
    const parsed = metrics.map((m) => {
      const key = String(m.key);
      const value = typeof m.value === 'number' ? m.value : typeof m.value === 'string' && ['NaN', 'Infinity', '-Infinity'].includes(m.value) ? Number(m.value) : NaN;
      if (!KEY_RE.test(key)) throw bad(`Invalid metric name: '${key}'.`);
      if (typeof m.value !== 'number' && typeof m.value !== 'string') throw bad(`Got invalid value ${String(m.value)} for metric '${key}'`);
      if (typeof m.timestamp !== 'number' || m.timestamp < 0) throw bad(`Got invalid timestamp ${String(m.timestamp)} for metric '${key}'`);
      return { key, value, timestamp: m.timestamp, step: Number(m.step ?? 0) };
    });
    this.setTags(r, tags);
    for (const q of params) r.params.set(q.key, String(q.value));
    r.metrics.push(...parsed);
  }

  private searchRuns(p: Json): Json {
    const ids = p.experiment_ids as string[] | undefined;
    if (!Array.isArray(ids) || ids.length === 0) throw bad("Missing value for required parameter 'experiment_ids'.");
    const clauses = parseFilter(p.filter);
    const max = Number(p.max_results ?? 1000);
    if (max > 50000) throw bad(`Invalid value ${max} for parameter 'max_results' supplied.`);
    const value = (r: StoredRun, c: Clause): string | number | undefined => {
      if (c.entity === 'tag') return r.tags.get(c.key);
      if (c.entity === 'param') return r.params.get(c.key);
      if (c.entity === 'metric') {
        const ms = r.metrics.filter((m) => m.key === c.key);
        return ms.length ? ms[ms.length - 1].value : undefined;
      }
      return (r.info as Record<string, string | number | undefined>)[c.key === 'run_name' ? 'run_name' : c.key];
    };
    const found = [...this.runs.values()]
      .filter((r) => ids.map(String).includes(r.info.experiment_id) && r.info.lifecycle_stage === 'active')
      .filter((r) => clauses.every((c) => compare(value(r, c), c.op, c.value)))
      .sort((a, b) => b.info.start_time - a.info.start_time || a.info.run_id.localeCompare(b.info.run_id));
    const { page, next } = paginate(found, max, p.page_token);
    return { runs: page.map((r) => this.runJson(r)), next_page_token: next };
  }

  private handleRegistry(key: string, p: Json): Json {
    switch (key) {
      case 'POST registered-models/create': {
        const name = required(p, 'name');
        if (this.models.has(name)) throw new ApiError(400, 'RESOURCE_ALREADY_EXISTS', `Registered Model (name=${name}) already exists.`);
        const m: StoredModel = { name, creation_timestamp: this.now(), last_updated_timestamp: this.now(), aliases: new Map(), tags: new Map(), versions: [] };
        this.models.set(name, m);
        return { registered_model: this.modelJson(m) };
      }
      case 'GET registered-models/get':
        return { registered_model: this.modelJson(this.model(required(p, 'name'))) };
      case 'GET registered-models/search': {
        const clauses = parseFilter(p.filter);
        const found = [...this.models.values()].filter((m) => clauses.every((c) => compare(c.key === 'name' ? m.name : undefined, c.op, c.value))).sort((a, b) => a.name.localeCompare(b.name));
        const { page, next } = paginate(found, Number(p.max_results ?? 100), p.page_token);
        return { registered_models: page.map((m) => this.modelJson(m)), next_page_token: next };
      }
      case 'POST model-versions/create': {
        const m = this.model(required(p, 'name'));
        const v: StoredVersion = {
          name: m.name,
          version: String(m.versions.length + 1),
          creation_timestamp: this.now(),
          last_updated_timestamp: this.now(),
          source: required(p, 'source'),
          run_id: str(p, 'run_id'),
          status: this.opts.pendingPolls > 0 ? 'PENDING_REGISTRATION' : 'READY',
          tags: new Map(((p.tags as { key: string; value: string }[] | undefined) ?? []).map((t) => [t.key, t.value])),
          pendingLeft: this.opts.pendingPolls,
        };
        m.versions.push(v);
        return { model_version: this.versionJson(v) };
      }
      case 'GET model-versions/get': {
        const v = this.version(required(p, 'name'), required(p, 'version'));
        if (v.status === 'PENDING_REGISTRATION' && --v.pendingLeft <= 0) v.status = 'READY';
        return { model_version: this.versionJson(v) };
      }
      case 'GET model-versions/search': {
        const clauses = parseFilter(p.filter);
        const field = (v: StoredVersion, c: Clause) => (c.entity === 'tag' ? v.tags.get(c.key) : c.key === 'name' ? v.name : c.key === 'run_id' ? v.run_id : c.key === 'source_path' ? v.source : undefined);
        const found = [...this.models.values()].flatMap((m) => m.versions).filter((v) => clauses.every((c) => compare(field(v, c), c.op, c.value)));
        found.sort((a, b) => a.name.localeCompare(b.name) || Number(b.version) - Number(a.version));
        const { page, next } = paginate(found, Number(p.max_results ?? 10000), p.page_token);
        return { model_versions: page.map((v) => this.versionJson(v, false)), next_page_token: next };
      }
      case 'POST model-versions/set-tag': {
        const v = this.version(required(p, 'name'), required(p, 'version'));
        const value = str(p, 'value') ?? '';
        if (value.length > 5000) throw bad(`Model version value had length ${value.length}, which exceeded length limit of 5000`);
        v.tags.set(required(p, 'key'), value);
        return {};
      }
      case 'POST registered-models/alias': {
        const alias = required(p, 'alias');
        if (!/^[\w-]*$/.test(alias) || alias.toLowerCase() === 'latest' || /^[vV]\d+$/.test(alias)) throw bad(`Invalid alias name: '${alias}'.`);
        const v = this.version(required(p, 'name'), required(p, 'version'));
        this.model(v.name).aliases.set(alias, v.version);
        return {};
      }
      case 'GET registered-models/alias': {
        const m = this.model(required(p, 'name'));
        const alias = required(p, 'alias');
        const version = m.aliases.get(alias);
        // A real 2.x server answers 400, not 404, for an alias that does not exist.
        if (version === undefined) throw bad(`Registered model alias ${alias} not found.`);
        return { model_version: this.versionJson(this.version(m.name, version)) };
      }
      case 'DELETE registered-models/alias': {
        this.model(required(p, 'name')).aliases.delete(required(p, 'alias'));
        return {};
      }
      default:
        throw new ApiError(404, 'ENDPOINT_NOT_FOUND', `no handler for ${key}`);
    }
  }
}
