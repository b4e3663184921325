import type { S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ExitCode, FraudctlError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Lock } from '../../util/lock.js';
import { pidAlive } from '../../util/pidAlive.js';

/**
 * How long an S3 lock is honoured without its owner being checkable: a holder on another machine
 * cannot be asked whether it is alive, so after this much time the lock counts as left by a crashed
 * VM and is taken over. Longer than any daily run should take (README "Locks").
 */
export const S3_LOCK_TTL_MS = 6 * 3600_000;

interface S3Owner {
  host: string;
  pid: number;
  started: string;
  expires: string;
  what: string;
  token: string;
}

const status = (e: unknown) => (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/**
 * A lock object in the bucket, created with a conditional PUT (If-None-Match: *): of two machines
 * creating it at once, S3 lets exactly one succeed and answers 412 to the other. Stale-lock rules:
 * an owner on this host whose pid is dead, or any owner past `expires`, is taken over (the old
 * object deleted, the create retried, so a concurrent taker still loses on 412).
 */
export async function acquireS3Lock(
  client: S3Client,
  bucket: string,
  key: string,
  what: string,
  opts: { log?: Logger; now?: () => Date; explain: (e: unknown, op: string) => Promise<FraudctlError> },
): Promise<Lock> {
  const { PutObjectCommand, GetObjectCommand, DeleteObjectCommand } = await import('@aws-sdk/client-s3');
  const now = opts.now ?? (() => new Date());
  const uri = `s3://${bucket}/${key}`;
  for (let attempt = 0; attempt < 3; attempt++) {
    const start = now();
    const me: S3Owner = { host: hostname(), pid: process.pid, started: start.toISOString(), expires: new Date(start.getTime() + S3_LOCK_TTL_MS).toISOString(), what, token: randomBytes(8).toString('hex') };
    try {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(me), IfNoneMatch: '*', ContentType: 'application/json' }));
      let released = false;
      return {
        path: uri,
        async release() {
          if (released) return;
          released = true;
          const current = await readOwner().catch(() => undefined);
          if (current?.token === me.token) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
        },
      };
    } catch (e) {
      if (status(e) !== 412 && status(e) !== 409) throw await opts.explain(e, `create the lock ${uri}`);
    }
    const owner = await readOwner().catch(() => undefined);
    if (!owner) continue; // deleted meanwhile: try again
    const deadHere = owner.host === hostname() && !pidAlive(owner.pid);
    const expired = Date.parse(owner.expires) < now().getTime();
    if (deadHere || expired) {
      opts.log?.warn({ lock: uri, owner: { host: owner.host, pid: owner.pid, started: owner.started } }, deadHere ? 'taking over an S3 lock left by a dead process' : 'taking over an expired S3 lock');
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
      continue;
    }
    throw new FraudctlError(`${what} is already running (pid ${owner.pid} on ${owner.host} since ${owner.started}); lock ${uri}`, ExitCode.Unavailable, {
      hint: `wait for it to finish; the lock is taken over when its owner is dead (same host) or after ${owner.expires}`,
    });
  }
  throw new FraudctlError(`could not take the lock ${uri} (it changed hands three times)`, ExitCode.Unavailable, { hint: 'retry later' });

  async function readOwner(): Promise<S3Owner | undefined> {
    try {
      const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return JSON.parse(await r.Body!.transformToString()) as S3Owner;
    } catch (e) {
      if (status(e) === 404) return undefined;
      throw e;
    }
  }
}
