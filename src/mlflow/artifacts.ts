import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import { ExitCode, FraudctlError, dataError } from '../errors.js';
import { errorCode, httpStatus, s3Failure } from '../lake/s3/s3Errors.js';
import { createS3Client, parseS3Uri, type S3Settings } from '../s3/client.js';
import type { HttpClient } from './rest/http.js';
import { parseApiResponse } from './rest/http.js';

/**
 * Where a run's artifacts live depends on the scheme of its artifact_uri, as in the Python client:
 * `file://` (or a plain path) is a local directory, `mlflow-artifacts:/…` goes through the tracking
 * server's proxy (PUT/GET /api/2.0/mlflow-artifacts/artifacts/…), `s3://…` straight to the bucket
 * with the client's own credentials and MLFLOW_S3_ENDPOINT_URL.
 */
export interface ArtifactEntry {
  /** Path relative to the repository root, '/'-separated. */
  path: string;
  isDir: boolean;
  size?: number;
}

export interface ArtifactRepo {
  readonly uri: string;
  /** Copies every file under `localDir` to `<uri>/<artifactPath>/…` (MLmodel files last). */
  uploadDir(localDir: string, artifactPath: string): Promise<void>;
  /** Direct children of `<uri>/<path>`; [] when there are none. */
  list(path: string): Promise<ArtifactEntry[]>;
  /** Downloads `<uri>/<artifactPath>` (a file or a directory) to `<destDir>/<artifactPath>` and returns that path. */
  download(artifactPath: string, destDir: string): Promise<string>;
}

/** Relative, '/'-separated paths of every file below `dir`; files named MLmodel sort last. */
export async function listLocalFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  await walk(dir);
  // A reader takes a directory with an MLmodel as complete, so that file goes up last.
  const isModel = (p: string) => posix.basename(p) === 'MLmodel';
  return out.sort((a, b) => Number(isModel(a)) - Number(isModel(b)) || a.localeCompare(b));
}

const joinPath = (...parts: string[]) => parts.filter((p) => p !== '' && p !== '.').join('/').replace(/\/+/g, '/').replace(/^\/|\/$/g, '');

function checkRelative(artifactPath: string): string {
  const p = joinPath(artifactPath);
  if (p.split('/').includes('..')) throw new FraudctlError(`artifact path must stay inside the run: ${artifactPath}`, ExitCode.Usage);
  return p;
}

export class LocalArtifactRepo implements ArtifactRepo {
  readonly root: string;
  constructor(readonly uri: string) {
    this.root = uri.startsWith('file:') ? fileURLToPath(uri) : resolve(uri);
  }

  async uploadDir(localDir: string, artifactPath: string): Promise<void> {
    const dest = join(this.root, checkRelative(artifactPath));
    for (const f of await listLocalFiles(localDir)) {
      await mkdir(dirname(join(dest, f)), { recursive: true });
      await cp(join(localDir, f), join(dest, f));
    }
  }

  async list(path: string): Promise<ArtifactEntry[]> {
    const dir = join(this.root, checkRelative(path));
    if (!existsSync(dir) || !(await stat(dir)).isDirectory()) return [];
    const entries = await readdir(dir, { withFileTypes: true });
    return Promise.all(
      entries.map(async (e) => ({ path: joinPath(path, e.name), isDir: e.isDirectory(), ...(e.isFile() ? { size: (await stat(join(dir, e.name))).size } : {}) })),
    );
  }

  async download(artifactPath: string, destDir: string): Promise<string> {
    const rel = checkRelative(artifactPath);
    const src = join(this.root, rel);
    const dest = join(destDir, rel);
    if (!existsSync(src)) throw dataError(`no artifact '${rel}' in ${this.uri}`);
    if (resolve(src) !== resolve(dest)) await cp(src, dest, { recursive: true });
    return dest;
  }
}

const PROXY = '/api/2.0/mlflow-artifacts/artifacts';
const encodePath = (p: string) => p.split('/').map(encodeURIComponent).join('/');

