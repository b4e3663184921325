import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startS3Server, type S3ServerHandle } from '../helpers/s3server.js';

let s3: S3ServerHandle;
let cwd: string;
let env: Record<string, string>;

beforeAll(async () => {
  s3 = await startS3Server(['lake']);
  cwd = mkdtempSync(join(tmpdir(), 'fraudctl-s3cli-'));
  env = { ...s3.env, FRAUDCTL_CACHE_DIR: join(cwd, 'cache'), FRAUDCTL_THREADS: '1' };
  const sim = await runCli(['simulate', '--lake', './local', '--start', '2025-01-01', '--days', '12', '--customers', '300', '--terminals', '600', '--seed', '1', '--json'], { cwd, env });
  expect(sim.code, sim.stderr).toBe(0);
}, 60_000);
afterAll(async () => s3?.close());

/** `downloads` summed over the S3 lake's "s3 sync" log records (JSON lines on stderr). */
function downloadsLogged(stderr: string): number {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg?: string; downloads?: number })
    .filter((r) => r.msg?.startsWith('s3 sync:'))
    .reduce((s, r) => s + (r.downloads ?? 0), 0);
}

describe('lake sync and an S3 lake through the CLI', () => {
  it('copies local → S3, skips identical partitions, and lake ls reads the same rows from S3', async () => {
    const first = await runCli(['lake', 'sync', '--from', './local', '--to', 's3://lake/prod', '--dataset', 'transactions', '--json'], { cwd, env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.json).toMatchObject({ ok: true, from: './local', to: 's3://lake/prod', copied: 12, skipped: 0 });

    const again = await runCli(['lake', 'sync', '--from', './local', '--to', 's3://lake/prod', '--json'], { cwd, env });
    expect(again.json).toMatchObject({ copied: 0, skipped: 12 });
    const ranged = await runCli(['lake', 'sync', '--from', './local', '--to', 's3://lake/prod', '--from-date', '2025-01-11', '--to-date', '2025-01-12', '--overwrite', '--json'], { cwd, env });
    expect(ranged.json).toMatchObject({ copied: 2, skipped: 0 });
    expect((ranged.json!.partitions as { date: string; reason: string }[]).map((p) => [p.date, p.reason])).toEqual([
      ['2025-01-11', 'overwrite'],
      ['2025-01-12', 'overwrite'],
    ]);

    const local = await runCli(['lake', 'ls', '--lake', './local', '--dataset', 'transactions', '--json'], { cwd, env });
    const remote = await runCli(['lake', 'ls', '--lake', 's3://lake/prod', '--dataset', 'transactions', '--json'], { cwd, env });
    expect(remote.code, remote.stderr).toBe(0);
    const rows = (r: typeof local) => (r.json!.datasets as { partitions: unknown[]; rows: number }[])[0];
    expect(rows(remote).partitions).toHaveLength(12);
    expect(rows(remote)).toEqual(rows(local));
    expect(rows(remote).rows).toBeGreaterThan(0);
    expect(remote.stderr).toContain('S3 lake in sync mode');
  });

  it('builds marts on the S3 lake; a fresh cache downloads exactly the needed partitions, a second run none', async () => {
    const freshCache = { ...env, FRAUDCTL_CACHE_DIR: join(cwd, 'cache-fresh') };
    const build = await runCli(['marts', 'build', '--lake', 's3://lake/prod', '--date', '2025-01-05', '--allow-partial-history', '--json'], { cwd, env: freshCache });
    expect(build.code, build.stderr).toBe(0);
    expect(build.json).toMatchObject({ built: ['2025-01-05'] });
    // customer mart: transactions 2025-01-01 … 05 (the 30-day window clipped to what exists); the
    // terminal mart's window ends 7 days earlier, before the first day, so it reads nothing.
    expect(downloadsLogged(build.stderr)).toBe(5);

    const rebuild = await runCli(['marts', 'build', '--lake', 's3://lake/prod', '--date', '2025-01-05', '--allow-partial-history', '--overwrite', '--json'], { cwd, env: freshCache });
    expect(rebuild.code, rebuild.stderr).toBe(0);
    expect(rebuild.stderr).toContain('s3 sync:');
    expect(downloadsLogged(rebuild.stderr)).toBe(0);

    const ls = await runCli(['lake', 'ls', '--lake', 's3://lake/prod', '--dataset', 'features/customer', '--json'], { cwd, env: freshCache });
    expect((ls.json!.datasets as { partitions: { date: string }[] }[])[0].partitions.map((p) => p.date)).toEqual(['2025-01-05']);
  });

  it('carries the window state forward on the S3 lake: the states live in the bucket beside the marts, lake ls shows them', async () => {
    // Short windows, so the history of 2025-01-08 … 10 is complete in a 12-day lake.
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(cwd, 'short.json'), JSON.stringify({ name: 'short', marts: { customer: [{ name: 'c_n_{n}d', kind: 'count', windows: [1, 3] }, { name: 'c_days_{n}d', kind: 'active_days', windows: [3] }], terminal: [{ name: 't_risk_{n}d', kind: 'fraud_share', windows: [2] }] }, features: ['tx_amount', 'c_n_3d', 't_risk_2d'] }));
    const r = await runCli(['marts', 'build', '--lake', 's3://lake/prod', '--features', join(cwd, 'short.json'), '--delay', '1', '--from', '2025-01-08', '--to', '2025-01-10', '--json'], { cwd, env });
    expect(r.code, r.stderr).toBe(0);
    expect((r.json!.days as { builder: string }[]).map((d) => d.builder)).toEqual(['full', 'incremental', 'incremental']);
    const all = await runCli(['lake', 'ls', '--lake', 's3://lake/prod', '--json'], { cwd, env });
    const short = (all.json!.datasets as { dataset: string; windowStates?: unknown }[]).find((d) => d.dataset === 'features/short/terminal');
    expect(short?.windowStates).toEqual({ partitions: 3, first: '2025-01-08', last: '2025-01-10' });
    // The same marts, built again in full, are the same bytes.
    const full = await runCli(['marts', 'build', '--lake', 's3://lake/prod', '--features', join(cwd, 'short.json'), '--delay', '1', '--date', '2025-01-10', '--overwrite', '--full', '--json'], { cwd, env });
    expect(full.json).toMatchObject({ builder: 'full', reason: 'customer: full builder asked (--full); terminal: full builder asked (--full)' });
  });

  it('copies S3 → local', async () => {
    const back = await runCli(['lake', 'sync', '--from', 's3://lake/prod', '--to', './back', '--dataset', 'features/customer', '--json'], { cwd, env });
    expect(back.code, back.stderr).toBe(0);
    expect(back.json).toMatchObject({ copied: 1, skipped: 0 });
    // The window states beside those marts (written by the builds above) are a cache: not copied.
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(cwd, 'back', 'features', 'customer', '_state'))).toBe(false);
    const ls = await runCli(['lake', 'ls', '--lake', './back', '--json'], { cwd, env });
    expect((ls.json!.datasets as { dataset: string; partitions: unknown[] }[]).filter((d) => d.partitions.length > 0).map((d) => d.dataset)).toEqual(['features/customer']);
  });

  it('runs the daily cycle on the S3 lake: marts build, train, score, daily; the scores land in the bucket', async () => {
    const s3lake = ['--lake', 's3://lake/prod']; // MLflow: the embedded file store ./mlruns
    const marts = await runCli(['marts', 'build', ...s3lake, '--from', '2025-01-07', '--to', '2025-01-10', '--allow-partial-history', '--json'], { cwd, env });
    expect(marts.code, marts.stderr).toBe(0);
    expect(marts.json).toMatchObject({ built: ['2025-01-07', '2025-01-08', '2025-01-09', '2025-01-10'] });

    // Train days 2025-01-08 and 09 (gap 1), test day 11: the marts of 07, 08 and 10.
    const train = await runCli(
      ['train', ...s3lake, '--test-day', '2025-01-11', '--gap', '1', '--allow-partial-history', '--days', '2', '--max-evals', '2', '--trees', '5:10', '--depth', '3:5', '--threads', '1', '--json'],
      { cwd, env },
    );
    expect(train.code, train.stderr).toBe(0);

    const score = await runCli(['score', ...s3lake, '--date', '2025-01-11', '--json'], { cwd, env });
    expect(score.code, score.stderr).toBe(0);
    const daily = await runCli(['daily', ...s3lake, '--date', '2025-01-12', '--allow-partial-history', '--json'], { cwd, env });
    expect(daily.code, daily.stderr).toBe(0);
    expect(daily.json).toMatchObject({ marts: { day: '2025-01-11', skipped: false, builder: 'full' } });
    // The lake's first 30 days cannot be carried forward: the reason says so.
    expect((daily.json!.marts as { reason: string }).reason).toMatch(/^customer: history incomplete \(no transactions of /);

    const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
    const { createS3Client } = await import('../../src/s3/client.js');
    const client = await createS3Client({ endpoint: s3.endpoint, region: 'us-east-1', pathStyle: true, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });
    for (const day of ['2025-01-11', '2025-01-12']) {
      const head = await client.send(new HeadObjectCommand({ Bucket: 'lake', Key: `prod/scores/date=${day}/data.parquet` }));
      expect(head.ContentLength).toBeGreaterThan(0);
    }

    // Back to local disk: one row per scored transaction of each day.
    const back = await runCli(['lake', 'sync', '--from', 's3://lake/prod', '--to', './scores-back', '--dataset', 'scores', '--json'], { cwd, env });
    expect(back.json).toMatchObject({ copied: 2 });
    const ls = await runCli(['lake', 'ls', '--lake', './scores-back', '--dataset', 'scores', '--json'], { cwd, env });
    const parts = (ls.json!.datasets as { partitions: { date: string; rows: number }[] }[])[0].partitions;
    const scored = (j: Record<string, unknown> | undefined) => (j as { transactions: number }).transactions;
    expect(parts).toEqual([
      { date: '2025-01-11', rows: scored(score.json) },
      { date: '2025-01-12', rows: scored(daily.json!.score as Record<string, unknown>) },
    ]);
    expect(parts[0].rows).toBeGreaterThan(0);
  }, 60_000);

  it('a missing day is exit 3', async () => {
    const r = await runCli(['marts', 'build', '--lake', 's3://lake/prod', '--date', '2025-02-01', '--allow-partial-history'], { cwd, env });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('s3://lake/prod lacks: 2025-02-01');
  });

  it('a wrong secret is refused by the server: exit 2 SignatureDoesNotMatch, and no secret is printed', async () => {
    const wrong = `${s3.secretAccessKey.slice(0, -4)}Xq42`;
    const r = await runCli(['lake', 'ls', '--lake', 's3://lake/prod', '--json'], { cwd, env: { ...env, AWS_SECRET_ACCESS_KEY: wrong } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SignatureDoesNotMatch');
    for (const text of [r.stdout, r.stderr]) {
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(s3.secretAccessKey);
    }
  });

  it('an unknown key id is exit 2 InvalidAccessKeyId, and neither key nor secret is printed', async () => {
    const bad = { ...env, AWS_ACCESS_KEY_ID: 'AKIAWRONGWRONG', AWS_SECRET_ACCESS_KEY: 'super-secret-value-123' };
    const r = await runCli(['lake', 'ls', '--lake', 's3://lake/prod', '--json'], { cwd, env: bad });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('InvalidAccessKeyId');
    for (const text of [r.stdout, r.stderr]) {
      expect(text).not.toContain('super-secret-value-123');
      expect(text).not.toContain('AKIAWRONGWRONG');
    }
  });

  it('a missing bucket is exit 2 naming it', async () => {
    const r = await runCli(['lake', 'sync', '--from', './local', '--to', 's3://no-such-bucket/x'], { cwd, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("S3 bucket 'no-such-bucket' does not exist");
  });

  it('--s3-mode httpfs without a loadable httpfs fails at once with exit 2 naming --duckdb-extension-dir', async () => {
    const t0 = Date.now();
    const r = await runCli(['lake', 'ls', '--lake', 's3://lake/prod', '--s3-mode', 'httpfs', '--duckdb-extension-dir', join(cwd, 'no-extensions')], { cwd, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot load the httpfs extension');
    expect(r.stderr).toContain('--duckdb-extension-dir');
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});
