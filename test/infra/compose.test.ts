import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | string;
  environment?: Record<string, string>;
  depends_on?: string[] | Record<string, { condition: string }>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const DIR = 'infra/compose';
const text = readFileSync(`${DIR}/docker-compose.yml`, 'utf8');
const compose = parse(text) as Compose;
const { services } = compose;

/** The value after a flag in an argv-style command. */
function flag(command: string[], name: string): string {
  const i = command.indexOf(name);
  expect(i, name).toBeGreaterThanOrEqual(0);
  return command[i + 1];
}

const dependsOn = (s: Service) => (Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {}));

describe('docker compose (local stand-in)', () => {
  it('has PostgreSQL, MinIO, the bucket-creating init container and MLflow', () => {
    expect(Object.keys(services).sort()).toEqual(['minio', 'minio-init', 'mlflow', 'postgres']);
    expect(services['minio-init'].image).toMatch(/^minio\/mc/);
    expect(services.mlflow.build).toEqual(expect.objectContaining({ context: '.', dockerfile: 'mlflow.Dockerfile' }));
    expect(readFileSync(`${DIR}/mlflow.Dockerfile`, 'utf8')).toMatch(/pip install .*"mlflow==\$\{MLFLOW_VERSION\}" psycopg2-binary boto3/);
  });

  it('depends_on targets exist; MLflow waits for a healthy PostgreSQL and the buckets', () => {
    for (const [name, s] of Object.entries(services)) for (const d of dependsOn(s)) expect(services[d], `${name} → ${d}`).toBeDefined();
    expect(services.mlflow.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, 'minio-init': { condition: 'service_completed_successfully' } });
    expect(services['minio-init'].depends_on).toEqual({ minio: { condition: 'service_healthy' } });
  });

  it('long-running services have healthchecks', () => {
    for (const name of ['postgres', 'minio', 'mlflow']) expect(services[name].healthcheck?.test.length, name).toBeGreaterThan(0);
    expect(services.mlflow.healthcheck!.test.join(' ')).toContain('http://127.0.0.1:5000/health');
  });

  it('MLflow as in production: postgresql:// backend on the postgres service, s3://mlflow/artifacts on the minio service', () => {
    const cmd = services.mlflow.command as string[];
    expect(cmd.slice(0, 2)).toEqual(['mlflow', 'server']);
    const backend = new URL(flag(cmd, '--backend-store-uri'));
    expect(backend.protocol).toBe('postgresql:');
    expect(backend.hostname).toBe('postgres');
    expect(backend.port).toBe('5432');
    expect(backend.pathname.slice(1)).toBe(services.postgres.environment!.POSTGRES_DB);
    expect(backend.username).toBe(services.postgres.environment!.POSTGRES_USER);
    expect(flag(cmd, '--default-artifact-root')).toBe('s3://mlflow/artifacts');
    expect(flag(cmd, '-p')).toBe('5000');
    const s3 = new URL(services.mlflow.environment!.MLFLOW_S3_ENDPOINT_URL);
    expect(s3.hostname).toBe('minio');
    expect(flag(services.minio.command as string[], '--address')).toBe(`:${s3.port}`);
    // The artifact bucket is the one the init container creates; so is the lake's.
    expect(String(services['minio-init'].command)).toMatch(/mc mb --ignore-existing local\/mlflow local\/lake/);
    expect(String(services['minio-init'].command)).toContain('http://minio:9000');
    // MLflow's S3 keys are MinIO's root credentials (the same .env variables).
    const varName = (v: string | undefined) => /^\$\{([A-Z_]+)/.exec(v ?? '')?.[1];
    expect(varName(services.mlflow.environment!.AWS_ACCESS_KEY_ID)).toBe(varName(services.minio.environment!.MINIO_ROOT_USER));
    expect(varName(services.mlflow.environment!.AWS_SECRET_ACCESS_KEY)).toBe(varName(services.minio.environment!.MINIO_ROOT_PASSWORD));
  });

  it('named volumes are declared; ports are published on 127.0.0.1 only', () => {
    const declared = Object.keys(compose.volumes ?? {});
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0];
        if (!source.startsWith('.') && !source.startsWith('/')) expect(declared, `${name}: ${source}`).toContain(source);
      }
      for (const p of s.ports ?? []) expect(p, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    }
    expect(services.mlflow.ports).toEqual(['127.0.0.1:5000:5000']);
    expect(services.minio.ports).toContain('127.0.0.1:9000:9000');
  });

  it('every ${VAR} is in .env.example, and no password is written in the file', () => {
    const used = new Set([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]));
    const example = readFileSync(`${DIR}/.env.example`, 'utf8');
    const defined = new Set([...example.matchAll(/^([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    expect([...used].filter((v) => !defined.has(v))).toEqual([]);
    expect(services.postgres.environment!.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    expect(services.minio.environment!.MINIO_ROOT_PASSWORD).toMatch(/^\$\{MINIO_ROOT_PASSWORD:\?/);
    expect(readFileSync(`${DIR}/.gitignore`, 'utf8').split('\n')).toContain('.env');
  });
});
