import type { DuckDBMaterializedResult, DuckDBVector } from '@duckdb/node-api';
import type { Db } from '../lake/db.js';
import type { Dataset, Lake } from '../lake/lake.js';
import type { Logger } from '../log.js';
import { ExitCode, FraudctlError } from '../errors.js';
import { addDays, type Day } from '../util/dates.js';
import { formatDays, readFailure } from './dayList.js';
import { buildFeatureSql } from './featureSql.js';
import { buildMartsForDays } from './marts.js';
import { FEATURE_NAMES } from './spec.js';

export interface FeatureRows {
  day: Day;
  n: number;
  transactionId: BigInt64Array;
  txDatetimeMs: Float64Array;
  customerId: BigInt64Array;
  terminalId: BigInt64Array;
  txAmount: Float64Array;
  /** tx_fraud when the partition carries it for every row (undefined otherwise). */
  labels?: Uint8Array;
  /** FEATURE_NAMES order, length 15, each of length n. */
  columns: Float64Array[];
  /** Rows whose customer is absent from the customer mart of D-1 (features zero: no history). */
  noHistoryCustomers: number;
  noHistoryTerminals: number;
}

/**
 * Day D's transactions joined with the customer and terminal marts of D-1, as typed columns in the
 * partition's row order. Throws exit 3 naming every missing partition (a missing mart is an error,
 * never silent zeros).
 */
export async function loadFeatureRows(db: Db, lake: Lake, day: Day): Promise<FeatureRows> {
  const prev = addDays(day, -1);
  const needed: [Dataset, Day][] = [
    ['transactions', day],
    ['features/customer', prev],
    ['features/terminal', prev],
  ];
  const missing: string[] = [];
  for (const [ds, d] of needed) if (!(await lake.has(ds, d))) missing.push(lake.partitionUri(ds, d));
  if (missing.length > 0) {
    const martsMissing = missing.length > 1 || !missing[0].includes('transactions');
    throw new FraudctlError(`features of ${day} need partitions that are missing: ${missing.join(', ')}`, ExitCode.Data, {
      hint: martsMissing ? `build the marts first: fraudctl marts build --date ${prev}` : `ingest or simulate ${day} first`,
      details: { missing },
    });
  }
  const [txPath] = await lake.pathsForRead('transactions', [day]);
  const [custPath] = await lake.pathsForRead('features/customer', [prev]);
  const [termPath] = await lake.pathsForRead('features/terminal', [prev]);
  let result: DuckDBMaterializedResult;
  try {
    const cols = await db.all<{ column_name: string }>(`DESCRIBE SELECT * FROM read_parquet($p)`, { p: txPath });
    const withLabels = cols.some((c) => c.column_name === 'tx_fraud');
    const { sql, params } = buildFeatureSql({ transactionsPath: txPath, customerMartPath: custPath, terminalMartPath: termPath, withLabels });
    result = await db.conn.run(sql, params);
  } catch (e) {
    throw readFailure(e, `features of ${day}`);
  }
  return toFeatureRows(day, result);
}

