import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDb, sqlString } from '../../src/lake/db.js';
import { runCli } from '../helpers/cli.js';
import { countRows, ingestCli, lakeDays, tempDir } from './helpers.js';

/**
 * A dump from `fraudctl simulate --format raw --inject-defects`: each defect kind on rows of its
 * own, at counts the simulator reports. Every count of the ingest must match them exactly.
 */
describe('ingest of a simulated dump with injected defects', () => {
  const dir = tempDir();
  const file = join(dir, 'sim.txt');
  let sim: Record<string, any>;
  let s: Record<string, any>;
  /** Genuine 0.00 amounts: the simulator rounds small draws to cents (the likely origin of the course's zero amounts too). */
  let naturalZeros: number;

  beforeAll(async () => {
    const r = await runCli(
      ['simulate', '--start', '2025-01-01', '--days', '10', '--customers', '2000', '--terminals', '1000', '--seed', '7',
        '--format', 'raw', '--out', file, '--inject-defects', '--defects-per-kind', '25', '--json'],
      { cwd: dir },
    );
    expect(r.code, r.stderr).toBe(0);
    sim = r.json!;
    // The same simulation without defects, into a lake: its zero amounts are the genuine ones.
    const clean = tempDir();
    const p = await runCli(
      ['simulate', '--start', '2025-01-01', '--days', '10', '--customers', '2000', '--terminals', '1000', '--seed', '7', '--lake', join(clean, 'lake'), '--json'],
      { cwd: clean },
    );
    expect(p.code, p.stderr).toBe(0);
    const db = await openDb({ threads: 1 });
    try {
      const [z] = await db.all<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet(${sqlString(join(clean, 'lake', 'transactions', '*', 'data.parquet'))}) WHERE tx_amount = 0`);
      naturalZeros = Number(z.n);
    } finally {
      db.close();
    }
    const i = await ingestCli(dir, [file, '--time-origin', '2025-01-01']);
    expect(i.code, i.stderr).toBe(0);
    s = i.json;
  });

  it('counts each reason exactly as injected', () => {
    const inj = sim.injected;
    expect(Object.values(inj).every((n) => n === 25)).toBe(true);
    expect(s.rowsRead).toBe(sim.rows);
    expect(s.duplicatesDropped).toBe(inj.duplicates);
    expect(s.hour24Fixed).toBe(inj.hour24);
    expect(s.timeSecondsMismatched).toBe(inj.wrongTimeSeconds);
    // The simulator keeps the old day's tx_time_days on 24:00:00 rows, as the course data does.
    expect(s.timeDaysMismatched).toBe(inj.hour24);
    expect(s.quarantinedByReason).toEqual({
      bad_transaction_id: 0,
      bad_datetime: 0,
      empty_terminal_id: inj.emptyTerminal,
      non_numeric_terminal_id: inj.errTerminal,
      terminal_id_out_of_range: inj.bigTerminal,
      bad_customer_id: 0,
      negative_customer_id: inj.negativeCustomer,
      bad_amount: 0,
      nonpositive_amount: inj.zeroAmount + naturalZeros,
      bad_fraud_label: 0,
      duplicate_transaction_id: 0,
    });
    expect(s.rowsKept + s.rowsQuarantined + s.duplicatesDropped).toBe(s.rowsRead);
    expect(s.rowsKept).toBe(sim.transactions - 5 * 25 - naturalZeros);
  });

  it('writes every kept and quarantined row to the lake', async () => {
    expect(await countRows(dir, 'transactions')).toBe(s.rowsKept);
    expect(await countRows(dir, 'quarantine')).toBe(s.rowsQuarantined);
    expect(s.rowsWritten).toBe(s.rowsKept);
    const days = lakeDays(dir, 'transactions');
    expect(days[0]).toBe('2025-01-01');
    // 10 simulated days, plus the next day when a 24:00:00 row fell on the last one.
    expect(days.length === 10 || (days.length === 11 && days[10] === '2025-01-11')).toBe(true);
    expect(s.days.written).toEqual(days);
  });

  it('leaves unique ids, valid terminals and customers, positive amounts, consistent counters', async () => {
    const db = await openDb({ threads: 2 });
    try {
      const [r] = await db.all<Record<string, bigint | number>>(`
        SELECT count(*) - count(DISTINCT transaction_id) AS repeated_ids,
          count(*) FILTER (WHERE terminal_id NOT BETWEEN 0 AND 999) AS bad_terminals,
          count(*) FILTER (WHERE customer_id < 0) AS bad_customers,
          count(*) FILTER (WHERE tx_amount <= 0) AS bad_amounts,
          count(*) FILTER (WHERE tx_time_seconds <> epoch(tx_datetime) - epoch(TIMESTAMP '2025-01-01')) AS bad_seconds,
          count(*) FILTER (WHERE tx_time_days <> CAST(tx_datetime AS DATE) - DATE '2025-01-01') AS bad_days,
          count(*) FILTER (WHERE CAST(tx_datetime AS DATE) <> CAST(date AS DATE)) AS wrong_partition
        FROM read_parquet(${sqlString(join(dir, 'lake', 'transactions', '*', 'data.parquet'))}, hive_partitioning = true)`);
      expect(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)]))).toEqual({
        repeated_ids: 0, bad_terminals: 0, bad_customers: 0, bad_amounts: 0, bad_seconds: 0, bad_days: 0, wrong_partition: 0,
      });
    } finally {
      db.close();
    }
  });
});