/** mlflow-artifacts:/<path> (or an http(s) URI of the proxy) through the tracking server. */
export class MlflowArtifactsRepo implements ArtifactRepo {
  /** Path below the proxy root, e.g. '1/<run id>/artifacts'. */
  readonly root: string;
  constructor(
    readonly uri: string,
    private readonly http: HttpClient,
  ) {
    const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(uri) ?? new RegExp(`^https?://[^/]+(?:/.*?)?${PROXY}/?(.*)$`).exec(uri);
    if (!m) throw new FraudctlError(`not an mlflow-artifacts URI: ${uri}`, ExitCode.Usage);
    this.root = joinPath(m[1]);
  }

  async uploadDir(localDir: string, artifactPath: string): Promise<void> {
    const base = joinPath(this.root, checkRelative(artifactPath));
    for (const f of await listLocalFiles(localDir)) {
      const body = await readFile(join(localDir, f));
      const res = await this.http.request({ method: 'PUT', path: `${PROXY}/${encodePath(joinPath(base, f))}`, body });
      if (res.status !== 200) parseApiResponse(res, `PUT mlflow-artifacts ${joinPath(artifactPath, f)}`);
    }
  }

  async list(path: string): Promise<ArtifactEntry[]> {
    const rel = checkRelative(path);
    const res = await this.http.request({ method: 'GET', path: PROXY, query: { path: joinPath(this.root, rel) } });
    const out = parseApiResponse<{ files?: { path: string; is_dir?: boolean; file_size?: number | string }[] }>(res, 'GET mlflow-artifacts list');
    // The proxy answers base names; empty directories and missing paths both answer {}.
    return (out.files ?? []).map((f) => ({ path: joinPath(rel, posix.basename(f.path)), isDir: f.is_dir === true, ...(f.file_size !== undefined ? { size: Number(f.file_size) } : {}) }));
  }

  async download(artifactPath: string, destDir: string): Promise<string> {
    const rel = checkRelative(artifactPath);
    const dest = join(destDir, rel);
    const entries = await this.list(rel);
    if (entries.length === 0) {
      if (!(await this.fetchFile(rel, dest))) throw dataError(`no artifact '${rel}' in ${this.uri}`);
      return dest;
    }
    await mkdir(dest, { recursive: true });
    for (const e of entries) {
      if (e.isDir) await this.download(e.path, destDir);
      else if (!(await this.fetchFile(e.path, join(destDir, e.path)))) throw dataError(`artifact '${e.path}' disappeared from ${this.uri} while downloading`);
    }
    return dest;
  }

  private async fetchFile(rel: string, dest: string): Promise<boolean> {
    const res = await this.http.request({ method: 'GET', path: `${PROXY}/${encodePath(joinPath(this.root, rel))}` });
    if (res.status === 404) return false;
    if (res.status !== 200) parseApiResponse(res, `GET mlflow-artifacts ${rel}`);
    await mkdir(dirname(dest), { recursive: true });
    await writeFile(dest, res.body);
    return true;
  }
}

/** s3://bucket/prefix straight to the bucket: path style, checksums only when required. */
export class S3ArtifactRepo implements ArtifactRepo {
  private readonly bucket: string;
  private readonly prefix: string;
  private client?: Promise<S3Client>;
  constructor(
    readonly uri: string,
    private readonly settings: S3Settings,
  ) {
    ({ bucket: this.bucket, prefix: this.prefix } = parseS3Uri(uri));
  }

  private s3(): Promise<S3Client> {
    this.client ??= createS3Client(this.settings);
    return this.client;
  }

  private key(rel: string): string {
    return joinPath(this.prefix, rel);
  }

