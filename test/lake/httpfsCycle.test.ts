import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { readParquet } from '../helpers/lake.js';
import { startS3Server, type S3ServerHandle } from '../helpers/s3server.js';

/**
 * The daily cycle on an S3 lake read by DuckDB's httpfs (the extension from PyPI, put into an
 * extension directory by scripts/duckdb-extensions.sh) against moto, which verifies the SigV4
 * signatures httpfs computes; the same cycle in sync mode on a copy of the lake must give the same
 * marts, the same model and the same scores.
 */
const root = resolve(import.meta.dirname, '..', '..');
let s3: S3ServerHandle;
let cwd: string;
let extDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'fraudctl-httpfs-'));
  extDir = execFileSync('bash', [join(root, 'scripts', 'duckdb-extensions.sh'), join(cwd, 'extensions')], { encoding: 'utf8' }).trim();
  s3 = await startS3Server(['lake']);
  env = { ...s3.env, FRAUDCTL_THREADS: '1', FRAUDCTL_CACHE_DIR: join(cwd, 'cache') };
  const sim = await runCli(['simulate', '--lake', './local', '--start', '2025-01-01', '--days', '12', '--customers', '300', '--terminals', '600', '--seed', '3', '--json'], { cwd, env });
  expect(sim.code, sim.stderr).toBe(0);
  for (const to of ['s3://lake/sync', 's3://lake/httpfs']) {
    const sync = await runCli(['lake', 'sync', '--from', './local', '--to', to, '--dataset', 'transactions', '--json'], { cwd, env });
    expect(sync.code, sync.stderr).toBe(0);
  }
}, 180_000);
afterAll(async () => {
  await s3?.close();
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

interface Cycle {
  marts: CliResult;
  train: CliResult;
  score: CliResult;
  daily: CliResult;
}

async function cycle(mode: 'sync' | 'httpfs'): Promise<Cycle> {
  const common = ['--lake', `s3://lake/${mode}`, '--s3-mode', mode, '--duckdb-extension-dir', extDir];
  const run = async (args: string[]) => {
    const r = await runCli([...args, ...common, '--json'], { cwd, env: { ...env, MLFLOW_TRACKING_URI: `./mlruns-${mode}` } });
    expect(r.code, `${args[0]} (${mode}): ${r.stderr.slice(-2000)}`).toBe(0);
    return r;
  };
  const marts = await run(['marts', 'build', '--from', '2025-01-07', '--to', '2025-01-10', '--allow-partial-history']);
  const train = await run(['train', '--test-day', '2025-01-11', '--gap', '1', '--allow-partial-history', '--days', '2', '--max-evals', '2', '--trees', '5:10', '--depth', '3:5', '--threads', '1', '--promote']);
  const score = await run(['score', '--date', '2025-01-11']);
  const daily = await run(['daily', '--date', '2025-01-12', '--allow-partial-history']);
  return { marts, train, score, daily };
}

/** The rows of one dataset partition of an S3 prefix, copied back to disk, in a stable order. */
async function rowsOf(prefix: string, dataset: string, day: string, orderBy: string): Promise<unknown[]> {
  const dest = join(cwd, `back-${prefix}`);
  const back = await runCli(['lake', 'sync', '--from', `s3://lake/${prefix}`, '--to', dest, '--dataset', dataset, '--from-date', day, '--to-date', day, '--overwrite', '--json'], { cwd, env });
  expect(back.code, back.stderr).toBe(0);
  // scored_at is the wall clock of the scoring run.
  const columns = dataset === 'scores' ? '* EXCLUDE (scored_at)' : '*';
  return readParquet(join(dest, dataset, `date=${day}`, 'data.parquet'), `SELECT ${columns} FROM src ORDER BY ${orderBy}`);
}

describe('the daily cycle with --s3-mode httpfs', () => {
  let sync: Cycle;
  let httpfs: Cycle;

  it('runs marts build, train, score and daily reading s3:// directly (no partition downloaded)', async () => {
    httpfs = await cycle('httpfs');
    for (const r of Object.values(httpfs)) {
      expect(r.stderr).toContain('S3 lake in httpfs mode');
      expect(r.stderr).not.toContain('S3 lake in sync mode');
      expect(r.stderr).not.toMatch(/"downloads":[1-9]/);
      expect(r.stderr).not.toContain(s3.secretAccessKey);
    }
  }, 240_000);

  it('gives the same marts, model metrics and scores as sync mode', async () => {
    sync = await cycle('sync');
    expect(sync.marts.stderr).toContain('S3 lake in sync mode');
    // Everything but timings, ids (each mode has its own MLflow store) and the lake's own prefix.
    expect(httpfs.score.json?.output).toBe('s3://lake/httpfs/scores/date=2025-01-11/data.parquet');
    const volatile = (k: string) => /seconds$/i.test(k) || ['runId', 'modelUri', 'output'].includes(k);
    const without = (j: unknown) => JSON.parse(JSON.stringify(j ?? {}, (k, v: unknown) => (volatile(k) ? undefined : v))) as unknown;
    const best = (c: Cycle) => without((c.train.json as { best: unknown }).best);
    expect(best(httpfs)).toEqual(best(sync));
    expect(best(httpfs)).toMatchObject({ metrics: { roc_auc: expect.any(Number) } });
    expect(without(httpfs.score.json)).toEqual(without(sync.score.json));
    expect(without(httpfs.daily.json)).toEqual(without(sync.daily.json));
    expect((httpfs.daily.json as { score: { transactions: number } }).score.transactions).toBeGreaterThan(0);

    for (const [dataset, day, order] of [
      ['features/customer', '2025-01-10', 'customer_id'],
      ['features/terminal', '2025-01-10', 'terminal_id'],
      ['scores', '2025-01-11', 'transaction_id'],
      ['scores', '2025-01-12', 'transaction_id'],
    ] as const) {
      const a = await rowsOf('httpfs', dataset, day, order);
      const b = await rowsOf('sync', dataset, day, order);
      expect(a.length, `${dataset} ${day}`).toBeGreaterThan(0);
      expect(a, `${dataset} ${day}`).toEqual(b);
    }
  }, 240_000);
});
