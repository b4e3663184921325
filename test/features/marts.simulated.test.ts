import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, readParquetList, type Db } from '../../src/lake/db.js';
import { LocalLake } from '../../src/lake/localLake.js';
import { dayRange } from '../../src/util/dates.js';
import { runCli } from '../helpers/cli.js';
import { martDiff, readMart } from './helpers/marts.js';
import { oracleCustomerMart, oracleTerminalMart } from './helpers/oracle.js';
import { tmpLakeDir, type TxLake } from './helpers/txLake.js';

/** The marts of a lake written by `fraudctl simulate` (the handbook simulator) against the oracle. */
describe('marts of a simulated lake agree with the oracle', () => {
  let db: Db;
  const root = tmpLakeDir();
  const tx: TxLake = new Map();

  beforeAll(async () => {
    const sim = await runCli(['simulate', '--start', '2025-01-01', '--days', '45', '--customers', '300', '--terminals', '200', '--radius', '15', '--seed', '4', '--lake', root], { cwd: root });
    expect(sim.code, sim.stderr).toBe(0);
    db = await openDb({ threads: 2 });
    const lake = new LocalLake(root);
    for (const day of await lake.listDays('transactions')) {
      const rows = await db.all<{ id: bigint; ms: bigint; customer: bigint; terminal: bigint; amount: number; fraud: number }>(
        `SELECT transaction_id AS id, epoch_ms(tx_datetime) AS ms, customer_id AS customer, terminal_id AS terminal, tx_amount AS amount, tx_fraud AS fraud
         FROM ${readParquetList(await lake.pathsForRead('transactions', [day]))}`,
      );
      tx.set(day, rows.map((r) => ({ id: Number(r.id), ms: Number(r.ms), customer: Number(r.customer), terminal: Number(r.terminal), amount: r.amount, fraud: r.fraud === 1 ? 1 : 0 })));
    }
  });
  afterAll(() => db?.close());

  it('every entity and feature of 2025-02-06 … 2025-02-14, plus a partial day', async () => {
    expect(tx.size).toBe(45);
    // The comparison means something: frauds in the terminal windows, customers with several days.
    expect([...oracleTerminalMart(tx, '2025-02-14', 7).values()].some((r) => r[5] > 0)).toBe(true);
    expect([...oracleCustomerMart(tx, '2025-02-14').values()].some((r) => r[2] > 1)).toBe(true);
    const build = await runCli(['marts', 'build', '--from', '2025-02-06', '--to', '2025-02-14', '--lake', root, '--json'], { cwd: root });
    expect(build.code, build.stderr).toBe(0);
    for (const day of dayRange('2025-02-06', '2025-02-14')) {
      expect(martDiff(await readMart(db, root, 'customer', day), oracleCustomerMart(tx, day)), `customer ${day}`).toBeUndefined();
      expect(martDiff(await readMart(db, root, 'terminal', day), oracleTerminalMart(tx, day, 7)), `terminal ${day}`).toBeUndefined();
    }
    const partial = await runCli(['marts', 'build', '--date', '2025-01-15', '--allow-partial-history', '--lake', root], { cwd: root });
    expect(partial.code).toBe(0);
    expect(martDiff(await readMart(db, root, 'terminal', '2025-01-15'), oracleTerminalMart(tx, '2025-01-15', 7))).toBeUndefined();
  }, 120_000);
});