  async uploadDir(localDir: string, artifactPath: string): Promise<void> {
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    const s3 = await this.s3();
    const base = checkRelative(artifactPath);
    for (const f of await listLocalFiles(localDir)) {
      const body = await readFile(join(localDir, f));
      await this.guard(`upload ${joinPath(base, f)}`, () => s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(joinPath(base, f)), Body: body })));
    }
  }

  private async keysUnder(rel: string, delimiter?: string): Promise<{ files: { key: string; size?: number }[]; dirs: string[] }> {
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const s3 = await this.s3();
    const prefix = this.key(rel) === '' ? '' : `${this.key(rel)}/`;
    const files: { key: string; size?: number }[] = [];
    const dirs: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.guard(`list ${rel}`, () => s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, Delimiter: delimiter, ContinuationToken: token })));
      for (const o of out.Contents ?? []) if (o.Key) files.push({ key: o.Key, size: o.Size });
      for (const p of out.CommonPrefixes ?? []) if (p.Prefix) dirs.push(p.Prefix);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return { files, dirs };
  }

  private relOf(key: string): string {
    return this.prefix === '' ? key : key.slice(this.prefix.length + 1);
  }

  async list(path: string): Promise<ArtifactEntry[]> {
    const { files, dirs } = await this.keysUnder(checkRelative(path), '/');
    return [...dirs.map((d) => ({ path: joinPath(this.relOf(d)), isDir: true })), ...files.map((f) => ({ path: this.relOf(f.key), isDir: false, size: f.size }))];
  }

  async download(artifactPath: string, destDir: string): Promise<string> {
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const s3 = await this.s3();
    const rel = checkRelative(artifactPath);
    const dest = join(destDir, rel);
    let { files } = await this.keysUnder(rel);
    if (files.length === 0) files = [{ key: this.key(rel) }];
    else await mkdir(dest, { recursive: true });
    for (const f of files) {
      const out = await this.guard(`download ${this.relOf(f.key)}`, () => s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: f.key })), rel);
      const target = join(destDir, this.relOf(f.key));
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, await out.Body!.transformToByteArray());
    }
    return dest;
  }

  /**
   * S3 errors as fraudctl errors: a missing artifact → 3, everything else mapped exactly as for the
   * lake (s3Failure: credentials, bucket or another 4xx → 2, 5xx / network → 4), so one S3 answer
   * means one exit code whichever part of fraudctl met it.
   */
  private async guard<T>(what: string, fn: () => Promise<T>, missingPath?: string): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (missingPath !== undefined && (errorCode(e) === 'NoSuchKey' || httpStatus(e) === 404)) throw dataError(`no artifact '${missingPath}' in ${this.uri}`);
      throw s3Failure(e, { op: `${what} (MLflow artifacts)`, bucket: this.bucket, endpoint: this.settings.endpoint });
    }
  }
}

export interface ArtifactDeps {
  /** The tracking server's client (mlflow-artifacts:/ URIs without a host). */
  http?: HttpClient;
  /** A client for another base URL with the same settings (mlflow-artifacts://host:port/…, http(s) proxy URIs). */
  httpFor?: (baseUrl: string) => HttpClient;
  s3?: S3Settings;
}

/** The repository for an artifact URI, by its scheme. */
export function artifactRepoFor(uri: string, deps: ArtifactDeps): ArtifactRepo {
  if (uri.startsWith('s3://')) {
    if (!deps.s3) throw new FraudctlError(`artifacts at ${uri} need S3 settings`, ExitCode.Usage);
    return new S3ArtifactRepo(uri, deps.s3);
  }
  if (uri.startsWith('mlflow-artifacts:')) {
    const host = /^mlflow-artifacts:\/\/([^/]+)/.exec(uri)?.[1];
    const http = host && deps.httpFor ? deps.httpFor(`${new URL(deps.http?.server ?? 'http://x').protocol}//${host}`) : deps.http;
    if (!http) throw new FraudctlError(`artifacts at ${uri} need an MLflow tracking server (MLFLOW_TRACKING_URI=http://…)`, ExitCode.Usage);
    return new MlflowArtifactsRepo(uri, http);
  }
  if (/^https?:\/\//.test(uri) && uri.includes(PROXY)) {
    if (!deps.httpFor) throw new FraudctlError(`artifacts at ${uri} need an HTTP client`, ExitCode.Usage);
    return new MlflowArtifactsRepo(uri, deps.httpFor(uri.slice(0, uri.indexOf(PROXY))));
  }
  if (uri.startsWith('file:') || !/^[a-z][a-z0-9+.-]*:/i.test(uri) || /^[a-z]:[\\/]/i.test(uri)) return new LocalArtifactRepo(uri);
  throw new FraudctlError(`unsupported artifact URI scheme: ${uri.split(':')[0]}: (supported: file, mlflow-artifacts, s3)`, ExitCode.Usage);
}
