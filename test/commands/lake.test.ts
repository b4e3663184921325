import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldDays } from '../../src/commands/lake.js';
import { openDb, sqlString, type Db } from '../../src/lake/db.js';
import { runCli } from '../helpers/cli.js';

interface Listing {
  dataset: string;
  partitions: { date: string; rows: number }[];
  rows: number;
  first: string | null;
  last: string | null;
  missing: string[];
}

describe('fraudctl lake ls', () => {
  const root = mkdtempSync(join(tmpdir(), 'fraudctl-lakels-'));
  const lake = join(root, 'lake');
  const part = (ds: string, day: string) => join(lake, ds, `date=${day}`);
  let db: Db;

  beforeAll(async () => {
    db = await openDb({ threads: 1 });
    const r = await runCli(['simulate', '--start', '2025-03-01', '--days', '7', '--customers', '200', '--terminals', '300', '--lake', lake]);
    expect(r.code).toBe(0);
    // Holes on the 3rd and on the 5th–6th.
    for (const d of ['2025-03-03', '2025-03-05', '2025-03-06']) rmSync(part('transactions', d), { recursive: true });
    // A customer mart partition of exactly 3 rows, and a stray directory that is not a partition.
    mkdirSync(part('features/customer', '2025-03-02'), { recursive: true });
    await db.run(`COPY (SELECT range AS customer_id FROM range(3)) TO ${sqlString(join(part('features/customer', '2025-03-02'), 'data.parquet'))} (FORMAT parquet)`);
    mkdirSync(join(lake, 'scores', 'date=2025-03-09'), { recursive: true });
    // A window state of the incremental builder beside the mart: listed apart, never as a mart partition.
    mkdirSync(part('features/customer/_state', '2025-03-02'), { recursive: true });
    await db.run(`COPY (SELECT range AS id FROM range(5)) TO ${sqlString(join(part('features/customer/_state', '2025-03-02'), 'data.parquet'))} (FORMAT parquet)`);
  });
  afterAll(() => {
    db.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('lists partitions with their row counts, the range and the missing days (--json)', async () => {
    const r = await runCli(['lake', 'ls', '--lake', lake, '--json']);
    expect(r.code).toBe(0);
    const sets = r.json!.datasets as Listing[];
    expect(sets.map((s) => s.dataset)).toEqual(['transactions', 'features/customer', 'features/terminal', 'scores', 'quarantine']);
    const tx = sets[0];
    expect(tx.partitions.map((p) => p.date)).toEqual(['2025-03-01', '2025-03-02', '2025-03-04', '2025-03-07']);
    expect([tx.first, tx.last]).toEqual(['2025-03-01', '2025-03-07']);
    expect(tx.missing).toEqual(['2025-03-03', '2025-03-05', '2025-03-06']);
    for (const p of tx.partitions) {
      const [c] = await db.all<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet(${sqlString(join(part('transactions', p.date), 'data.parquet'))})`);
      expect(p.rows).toBe(Number(c.n));
      expect(p.rows).toBeGreaterThan(0);
    }
    expect(tx.rows).toBe(tx.partitions.reduce((s, p) => s + p.rows, 0));
    expect(sets[1]).toEqual({ dataset: 'features/customer', spec: 'handbook', entity: 'customer', partitions: [{ date: '2025-03-02', rows: 3 }], rows: 3, first: '2025-03-02', last: '2025-03-02', missing: [], windowStates: { partitions: 1, first: '2025-03-02', last: '2025-03-02' } });
    // An empty directory is no partition.
    expect(sets[3]).toEqual({ dataset: 'scores', partitions: [], rows: 0, first: null, last: null, missing: [] });
  });

  it('prints a table per dataset, and only the one asked for', async () => {
    const r = await runCli(['lake', 'ls', '--lake', lake, '--dataset', 'transactions']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/transactions: 4 partitions, 2025-03-01 … 2025-03-07/);
    expect(r.stdout).toMatch(/2025-03-04\s+\d+\n/);
    expect(r.stdout).toContain('missing days (3): 2025-03-03, 2025-03-05..2025-03-06');
    expect(r.stdout).not.toContain('features/customer');
    const marts = await runCli(['lake', 'ls', '--lake', lake, '--dataset', 'features/customer']);
    expect(marts.stdout).toContain("window states (features/customer/_state, the incremental builder's cache): 1 day, 2025-03-02 … 2025-03-02");
  });

  it('exits 2 on an unknown dataset, naming the allowed ones', async () => {
    const r = await runCli(['lake', 'ls', '--lake', lake, '--dataset', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('transactions, features/customer, features/terminal, scores, quarantine');
  });

  it('shows an empty lake as empty', async () => {
    mkdirSync(join(root, 'empty'));
    const r = await runCli(['lake', 'ls', '--lake', join(root, 'empty'), '--json']);
    expect(r.code).toBe(0);
    expect((r.json!.datasets as Listing[]).every((s) => s.partitions.length === 0)).toBe(true);
  });

  it('a lake that does not exist is exit 2 naming it, and is not created', async () => {
    const r = await runCli(['lake', 'ls', '--lake', join(root, 'typo')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`fraudctl: lake ${join(root, 'typo')} does not exist`);
    expect(existsSync(join(root, 'typo'))).toBe(false);
  });

  it('an unreadable partition is exit 3 naming every bad file, with the command that rewrites it', async () => {
    const bad = mkdtempSync(join(root, 'bad-'));
    cpSync(lake, bad, { recursive: true });
    writeFileSync(join(bad, 'transactions/date=2025-03-02/data.parquet'), 'not parquet');
    writeFileSync(join(bad, 'transactions/date=2025-03-04/data.parquet'), readFileSync(join(lake, 'transactions/date=2025-03-04/data.parquet')).subarray(0, 100));
    const r = await runCli(['lake', 'ls', '--lake', bad]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`2 unreadable partition file(s) (not parquet or truncated): ${join(bad, 'transactions/date=2025-03-02/data.parquet')}, ${join(bad, 'transactions/date=2025-03-04/data.parquet')}`);
    expect(r.stderr).toMatch(/hint: replace the day's partition: fraudctl ingest FILE --overwrite .* delete transactions\/date=2025-03-02/);
    rmSync(join(bad, 'transactions'), { recursive: true });
    writeFileSync(join(bad, 'features/customer/date=2025-03-02/data.parquet'), '');
    const mart = await runCli(['lake', 'ls', '--lake', bad, '--dataset', 'features/customer']);
    expect(mart.code).toBe(3);
    expect(mart.stderr).toContain('hint: rebuild that mart: fraudctl marts build --date 2025-03-02 --overwrite');
  });

  it('marts build on a lake that does not exist is exit 2 naming it; nothing is created', async () => {
    const r = await runCli(['marts', 'build', '--date', '2025-03-02', '--lake', join(root, 'nolake')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`lake ${join(root, 'nolake')} does not exist`);
    expect(existsSync(join(root, 'nolake'))).toBe(false);
  });

  it('folds consecutive days into ranges', () => {
    expect(foldDays(['2025-02-27', '2025-02-28', '2025-03-01', '2025-03-05'])).toEqual(['2025-02-27..2025-03-01', '2025-03-05']);
    expect(foldDays([])).toEqual([]);
  });
});
