import type { S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { atomicWrite, atomicWriteFile } from '../util/atomicWrite.js';

/** What identifies the version of an object: its ETag (quoted, as S3 sends it) and size. */
export interface ObjectVersion {
  etag: string;
  size: number;
}

export interface CacheStats {
  /** Objects fetched with GetObject. */
  downloads: number;
  downloadedBytes: number;
  /** Objects whose cached copy matched the ETag (nothing fetched). */
  hits: number;
}

const META_SUFFIX = '.fraudctl-meta.json';

/** A single-part S3 ETag is the hex MD5 of the content; a multipart one is not (it has a -N suffix). */
export function md5OfEtag(etag: string): string | undefined {
  const m = /^"?([0-9a-f]{32})"?$/i.exec(etag);
  return m ? m[1].toLowerCase() : undefined;
}

/**
 * Local copies of S3 objects under `root/<bucket>/<key>`, each with a sidecar recording the ETag
 * and size it was fetched at. A copy is used only while the object's current ETag and size match,
 * so a changed object is fetched again and an unchanged one never is. Files land by rename, so a
 * reader (another fraudctl, DuckDB) sees a whole old copy or a whole new one.
 */
export class SyncCache {
  readonly stats: CacheStats = { downloads: 0, downloadedBytes: 0, hits: 0 };
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(readonly root: string) {}

  localPath(bucket: string, key: string): string {
    return join(this.root, bucket, ...key.split('/'));
  }

  /** The cached copy of this version of the object, when there is one. */
  async lookup(bucket: string, key: string, v: ObjectVersion): Promise<string | undefined> {
    const path = this.localPath(bucket, key);
    try {
      const meta = JSON.parse(await readFile(path + META_SUFFIX, 'utf8')) as Partial<ObjectVersion>;
      if (meta.etag !== v.etag || meta.size !== v.size) return undefined;
      if ((await stat(path)).size !== v.size) return undefined;
      return path;
    } catch {
      return undefined;
    }
  }

  /** A local path holding version `v` of the object: the cached copy, or a fresh download. */
  async fetch(client: S3Client, bucket: string, key: string, v: ObjectVersion): Promise<string> {
    const path = this.localPath(bucket, key);
    const running = this.inflight.get(path);
    if (running) return running;
    const job = (async () => {
      const hit = await this.lookup(bucket, key, v);
      if (hit) {
        this.stats.hits++;
        return hit;
      }
      return this.download(client, bucket, key);
    })();
    this.inflight.set(path, job);
    try {
      return await job;
    } finally {
      this.inflight.delete(path);
    }
  }

  /** Records a file we just uploaded as the cached copy of that object version (moved, not copied, when possible). */
  async adopt(bucket: string, key: string, file: string, v: ObjectVersion): Promise<void> {
    const path = this.localPath(bucket, key);
    await mkdir(dirname(path), { recursive: true });
    await this.publish(path, (tmp) => rename(file, tmp).catch(() => copyFile(file, tmp)), v);
  }

  private async download(client: S3Client, bucket: string, key: string): Promise<string> {
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const path = this.localPath(bucket, key);
    await mkdir(dirname(path), { recursive: true });
    await this.publish(path, async (tmp) => {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const hash = createHash('md5');
      let size = 0;
      const tap = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          hash.update(chunk);
          size += chunk.length;
          cb(null, chunk);
        },
      });
      await pipeline(out.Body as Readable, tap, createWriteStream(tmp));
      const etag = out.ETag ?? '';
      const expected = md5OfEtag(etag);
      if ((out.ContentLength !== undefined && size !== out.ContentLength) || (expected !== undefined && expected !== hash.digest('hex'))) {
        throw new Error(`download of s3://${bucket}/${key} is corrupt (${size} bytes, ETag ${etag})`);
      }
      this.stats.downloads++;
      this.stats.downloadedBytes += size;
      return { etag, size };
    });
    return path;
  }

  /** Data first, then the sidecar: a crash in between leaves a copy whose sidecar does not match (refetched). */
  private async publish(path: string, produce: (tmp: string) => Promise<ObjectVersion | void>, known?: ObjectVersion): Promise<void> {
    let v = known;
    await atomicWrite(path, async (tmp) => {
      v = (await produce(tmp)) ?? known;
      await rm(path + META_SUFFIX, { force: true });
    });
    await atomicWriteFile(path + META_SUFFIX, JSON.stringify(v));
  }
}
