import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { ExitCode, FraudctlError } from './errors.js';

/**
 * Configuration: flags > environment > config file (fraudctl.config.json or --config) > defaults.
 * Every problem is reported at once. Secrets come only from the environment (never the file, never
 * a flag) and are masked wherever the configuration is shown.
 */
type Kind = 'string' | 'int' | 'number' | 'bool' | 'enum';

export interface KeySpec {
  key: string;
  kind: Kind;
  /** Flag name as commander stores it in opts() (camelCase), when there is a flag. */
  flag?: string;
  /** The flag's value in help, e.g. 't' for '--threshold <t>'. */
  arg?: string;
  /** Environment variables, first present wins. */
  env?: string[];
  /** Allowed in fraudctl.config.json (secrets are not). */
  file?: boolean;
  secret?: boolean;
  default?: unknown;
  values?: readonly string[];
  min?: number;
  max?: number;
  doc: string;
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export const CONFIG_KEYS: readonly KeySpec[] = [
  { key: 'lake', kind: 'string', flag: 'lake', arg: 'uri', env: ['FRAUDCTL_LAKE'], file: true, default: './lake', doc: 'lake root: a local directory or s3://bucket/prefix' },
  { key: 'logLevel', kind: 'enum', flag: 'logLevel', arg: 'level', env: ['FRAUDCTL_LOG_LEVEL'], file: true, default: 'info', values: LOG_LEVELS, doc: 'log level on stderr' },
  { key: 'threads', kind: 'int', flag: 'threads', arg: 'n', env: ['FRAUDCTL_THREADS'], file: true, default: cpus().length, min: 1, max: 256, doc: 'worker threads for training and DuckDB' },
  { key: 'delay', kind: 'int', flag: 'delay', arg: 'days', env: ['FRAUDCTL_DELAY'], file: true, default: 7, min: 0, max: 365, doc: 'label delay in days for the terminal mart' },
  { key: 'threshold', kind: 'number', flag: 'threshold', arg: 't', env: ['FRAUDCTL_THRESHOLD'], file: true, default: 0.2, min: 0, max: 1, doc: 'score threshold for flagged transactions and threshold metrics' },
  { key: 'trackingUri', kind: 'string', flag: 'trackingUri', arg: 'uri', env: ['MLFLOW_TRACKING_URI'], file: true, default: './mlruns', doc: 'MLflow tracking: a directory / file:// URI (embedded file store) or http(s)://server' },
  { key: 'registryUri', kind: 'string', env: ['MLFLOW_REGISTRY_URI'], file: true, doc: 'MLflow registry URI (defaults to the tracking URI)' },
  { key: 'experiment', kind: 'string', flag: 'experiment', arg: 'name', env: ['MLFLOW_EXPERIMENT_NAME'], file: true, default: 'fraudctl', doc: 'MLflow experiment name' },
  { key: 'experimentId', kind: 'string', env: ['MLFLOW_EXPERIMENT_ID'], file: true, doc: 'MLflow experiment id (wins over the name)' },
  { key: 'registeredModel', kind: 'string', flag: 'register', arg: 'name', env: ['FRAUDCTL_REGISTERED_MODEL'], file: true, default: 'fraud-detector', doc: 'registered model name' },
  { key: 'mlflowUsername', kind: 'string', env: ['MLFLOW_TRACKING_USERNAME'], doc: 'MLflow Basic auth user' },
  { key: 'mlflowPassword', kind: 'string', env: ['MLFLOW_TRACKING_PASSWORD'], secret: true, doc: 'MLflow Basic auth password' },
  { key: 'mlflowToken', kind: 'string', env: ['MLFLOW_TRACKING_TOKEN'], secret: true, doc: 'MLflow Bearer token (used when no username/password)' },
  { key: 'mlflowInsecureTls', kind: 'bool', env: ['MLFLOW_TRACKING_INSECURE_TLS'], file: true, default: false, doc: 'skip TLS verification of the MLflow server' },
  { key: 'mlflowServerCertPath', kind: 'string', env: ['MLFLOW_TRACKING_SERVER_CERT_PATH'], file: true, doc: 'CA bundle for the MLflow server' },
  { key: 'mlflowTimeout', kind: 'number', env: ['MLFLOW_HTTP_REQUEST_TIMEOUT'], file: true, default: 120, min: 0.001, doc: 'MLflow request timeout, seconds' },
  { key: 'mlflowMaxRetries', kind: 'int', env: ['MLFLOW_HTTP_REQUEST_MAX_RETRIES'], file: true, default: 5, min: 0, max: 9, doc: 'MLflow retries on 408/429/5xx and connection errors' },
  { key: 'mlflowBackoffFactor', kind: 'number', env: ['MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR'], file: true, default: 2, min: 0, max: 119, doc: 'MLflow retry backoff factor, seconds' },
  { key: 'mlflowBackoffJitter', kind: 'number', env: ['MLFLOW_HTTP_REQUEST_BACKOFF_JITTER'], file: true, default: 1, min: 0, doc: 'MLflow retry jitter, seconds' },
  { key: 'mlflowS3EndpointUrl', kind: 'string', env: ['MLFLOW_S3_ENDPOINT_URL'], file: true, doc: 'S3 endpoint for s3:// MLflow artifacts' },
  { key: 's3Endpoint', kind: 'string', flag: 's3Endpoint', arg: 'url', env: ['FRAUDCTL_S3_ENDPOINT', 'AWS_ENDPOINT_URL_S3'], file: true, doc: 'S3 endpoint of the lake, e.g. https://storage.yandexcloud.net' },
  { key: 's3Region', kind: 'string', flag: 's3Region', arg: 'region', env: ['AWS_REGION', 'AWS_DEFAULT_REGION'], file: true, default: 'us-east-1', doc: 'S3 region (Yandex: ru-central1)' },
  { key: 's3PathStyle', kind: 'bool', flag: 's3PathStyle', env: ['FRAUDCTL_S3_PATH_STYLE'], file: true, default: true, doc: 'path-style S3 addressing' },
  { key: 's3Mode', kind: 'enum', flag: 's3Mode', arg: 'mode', env: ['FRAUDCTL_S3_MODE'], file: true, default: 'auto', values: ['auto', 'httpfs', 'sync'], doc: 'read S3 with DuckDB httpfs, or sync partitions to a local cache' },
  { key: 'duckdbExtensionDir', kind: 'string', flag: 'duckdbExtensionDir', arg: 'dir', env: ['FRAUDCTL_DUCKDB_EXTENSION_DIR'], file: true, doc: 'pre-filled DuckDB extension directory (air-gapped hosts)' },
  { key: 'awsAccessKeyId', kind: 'string', env: ['AWS_ACCESS_KEY_ID'], secret: true, doc: 'S3 access key id' },
  { key: 'awsSecretAccessKey', kind: 'string', env: ['AWS_SECRET_ACCESS_KEY'], secret: true, doc: 'S3 secret access key' },
  { key: 'awsSessionToken', kind: 'string', env: ['AWS_SESSION_TOKEN'], secret: true, doc: 'S3 session token' },
  { key: 'engine', kind: 'enum', flag: 'engine', arg: 'name', env: ['FRAUDCTL_ENGINE'], file: true, default: 'duckdb', values: ['duckdb', 'spark'], doc: 'where marts build runs the mart SQL: DuckDB in-process, or a Spark cluster through Spark Connect' },
  { key: 'fullMarts', kind: 'bool', flag: 'full', env: ['FRAUDCTL_FULL_MARTS'], file: true, default: false, doc: 'build marts with the full builder (every history day read) instead of carrying the window state of the day before forward' },
  { key: 'sparkRemote', kind: 'string', flag: 'sparkRemote', arg: 'sc://host:port', env: ['FRAUDCTL_SPARK_REMOTE', 'SPARK_REMOTE'], file: true, doc: 'Spark Connect server for --engine spark, sc://HOST:PORT (default port 15002)' },
  { key: 'cacheDir', kind: 'string', env: ['FRAUDCTL_CACHE_DIR'], file: true, default: '.fraudctl/cache', doc: 'local cache (S3 partitions, downloaded models)' },
];

export interface Config {
  lake: string;
  logLevel: (typeof LOG_LEVELS)[number];
  threads: number;
  delay: number;
  threshold: number;
  trackingUri: string;
  registryUri?: string;
  experiment: string;
  experimentId?: string;
  registeredModel: string;
  mlflowUsername?: string;
  mlflowPassword?: string;
  mlflowToken?: string;
  mlflowInsecureTls: boolean;
  mlflowServerCertPath?: string;
  mlflowTimeout: number;
  mlflowMaxRetries: number;
  mlflowBackoffFactor: number;
  mlflowBackoffJitter: number;
  mlflowS3EndpointUrl?: string;
  s3Endpoint?: string;
  s3Region: string;
  s3PathStyle: boolean;
  s3Mode: 'auto' | 'httpfs' | 'sync';
  duckdbExtensionDir?: string;
  awsAccessKeyId?: string;
  awsSecretAccessKey?: string;
  awsSessionToken?: string;
  engine: 'duckdb' | 'spark';
  fullMarts: boolean;
  sparkRemote?: string;
  cacheDir: string;
}

/** The settings the lake sees (never the whole Config). */
export const LAKE_KEYS = ['lake', 's3Endpoint', 's3Region', 's3PathStyle', 's3Mode', 'awsAccessKeyId', 'awsSecretAccessKey', 'awsSessionToken', 'cacheDir'] as const;
export type LakeSettings = Pick<Config, (typeof LAKE_KEYS)[number]>;

/** The settings the MLflow client sees (artifacts on S3 use the AWS credentials and region). */
export const MLFLOW_KEYS = [
  'trackingUri', 'registryUri', 'mlflowUsername', 'mlflowPassword', 'mlflowToken', 'mlflowInsecureTls', 'mlflowServerCertPath', 'mlflowTimeout',
  'mlflowMaxRetries', 'mlflowBackoffFactor', 'mlflowBackoffJitter', 'mlflowS3EndpointUrl', 's3Region', 'awsAccessKeyId', 'awsSecretAccessKey', 'awsSessionToken', 'cacheDir',
] as const;
export type MlflowSettings = Pick<Config, (typeof MLFLOW_KEYS)[number]>;

/** A copy holding only `keys`: what a subsystem is handed instead of the whole configuration. */
export function pickSettings<K extends keyof Config>(config: Config, keys: readonly K[]): Pick<Config, K> {
  return Object.fromEntries(keys.map((k) => [k, config[k]])) as Pick<Config, K>;
}

export type Source = 'flag' | 'env' | 'file' | 'default' | 'unset';
export interface ResolvedConfig {
  config: Config;
  sources: Record<string, { source: Source; from?: string }>;
  file?: string;
}

export interface ConfigInput {
  flags: Record<string, unknown>;
  env: Record<string, string | undefined>;
  /** Explicit --config or FRAUDCTL_CONFIG path; else ./fraudctl.config.json when present. */
  configPath?: string;
  cwd: string;
}

/** The configuration file read when present, and the variable that names another one. */
export const DEFAULT_FILE = 'fraudctl.config.json';
export const CONFIG_FILE_ENV = 'FRAUDCTL_CONFIG';

export function parseValue(spec: KeySpec, raw: unknown, where: string): { value?: unknown; error?: string } {
  const bad = (allowed: string) => ({ error: `${where}: ${spec.key} must be ${allowed}, got ${JSON.stringify(raw)}` });
  switch (spec.kind) {
    case 'string':
      if (typeof raw !== 'string' || raw === '') return bad('a non-empty string');
      return { value: raw };
    case 'bool': {
      if (typeof raw === 'boolean') return { value: raw };
      const s = String(raw).toLowerCase();
      if (['true', '1', 'yes'].includes(s)) return { value: true };
      if (['false', '0', 'no'].includes(s)) return { value: false };
      return bad('true or false');
    }
    case 'enum':
      if (typeof raw !== 'string' || !spec.values!.includes(raw)) return bad(`one of ${spec.values!.join(', ')}`);
      return { value: raw };
    case 'int':
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      const range = `${spec.min !== undefined ? ` >= ${spec.min}` : ''}${spec.max !== undefined ? `${spec.min !== undefined ? ' and' : ''} <= ${spec.max}` : ''}`;
      const allowed = `${spec.kind === 'int' ? 'an integer' : 'a number'}${range}`;
      if (!Number.isFinite(n) || (spec.kind === 'int' && !Number.isInteger(n))) return bad(allowed);
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) return bad(allowed);
      return { value: n };
    }
  }
}

