import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBTimestampValue } from '@duckdb/node-api';
import { afterAll, beforeAll } from 'vitest';
import { openDb, sqlString, type Db } from '../../../src/lake/db.js';
import { LocalLake } from '../../../src/lake/localLake.js';
import { addDays, dayToMs, type Day } from '../../../src/util/dates.js';
import { Rng } from '../../../src/util/rng.js';

/** One raw transaction as the tests think of it (the lake stores the DESIGN.md §2 columns). */
export interface TxRow {
  id: number;
  /** UTC epoch milliseconds, whole seconds. */
  ms: number;
  customer: number;
  terminal: number;
  amount: number;
  fraud: 0 | 1;
}

/** Transactions per partition day (the partition a row is written to is its day). */
export type TxLake = Map<Day, TxRow[]>;

export function tmpLakeDir(prefix = 'fraudctl-marts-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export const at = (day: Day, hh: number, mm = 0, ss = 0): number => dayToMs(day) + ((hh * 60 + mm) * 60 + ss) * 1000;

/**
 * Random transactions: `days` days from `start`, ids drawn from small pools so windows overlap,
 * about `txPerDay` a day (some days may get 0 when `emptyDays` names them), fraud at `fraudRate`.
 */
export function randomTxLake(o: { seed: number; start: Day; days: number; customers: number; terminals: number; txPerDay: number; fraudRate: number; emptyDays?: Day[] }): TxLake {
  const rng = new Rng(o.seed);
  const lake: TxLake = new Map();
  for (let i = 0; i < o.days; i += 1) {
    const day = addDays(o.start, i);
    const n = o.emptyDays?.includes(day) ? 0 : Math.floor(rng.uniform(0.5, 1.5) * o.txPerDay);
    const rows: TxRow[] = [];
    for (let k = 0; k < n; k += 1) {
      // Times are drawn independently of the id order, so ids are not chronological (DESIGN.md §2).
      rows.push({
        id: i * 1_000_000 + k,
        ms: dayToMs(day) + Math.floor(rng.next() * 86_400) * 1000,
        customer: Math.floor(rng.next() * o.customers),
        terminal: Math.floor(rng.next() * o.terminals),
        amount: Math.round(rng.uniform(1, 300) * 100) / 100,
        fraud: rng.next() < o.fraudRate ? 1 : 0,
      });
    }
    lake.set(day, rows);
  }
  return lake;
}

const ORIGIN_MS = Date.UTC(2019, 7, 22);

/** Writes one transactions partition with exactly the DESIGN.md §2 schema (an empty list → a 0-row file). */
export async function writeTxPartition(db: Db, root: string, day: Day, rows: TxRow[]): Promise<void> {
  await db.run(`CREATE OR REPLACE TABLE tx_out (transaction_id BIGINT, tx_datetime TIMESTAMP, customer_id BIGINT, terminal_id BIGINT, tx_amount DOUBLE,
    tx_time_seconds BIGINT, tx_time_days INTEGER, tx_fraud TINYINT, tx_fraud_scenario TINYINT)`);
  const app = await db.conn.createAppender('tx_out');
  for (const r of rows) {
    const secs = Math.floor((r.ms - ORIGIN_MS) / 1000);
    app.appendBigInt(BigInt(r.id));
    app.appendTimestamp(new DuckDBTimestampValue(BigInt(r.ms) * 1000n));
    app.appendBigInt(BigInt(r.customer));
    app.appendBigInt(BigInt(r.terminal));
    app.appendDouble(r.amount);
    app.appendBigInt(BigInt(secs));
    app.appendInteger(Math.floor(secs / 86_400));
    app.appendTinyInt(r.fraud);
    app.appendTinyInt(r.fraud ? 2 : 0);
    app.endRow();
  }
  app.closeSync();
  const final = join(root, 'transactions', `date=${day}`, 'data.parquet');
  mkdirSync(dirname(final), { recursive: true });
  await db.run(`COPY tx_out TO ${sqlString(`${final}.tmp`)} (FORMAT parquet)`);
  renameSync(`${final}.tmp`, final);
  await db.run('DROP TABLE tx_out');
}

export async function writeTxLake(db: Db, root: string, lake: TxLake): Promise<void> {
  for (const [day, rows] of lake) await writeTxPartition(db, root, day, rows);
}

export type RandomLakeOptions = Parameters<typeof randomTxLake>[0];

/** A random lake written once per test file: what the oracle suites share (filled in beforeAll). */
export interface RandomLakeFixture {
  db: Db;
  tx: TxLake;
  root: string;
  lake: LocalLake;
}

/**
 * Registers beforeAll/afterAll for the calling describe block: a 2-thread DuckDB session and the
 * random lake of `o` written to a fresh temporary directory, removed afterwards. Read the fields
 * inside tests (they are set once beforeAll has run).
 */
export function withRandomLake(o: RandomLakeOptions): RandomLakeFixture {
  const root = tmpLakeDir();
  const fx = { root, lake: new LocalLake(root) } as RandomLakeFixture;
  beforeAll(async () => {
    fx.db = await openDb({ threads: 2 });
    fx.tx = randomTxLake(o);
    await writeTxLake(fx.db, root, fx.tx);
  });
  afterAll(() => {
    fx.db?.close();
    rmSync(root, { recursive: true, force: true });
  });
  return fx;
}
