import type { S3Client } from '@aws-sdk/client-s3';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { LakeSettings } from '../config.js';
import { ExitCode, FraudctlError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Lock } from '../util/lock.js';
import { createS3Client, parseS3Uri, type S3Settings } from '../s3/client.js';
import { isDay, type Day } from '../util/dates.js';
import type { Db } from './db.js';
import { buildS3SecretSql, loadHttpfs } from './httpfs.js';
import { partitionKey, type Dataset, type Lake } from './lake.js';
import { mapLimit } from './s3/mapLimit.js';
import { explainS3Error, isNotFound } from './s3/s3Errors.js';
import { MD5_META, uploadFile, type UploadOptions } from './s3/upload.js';
import { removeDeadTemps, tempPathFor } from '../util/atomicWrite.js';
import { md5OfEtag, SyncCache, type ObjectVersion } from './syncCache.js';

export type S3Mode = LakeSettings['s3Mode'];

export interface S3LakeOptions {
  uri: string;
  settings: S3Settings;
  mode: S3Mode;
  /** Absolute; partitions are cached under `<cacheDir>/s3/<bucket>/<key>`, uploads staged in `<cacheDir>/tmp`. */
  cacheDir: string;
  log: Logger;
  /** A client of the caller's (tests inject failures through its middleware); else one from `settings`. */
  client?: S3Client;
  upload?: UploadOptions;
}

/** A partition object as HeadObject describes it; `md5` when known (single-part ETag or our metadata). */
export interface PartitionObject extends ObjectVersion {
  md5?: string;
}

/** Requests in flight at once for per-partition HEADs and downloads. */
const PARALLEL = 8;

/**
 * The lake on S3-compatible storage. Listing, existence and writes go through the AWS SDK; reads
 * either hand DuckDB s3:// URLs (httpfs loaded, secret scoped to the bucket) or sync exactly the
 * needed partitions into a local cache keyed by ETag and hand DuckDB the local copies.
 */
export class S3Lake implements Lake {
  readonly kind = 's3' as const;
  readonly uri: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly cache: SyncCache;
  /** 'httpfs' once a session loaded it; 'sync' when configured so or httpfs failed; unset before the first decision. */
  private readMode?: 'httpfs' | 'sync';
  private clientPromise?: Promise<S3Client>;
  private logged = false;

  constructor(private readonly o: S3LakeOptions) {
    this.uri = o.uri;
    let parsed: { bucket: string; prefix: string };
    try {
      parsed = parseS3Uri(o.uri);
    } catch {
      throw new FraudctlError(`--lake ${o.uri} is not an s3://bucket/prefix URI`, ExitCode.Usage);
    }
    this.bucket = parsed.bucket;
    this.prefix = parsed.prefix;
    this.cache = new SyncCache(join(o.cacheDir, 's3'));
    if (o.client) this.clientPromise = Promise.resolve(o.client);
    if (o.mode === 'sync') this.readMode = 'sync';
  }

  static async create(config: LakeSettings, log: Logger, cwd: string): Promise<S3Lake> {
    return new S3Lake({
      uri: config.lake,
      settings: {
        endpoint: config.s3Endpoint,
        region: config.s3Region,
        pathStyle: config.s3PathStyle,
        accessKeyId: config.awsAccessKeyId,
        secretAccessKey: config.awsSecretAccessKey,
        sessionToken: config.awsSessionToken,
      },
      mode: config.s3Mode,
      cacheDir: resolve(cwd, config.cacheDir),
      log,
    });
  }

  /** How reads are served so far: httpfs, sync, or undecided (no DuckDB session configured yet). */
  get mode(): 'httpfs' | 'sync' | undefined {
    return this.readMode;
  }

  client(): Promise<S3Client> {
    this.clientPromise ??= createS3Client(this.o.settings);
    return this.clientPromise;
  }

  key(ds: Dataset, day: Day): string {
    return this.prefix ? `${this.prefix}/${partitionKey(ds, day)}` : partitionKey(ds, day);
  }

  partitionUri(ds: Dataset, day: Day): string {
    return `s3://${this.bucket}/${this.key(ds, day)}`;
  }

