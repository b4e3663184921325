import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, sqlString, type Db } from '../../src/lake/db.js';
import { runCli } from '../helpers/cli.js';

/** `fraudctl simulate` (parquet lake) end to end, in-process. */
describe('fraudctl simulate', () => {
  const root = mkdtempSync(join(tmpdir(), 'fraudctl-sim-'));
  const base = ['simulate', '--start', '2025-01-01', '--days', '3', '--customers', '300', '--terminals', '500'];
  const sim = (lake: string, ...argv: string[]) => runCli([...base, '--lake', join(root, lake), ...argv], { cwd: root });
  const file = (lake: string, day: string) => join(root, lake, 'transactions', `date=${day}`, 'data.parquet');
  let db: Db;

  beforeAll(async () => {
    db = await openDb({ threads: 1 });
  });
  afterAll(() => {
    db.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** Rows of `a` not in `b` plus rows of `b` not in `a` (multisets). */
  async function diffRows(a: string, b: string): Promise<number> {
    const [r] = await db.all<{ n: bigint }>(
      `SELECT (SELECT count(*) FROM (SELECT * FROM read_parquet(${sqlString(a)}) EXCEPT ALL SELECT * FROM read_parquet(${sqlString(b)}))) +
              (SELECT count(*) FROM (SELECT * FROM read_parquet(${sqlString(b)}) EXCEPT ALL SELECT * FROM read_parquet(${sqlString(a)}))) AS n`,
    );
    return Number(r.n);
  }

  it('writes one partition per day with the lake schema and a --json summary', async () => {
    const r = await sim('a', '--seed', '42', '--json');
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ ok: true, start: '2025-01-01', end: '2025-01-03', days: 3, daysWritten: 3, daysSkipped: 0 });
    const s = r.json as { transactions: number; frauds: number; fraudRate: number; byScenario: { s1: number; s2: number; s3: number }; seconds: number; txPerSecond: number };
    expect(s.frauds).toBe(s.byScenario.s1 + s.byScenario.s2 + s.byScenario.s3);
    expect(s.fraudRate).toBeCloseTo(s.frauds / s.transactions, 12);
    expect(s.seconds).toBeGreaterThan(0);
    expect(typeof s.txPerSecond).toBe('number');
    expect(readdirSync(join(root, 'a', 'transactions')).sort()).toEqual(['date=2025-01-01', 'date=2025-01-02', 'date=2025-01-03']);
    // No temporary file is left next to the partitions.
    expect(readdirSync(join(root, 'a', 'transactions', 'date=2025-01-02'))).toEqual(['data.parquet']);

    const cols = await db.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file('a', '2025-01-02'))}, hive_partitioning = false)`);
    expect(cols.map((c) => `${c.column_name} ${c.column_type}`)).toEqual([
      'transaction_id BIGINT',
      'tx_datetime TIMESTAMP',
      'customer_id BIGINT',
      'terminal_id BIGINT',
      'tx_amount DOUBLE',
      'tx_time_seconds BIGINT',
      'tx_time_days INTEGER',
      'tx_fraud TINYINT',
      'tx_fraud_scenario TINYINT',
    ]);

    // Values agree with each other: counts, ids, time counters, labels.
    const all = `read_parquet([${['2025-01-01', '2025-01-02', '2025-01-03'].map((d) => sqlString(file('a', d))).join(', ')}])`;
    const [c] = await db.all<Record<string, bigint | number | boolean>>(`
      SELECT count(*) AS n, sum(tx_fraud) AS frauds, count(DISTINCT transaction_id) AS ids, min(transaction_id) AS min_id, max(transaction_id) AS max_id,
             bool_and(tx_time_seconds = epoch(tx_datetime) - epoch(TIMESTAMP '2025-01-01')) AS seconds_ok,
             bool_and(tx_time_days = datediff('day', DATE '2025-01-01', CAST(tx_datetime AS DATE))) AS days_ok,
             bool_and(tx_fraud = (tx_fraud_scenario > 0)::TINYINT) AS label_ok,
             bool_and(customer_id BETWEEN 0 AND 299 AND terminal_id BETWEEN 0 AND 499) AS ids_ok
      FROM ${all}`);
    expect(Number(c.n)).toBe(s.transactions);
    expect(Number(c.frauds)).toBe(s.frauds);
    expect(Number(c.ids)).toBe(s.transactions);
    expect([Number(c.min_id), Number(c.max_id)]).toEqual([0, s.transactions - 1]);
    expect(c).toMatchObject({ seconds_ok: true, days_ok: true, label_ok: true, ids_ok: true });
    // Transaction ids follow time within the run.
    const [o] = await db.all<{ bad: bigint }>(`SELECT count(*) AS bad FROM (SELECT tx_datetime < lag(tx_datetime) OVER (ORDER BY transaction_id) AS back FROM ${all}) WHERE back`);
    expect(Number(o.bad)).toBe(0);
  });

  it('gives identical parquet content for the same seed and different content for another seed', async () => {
    await sim('b', '--seed', '42');
    await sim('c', '--seed', '43');
    expect(await diffRows(file('a', '2025-01-03'), file('b', '2025-01-03'))).toBe(0);
    expect(await diffRows(file('a', '2025-01-03'), file('c', '2025-01-03'))).toBeGreaterThan(0);
  });

  it('skips an existing day (and says so), and replaces it with --overwrite', async () => {
    const skip = await sim('c', '--seed', '42', '--json', '--log-level', 'info');
    expect(skip.code).toBe(0);
    expect(skip.json).toMatchObject({ daysWritten: 0, daysSkipped: 3, skipped: ['2025-01-01', '2025-01-02', '2025-01-03'], transactions: 0 });
    expect(skip.stderr).toContain('partition exists, skipped');
    expect(await diffRows(file('a', '2025-01-01'), file('c', '2025-01-01'))).toBeGreaterThan(0); // still seed 43
    const over = await sim('c', '--seed', '42', '--overwrite', '--json');
    expect(over.json).toMatchObject({ daysWritten: 3, daysSkipped: 0 });
    expect(await diffRows(file('a', '2025-01-01'), file('c', '2025-01-01'))).toBe(0);
  });

  it('writes only the missing days of a longer run, with the ids of the full run', async () => {
    const r = await sim('b', '--seed', '42', '--days', '4', '--json');
    expect(r.json).toMatchObject({ daysWritten: 1, daysSkipped: 3 });
    const [m] = await db.all<{ lo: bigint }>(`SELECT min(transaction_id) AS lo FROM read_parquet(${sqlString(file('b', '2025-01-04'))})`);
    const [n] = await db.all<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet([${['01', '02', '03'].map((d) => sqlString(file('b', `2025-01-${d}`))).join(', ')}])`);
    expect(m.lo).toBe(n.n);
  });

  it('writes a day without transactions as an empty partition', async () => {
    // One customer and a radius far below the distance to any terminal: nobody can pay.
    const r = await runCli(['simulate', '--start', '2025-01-01', '--days', '2', '--customers', '1', '--terminals', '1', '--radius', '1e-9', '--lake', join(root, 'e'), '--json']);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ daysWritten: 2, transactions: 0, frauds: 0, fraudRate: null });
    const [c] = await db.all<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet(${sqlString(file('e', '2025-01-02'))})`);
    expect(Number(c.n)).toBe(0);
    const cols = await db.all<{ column_name: string }>(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file('e', '2025-01-02'))}, hive_partitioning = false)`);
    expect(cols.length).toBe(9);
  });

  it('stops between days on SIGTERM with exit 143, leaving no partial partition', async () => {
    const r = await runCli([...base, '--lake', join(root, 't')], { signal: AbortSignal.abort('SIGTERM') });
    expect(r.code).toBe(143);
    expect(r.stderr).toContain('interrupted by SIGTERM');
    expect(existsSync(join(root, 't', 'transactions'))).toBe(false);
  });

  it('prints human lines without --json', async () => {
    const r = await runCli([...base, '--days', '1', '--lake', join(root, 'h')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('simulated 2025-01-01 … 2025-01-01 (1 day)');
    expect(r.stdout).toMatch(/transactions [\d,]+, frauds [\d,]+ \(\d+\.\d{3} %\); by scenario 1 \/ 2 \/ 3: /);
    expect(r.stdout).toMatch(/tx\/s/);
  });
});