/** Copies the materialized result into typed arrays, vector by vector (no row objects). */
function toFeatureRows(day: Day, result: DuckDBMaterializedResult): FeatureRows {
  const n = result.rowCount;
  const names = result.columnNames();
  const withLabels = names.includes('label');
  const rows: FeatureRows = {
    day,
    n,
    transactionId: new BigInt64Array(n),
    txDatetimeMs: new Float64Array(n),
    customerId: new BigInt64Array(n),
    terminalId: new BigInt64Array(n),
    txAmount: new Float64Array(n),
    labels: withLabels ? new Uint8Array(n) : undefined,
    columns: FEATURE_NAMES.map(() => new Float64Array(n)),
    noHistoryCustomers: 0,
    noHistoryTerminals: 0,
  };
  const first = names.indexOf('tx_amount');
  let labelsComplete = withLabels;
  let offset = 0;
  for (let c = 0; c < result.chunkCount; c += 1) {
    const chunk = result.getChunk(c);
    const size = chunk.rowCount;
    const vec = (name: string) => chunk.getColumnVector(names.indexOf(name));
    copyBigInts(vec('transaction_id'), rows.transactionId, offset, size, 'transaction_id', day);
    copyNumbers(vec('tx_ms'), rows.txDatetimeMs, offset, size, 'tx_datetime', day);
    copyBigInts(vec('customer_id'), rows.customerId, offset, size, 'customer_id', day);
    copyBigInts(vec('terminal_id'), rows.terminalId, offset, size, 'terminal_id', day);
    for (let f = 0; f < FEATURE_NAMES.length; f += 1) copyNumbers(chunk.getColumnVector(first + f), rows.columns[f], offset, size, FEATURE_NAMES[f], day);
    rows.noHistoryCustomers += countTrue(vec('cust_missing'), size);
    rows.noHistoryTerminals += countTrue(vec('term_missing'), size);
    if (labelsComplete) {
      const v = vec('label') as DuckDBVector<number>;
      for (let i = 0; i < size; i += 1) {
        const x = v.getItem(i);
        if (x === null) labelsComplete = false;
        else rows.labels![offset + i] = x;
      }
    }
    offset += size;
  }
  rows.txAmount.set(rows.columns[0]);
  if (!labelsComplete) rows.labels = undefined;
  return rows;
}

function nullError(column: string, day: Day): FraudctlError {
  return new FraudctlError(`transactions of ${day}: ${column} is null in some rows; ingest must drop or fix them`, ExitCode.Data);
}

function copyNumbers(v: DuckDBVector, out: Float64Array, offset: number, size: number, column: string, day: Day): void {
  const vec = v as DuckDBVector<number>;
  for (let i = 0; i < size; i += 1) {
    const x = vec.getItem(i);
    if (x === null) throw nullError(column, day);
    out[offset + i] = x;
  }
}

function copyBigInts(v: DuckDBVector, out: BigInt64Array, offset: number, size: number, column: string, day: Day): void {
  const vec = v as DuckDBVector<bigint>;
  for (let i = 0; i < size; i += 1) {
    const x = vec.getItem(i);
    if (x === null) throw nullError(column, day);
    out[offset + i] = x;
  }
}

function countTrue(v: DuckDBVector, size: number): number {
  const vec = v as DuckDBVector<boolean>;
  let k = 0;
  for (let i = 0; i < size; i += 1) if (vec.getItem(i) === true) k += 1;
  return k;
}

export interface EnsureMartsOptions {
  build: boolean;
  delay: number;
  allowPartialHistory: boolean;
  log: Logger;
}

/**
 * Makes sure the customer and terminal marts of each mart day exist: builds the missing ones
 * (logging 'building missing marts …'), or with build = false throws exit 3 listing every
 * missing mart partition.
 */
export async function ensureMarts(db: Db, lake: Lake, martDays: Day[], opts: EnsureMartsOptions): Promise<{ built: Day[] }> {
  const days = [...new Set(martDays)].sort();
  const missing: string[] = [];
  const todo: Day[] = [];
  for (const day of days) {
    const gaps = [];
    for (const ds of ['features/customer', 'features/terminal'] as const) if (!(await lake.has(ds, day))) gaps.push(lake.partitionUri(ds, day));
    if (gaps.length > 0) todo.push(day);
    missing.push(...gaps);
  }
  if (todo.length === 0) return { built: [] };
  if (!opts.build) {
    throw new FraudctlError(`marts missing for ${formatDays(todo)}: ${missing.join(', ')}`, ExitCode.Data, {
      hint: `build them: fraudctl marts build ${todo.length === 1 ? `--date ${todo[0]}` : `--from ${todo[0]} --to ${todo[todo.length - 1]}`}`,
      details: { missing },
    });
  }
  opts.log.info({ days: todo }, `building missing marts for ${formatDays(todo)}`);
  await buildMartsForDays(db, lake, todo, { delay: opts.delay, allowPartialHistory: opts.allowPartialHistory, overwrite: false, log: opts.log });
  return { built: todo };
}