  async listDays(ds: Dataset): Promise<Day[]> {
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const client = await this.client();
    const base = this.prefix ? `${this.prefix}/${ds}/date=` : `${ds}/date=`;
    const days = new Set<Day>();
    let token: string | undefined;
    do {
      const page = await this.guard(`list ${ds}`, () => client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: base, ContinuationToken: token })));
      for (const obj of page.Contents ?? []) {
        const rest = obj.Key?.slice(base.length) ?? '';
        const day = rest.slice(0, 10);
        if (rest === `${day}/data.parquet` && isDay(day)) days.add(day);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return [...days].sort();
  }

  async listFolders(prefix: string): Promise<string[]> {
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const client = await this.client();
    const base = this.prefix ? `${this.prefix}/${prefix}/` : `${prefix}/`;
    const names = new Set<string>();
    let token: string | undefined;
    do {
      const page = await this.guard(`list ${prefix}`, () => client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: base, Delimiter: '/', ContinuationToken: token })));
      for (const p of page.CommonPrefixes ?? []) {
        const name = p.Prefix?.slice(base.length).replace(/\/$/, '');
        if (name) names.add(name);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return [...names].sort();
  }

  /** The partition object's ETag, size and MD5 (when known), or undefined when it does not exist. */
  async head(ds: Dataset, day: Day): Promise<PartitionObject | undefined> {
    const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
    const client = await this.client();
    const key = this.key(ds, day);
    try {
      const out = await client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      const etag = out.ETag ?? '';
      return { etag, size: out.ContentLength ?? 0, md5: out.Metadata?.[MD5_META] ?? md5OfEtag(etag) };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      // A HEAD error has no body, hence no error code: ask a GET-style request for the code.
      throw await this.explain(e, `read ${this.partitionUri(ds, day)}`);
    }
  }

  async has(ds: Dataset, day: Day): Promise<boolean> {
    return (await this.head(ds, day)) !== undefined;
  }

  async pathsForRead(ds: Dataset, days: Day[]): Promise<string[]> {
    const heads = await this.requireAll(ds, days);
    if (this.readMode === 'httpfs') return days.map((d) => this.partitionUri(ds, d));
    this.decide('sync', this.o.mode === 'sync' ? '--s3-mode sync' : 'no DuckDB session loaded httpfs');
    return this.fetch(ds, days, heads);
  }

  /** Local copies of the partitions whatever the read mode (lake sync copies from these). */
  async localCopies(ds: Dataset, days: Day[]): Promise<string[]> {
    return this.fetch(ds, days, await this.requireAll(ds, days));
  }

  /** HEAD of every partition; a missing one is exit 3, unless the bucket itself is missing (exit 2). */
  private async requireAll(ds: Dataset, days: Day[]): Promise<PartitionObject[]> {
    const heads = await mapLimit(days, PARALLEL, (d) => this.head(ds, d));
    const missing = days.filter((_d, i) => heads[i] === undefined);
    if (missing.length > 0) {
      // HeadObject says 404 for a missing bucket too.
      await this.ensureBucket();
      throw new FraudctlError(`${ds} partitions missing in ${this.uri}: ${missing.join(', ')}`, ExitCode.Data, {
        hint: `fraudctl lake ls --lake ${this.uri} --dataset ${ds} shows what exists`,
      });
    }
    return heads as PartitionObject[];
  }

  private async fetch(ds: Dataset, days: Day[], heads: PartitionObject[]): Promise<string[]> {
    const client = await this.client();
    const before = { ...this.cache.stats };
    const paths = await mapLimit(days, PARALLEL, (d, i) =>
      this.guard(`download ${this.partitionUri(ds, d)}`, () => this.cache.fetch(client, this.bucket, this.key(ds, d), heads[i])),
    );
    const downloads = this.cache.stats.downloads - before.downloads;
    this.o.log.info(
      { dataset: ds, partitions: days.length, downloads, cached: this.cache.stats.hits - before.hits, bytes: this.cache.stats.downloadedBytes - before.downloadedBytes },
      `s3 sync: ${days.length} ${ds} partition(s), ${downloads} downloaded`,
    );
    return paths;
  }

  async writePartition(ds: Dataset, day: Day, produce: (tmpPath: string) => Promise<void>): Promise<void> {
    const tmpDir = join(this.o.cacheDir, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    await removeDeadTemps(tmpDir);
    const tmp = tempPathFor(join(tmpDir, `${ds.replace(/\//g, '-')}-${day}.parquet`));
    const key = this.key(ds, day);
    try {
      await produce(tmp);
      const client = await this.client();
      const up = await this.guard(`upload ${this.partitionUri(ds, day)}`, () => uploadFile(client, this.bucket, key, tmp, this.o.upload));
      this.o.log.debug({ partition: this.partitionUri(ds, day), bytes: up.size, parts: up.parts }, 'partition uploaded');
      // The bytes just uploaded are this version of the object: the next read needs no download.
      await this.cache.adopt(this.bucket, key, tmp, { etag: up.etag, size: up.size }).catch((e: Error) => this.o.log.debug({ err: e.message }, 'cache not updated'));
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async lock(name: string, what: string, log?: Logger): Promise<Lock> {
    const { acquireS3Lock } = await import('./s3/s3Lock.js');
    const key = this.prefix ? `${this.prefix}/_locks/${name}.lock` : `_locks/${name}.lock`;
    return acquireS3Lock(await this.client(), this.bucket, key, what, { log: log ?? this.o.log, explain: (e, op) => this.explain(e, op) });
  }

  /**
   * The bucket exists and these credentials may use it. A write permission is only proven by the
   * first upload (whose AccessDenied is exit 2 as well); probing with a PUT would need DELETE too.
   */
  async ensureWritable(_o?: { create?: boolean }): Promise<void> {
    // A bucket must exist (exit 2 otherwise); a prefix with no objects is an empty lake.
    await this.ensureBucket();
    await mkdir(join(this.o.cacheDir, 'tmp'), { recursive: true }).catch((e: NodeJS.ErrnoException) => {
      throw new FraudctlError(`cache directory ${this.o.cacheDir} is not writable: ${e.code ?? e.message}`, ExitCode.Usage, { hint: 'set FRAUDCTL_CACHE_DIR to a writable directory' });
    });
  }

  private async ensureBucket(): Promise<void> {
    const { HeadBucketCommand } = await import('@aws-sdk/client-s3');
    const client = await this.client();
    try {
      await client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      throw await this.explain(e, 'check bucket');
    }
  }

  /**
   * httpfs mode: LOAD httpfs (no download: autoinstall is off) and a temporary secret scoped to the
   * bucket. In auto mode a failure switches to sync mode; with --s3-mode httpfs it is exit 2.
   */
  async configureDb(db: Db): Promise<void> {
    if (this.readMode === 'sync') return;
    let sql: string;
    try {
      sql = buildS3SecretSql({ bucket: this.bucket, ...this.o.settings });
    } catch (e) {
      if (this.o.mode === 'httpfs') throw e;
      this.decide('sync', (e as Error).message);
      return;
    }
    const loaded = await loadHttpfs(db);
    if (!loaded.ok) {
      if (this.o.mode === 'httpfs') {
        throw new FraudctlError(`--s3-mode httpfs: DuckDB cannot load the httpfs extension (${loaded.reason})`, ExitCode.Usage, {
          hint: 'pass --duckdb-extension-dir DIR (or FRAUDCTL_DUCKDB_EXTENSION_DIR) holding <version>/<platform>/httpfs.duckdb_extension, or use --s3-mode sync',
        });
      }
      this.decide('sync', `httpfs not loadable: ${loaded.reason}`);
      return;
    }
    try {
      await db.run(sql);
    } catch {
      // The statement holds the secret key and DuckDB may quote it back: keep its text out.
      throw new FraudctlError(`DuckDB refused the S3 secret for bucket '${this.bucket}' (httpfs mode)`, ExitCode.Usage, { hint: 'check --s3-endpoint and --s3-region, or use --s3-mode sync' });
    }
    this.decide('httpfs', 'httpfs loaded');
  }

  private decide(mode: 'httpfs' | 'sync', why: string): void {
    if (this.readMode === mode && this.logged) return;
    this.readMode = mode;
    this.logged = true;
    const how = mode === 'httpfs' ? 'DuckDB reads s3:// directly (httpfs)' : `partitions are synced to ${this.cache.root}`;
    this.o.log.info({ lake: this.uri, mode, reason: why }, `S3 lake in ${mode} mode: ${how}`);
  }

  private async guard<T>(op: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw await this.explain(e, op);
    }
  }

  /** An SDK error as a fraudctl error; a refused HEAD (no body, no code) is asked again as a listing. */
  private async explain(e: unknown, op: string): Promise<FraudctlError> {
    return explainS3Error(e, { op, bucket: this.bucket, endpoint: this.o.settings.endpoint }, async () => {
      const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
      await (await this.client()).send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, MaxKeys: 1 }));
    });
  }
}
