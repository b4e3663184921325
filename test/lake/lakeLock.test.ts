import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FraudctlError } from '../../src/errors.js';
import { LocalLake } from '../../src/lake/localLake.js';
import { S3Lake } from '../../src/lake/s3Lake.js';
import { createLogger } from '../../src/log.js';
import { runCli } from '../helpers/cli.js';
import { startS3Server, type S3ServerHandle } from '../helpers/s3server.js';

const root = mkdtempSync(join(tmpdir(), 'fraudctl-lakelock-'));
const log = createLogger({ level: 'silent', stream: process.stderr });
afterAll(() => rmSync(root, { recursive: true, force: true }));

const deadPid = () => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as FraudctlError);

describe('local lake locks: keyed by the lake, not the working directory', () => {
  const a = join(root, 'a');
  const b = join(root, 'b');
  mkdirSync(a, { recursive: true });
  mkdirSync(b, { recursive: true });

  it('one lake seen from two working directories: the second holder is refused with exit 4', async () => {
    const first = await new LocalLake('lake', a).lock('daily-2025-01-02', 'daily');
    const err = await refusal(new LocalLake(join(a, 'lake'), b).lock('daily-2025-01-02', 'daily'));
    expect(err?.exitCode).toBe(4);
    expect(err?.message).toContain(`pid ${process.pid}`);
    // A different lake from the same directory is not blocked.
    const other = await new LocalLake('lake', b).lock('daily-2025-01-02', 'daily');
    await other.release();
    await first.release();
    await (await new LocalLake('lake', b).lock('daily-2025-01-02', 'daily')).release();
  });

  it('a lock left by a dead process is taken over', async () => {
    mkdirSync(join(a, 'lake', '_locks'), { recursive: true });
    writeFileSync(join(a, 'lake', '_locks', 'daily-2025-01-03.lock'), JSON.stringify({ pid: deadPid(), host: hostname(), started: '2025-01-01T00:00:00Z', what: 'daily' }));
    await (await new LocalLake('lake', a).lock('daily-2025-01-03', 'daily')).release();
  });

  it('fraudctl daily run from another directory on a locked lake exits 4 naming the holder; on another lake it is not refused', async () => {
    const held = await new LocalLake('lake', a).lock('daily-2025-01-05', 'daily');
    try {
      const r = await runCli(['daily', '--date', '2025-01-05', '--lake', join(a, 'lake')], { cwd: b });
      expect(r.code).toBe(4);
      expect(r.stderr).toContain('already running');
      const other = await runCli(['daily', '--date', '2025-01-05', '--lake', join(b, 'lake2')], { cwd: b });
      expect(other.code).not.toBe(4);
      expect(other.stderr).not.toContain('already running');
    } finally {
      await held.release();
    }
  }, 60_000);
});

describe('S3 lake locks: a lock object created with If-None-Match: * (moto)', () => {
  let s3: S3ServerHandle;
  const vm = (name: string) =>
    new S3Lake({
      uri: 's3://lake/prod',
      settings: { endpoint: s3.endpoint, region: s3.region, pathStyle: true, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      mode: 'sync',
      cacheDir: join(root, name),
      log,
    });
  beforeAll(async () => {
    s3 = await startS3Server(['lake']);
  }, 60_000);
  afterAll(async () => s3?.close());

  it('two VMs: the second is refused (exit 4) while the first holds the lock, and gets it after release', async () => {
    const held = await vm('vm1').lock('daily-2025-01-02', 'daily');
    expect(held.path).toBe('s3://lake/prod/_locks/daily-2025-01-02.lock');
    const err = await refusal(vm('vm2').lock('daily-2025-01-02', 'daily'));
    expect(err?.exitCode).toBe(4);
    expect(err?.message).toContain('already running');
    await held.release();
    await (await vm('vm2').lock('daily-2025-01-02', 'daily')).release();
  }, 30_000);

  const plant = async (owner: object) => {
    const client = await vm('planter').client();
    await client.send(new PutObjectCommand({ Bucket: 'lake', Key: 'prod/_locks/daily-2025-01-09.lock', Body: JSON.stringify(owner) }));
  };

  it('stale locks: an expired one (another host) and one of a dead pid on this host are taken over; a live foreign one is not', async () => {
    await plant({ host: 'other-vm', pid: 1, started: '2020-01-01T00:00:00Z', expires: '2020-01-01T06:00:00Z', what: 'daily', token: 'old' });
    await (await vm('vm1').lock('daily-2025-01-09', 'daily')).release();
    await plant({ host: hostname(), pid: deadPid(), started: new Date().toISOString(), expires: new Date(Date.now() + 3600_000).toISOString(), what: 'daily', token: 'dead' });
    await (await vm('vm1').lock('daily-2025-01-09', 'daily')).release();
    await plant({ host: 'other-vm', pid: 1, started: new Date().toISOString(), expires: new Date(Date.now() + 3600_000).toISOString(), what: 'daily', token: 'live' });
    expect((await refusal(vm('vm1').lock('daily-2025-01-09', 'daily')))?.exitCode).toBe(4);
  }, 30_000);
});