describe('fraudctl simulate: bad input exits 2 and writes nothing', () => {
  const root = mkdtempSync(join(tmpdir(), 'fraudctl-simbad-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const lake = join(root, 'lake');
  const cases: [string, string[], RegExp][] = [
    ['an impossible date', ['--start', '2025-02-30', '--days', '3'], /--start.*calendar date/],
    ['a negative count', ['--start', '2025-01-01', '--days', '3', '--customers', '-5'], /--customers.*integer from 1/],
    ['a zero count', ['--start', '2025-01-01', '--days', '0'], /--days.*integer from 1/],
    ['a non-integer count', ['--start', '2025-01-01', '--days', '2', '--terminals', '2.5'], /--terminals.*integer/],
    ['an unknown flag', ['--start', '2025-01-01', '--days', '2', '--bogus'], /unknown option '--bogus'/],
    ['a missing --start', ['--days', '2'], /--start/],
    ['a share above 1', ['--start', '2025-01-01', '--days', '2', '--customer-fraud-share', '1.5'], /--customer-fraud-share/],
    ['a negative radius', ['--start', '2025-01-01', '--days', '2', '--radius', '-1'], /--radius/],
    ['--out without --format raw', ['--start', '2025-01-01', '--days', '2', '--out', 'x.txt'], /--out is for --format raw/],
  ];
  for (const [what, argv, message] of cases) {
    it(`on ${what}`, async () => {
      const counts = argv.includes('--customers') ? [] : ['--customers', '50'];
      const r = await runCli(['simulate', ...argv, ...counts, '--lake', lake], { cwd: root });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(3);
      expect(existsSync(join(lake, 'transactions'))).toBe(false);
    });
  }

  it('on an unwritable lake (a path under a regular file)', async () => {
    const blocker = join(root, 'file');
    writeFileSync(blocker, 'not a directory');
    const r = await runCli(['simulate', '--start', '2025-01-01', '--days', '2', '--customers', '50', '--lake', join(blocker, 'lake')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not writable/);
  });
});