function readConfigFile(path: string, explicit: boolean): { data: Record<string, unknown>; error?: string } {
  if (!existsSync(path)) return explicit ? { data: {}, error: `config file ${path} does not exist` } : { data: {} };
  try {
    const data: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return { data: {}, error: `config file ${path} must hold a JSON object` };
    return { data: data as Record<string, unknown> };
  } catch (e) {
    return { data: {}, error: `config file ${path} is not valid JSON: ${(e as Error).message}` };
  }
}

export function resolveConfig(input: ConfigInput): ResolvedConfig {
  const errors: string[] = [];
  const explicit = input.configPath ?? input.env[CONFIG_FILE_ENV];
  const filePath = resolve(input.cwd, explicit ?? DEFAULT_FILE);
  const file = readConfigFile(filePath, explicit !== undefined);
  if (file.error) errors.push(file.error);
  const known = new Set(CONFIG_KEYS.filter((k) => k.file).map((k) => k.key));
  for (const k of Object.keys(file.data)) {
    const spec = CONFIG_KEYS.find((s) => s.key === k);
    if (spec?.secret) errors.push(`config file: ${k} is a secret; set it in the environment (${spec.env!.join(' or ')}), not in a file`);
    else if (!known.has(k)) errors.push(`config file: unknown key '${k}' (allowed: ${[...known].join(', ')})`);
  }

  const values: Record<string, unknown> = {};
  const sources: ResolvedConfig['sources'] = {};
  for (const spec of CONFIG_KEYS) {
    const flag = spec.flag !== undefined ? input.flags[spec.flag] : undefined;
    const envName = spec.env?.find((e) => input.env[e] !== undefined && input.env[e] !== '');
    let raw: unknown;
    let source: Source = 'unset';
    let from: string | undefined;
    if (flag !== undefined) [raw, source, from] = [flag, 'flag', `--${spec.flag!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`];
    else if (envName) [raw, source, from] = [input.env[envName], 'env', envName];
    else if (spec.file && file.data[spec.key] !== undefined) [raw, source, from] = [file.data[spec.key], 'file', filePath];
    else if (spec.default !== undefined) [raw, source] = [spec.default, 'default'];
    if (source === 'unset') {
      sources[spec.key] = { source };
      continue;
    }
    const parsed = parseValue(spec, raw, from ?? 'default');
    if (parsed.error) errors.push(parsed.error);
    else values[spec.key] = parsed.value;
    sources[spec.key] = { source, from };
  }
  if (errors.length > 0) {
    const msg = errors.length === 1 ? `configuration: ${errors[0]}` : `configuration has ${errors.length} problems:\n  - ${errors.join('\n  - ')}`;
    throw new FraudctlError(msg, ExitCode.Usage);
  }
  return { config: values as unknown as Config, sources, file: existsSync(filePath) ? filePath : undefined };
}

/** Values of secret keys, for redaction of logs and messages. */
export function secretValues(config: Partial<Config>): string[] {
  const c = config as unknown as Record<string, unknown>;
  return CONFIG_KEYS.filter((k) => k.secret && typeof c[k.key] === 'string' && (c[k.key] as string).length > 0).map((k) => c[k.key] as string);
}

export function maskSecret(value: string): string {
  return value.length <= 4 ? '****' : `${value.slice(0, 2)}****`;
}

/** Rows for `fraudctl config`: key, value (secrets masked), source. */
export function describeConfig(resolved: ResolvedConfig): { key: string; value: string; source: string; doc: string }[] {
  const c = resolved.config as unknown as Record<string, unknown>;
  return CONFIG_KEYS.map((spec) => {
    const v = c[spec.key];
    const s = resolved.sources[spec.key];
    const shown = v === undefined ? '' : spec.secret ? maskSecret(String(v)) : String(v);
    return { key: spec.key, value: shown, source: s.from ? `${s.source} (${s.from})` : s.source, doc: spec.doc };
  });
}
