import type { DuckDBResult } from '@duckdb/node-api';
import type { Db } from '../lake/db.js';
import type { Lake } from '../lake/lake.js';
import type { Logger } from '../log.js';
import { ExitCode, FraudctlError } from '../errors.js';
import type { Day } from '../util/dates.js';
import { formatDays, readFailure } from './dayList.js';
import { scatterColumns, type ColumnSink } from './columns.js';
import { buildFeatureSql } from './featureSql.js';
import { lookupFeatures } from './lookupFeatures.js';
import { featureNames, type FeatureSpec } from './featureSpec.js';
import { martDataset } from './loadFeatureSpec.js';
import { requireMatchingMarts } from './martMeta.js';
import { buildMartsForDays, sweepDeadMartTemps } from './marts.js';
import { checkTransactions, openFeatureDay, type FeatureDay } from './openFeatureDay.js';

export interface FeatureRows {
  day: Day;
  n: number;
  /** The transactions partition the rows were read from (row i is its file row i). */
  transactionsPath: string;
  /** The next five are empty (length 0) unless `fields` asked for them (LoadFeatureOptions). */
  transactionId: BigInt64Array;
  txDatetimeMs: Float64Array;
  customerId: BigInt64Array;
  terminalId: BigInt64Array;
  txAmount: Float64Array;
  /** The spec's feature names, the order of `columns`. */
  featureNames: string[];
  /** tx_fraud when the partition carries it for every row (undefined otherwise). */
  labels?: Uint8Array;
  /** featureNames order, each of length n. */
  columns: Float64Array[];
  /** Rows whose customer is absent from the customer mart of D-1 (features zero: no history). */
  noHistoryCustomers: number;
  noHistoryTerminals: number;
}

/** The per-row fields of FeatureRows besides the features and labels, each from one column of the feature query. */
export type RowField = 'transactionId' | 'txDatetimeMs' | 'customerId' | 'terminalId' | 'txAmount';
const FIELD_COLUMN: Record<RowField, string> = { transactionId: 'transaction_id', txDatetimeMs: 'tx_ms', customerId: 'customer_id', terminalId: 'terminal_id', txAmount: 'tx_raw_amount' };
const ALL_FIELDS = Object.keys(FIELD_COLUMN) as RowField[];
/**
 * `fields: false`, score's: it reads customer, terminal and amount back from the partition in
 * DuckDB when it writes the scores, so they never cross into JS (~45 MB at 1.9 M rows).
 */
const SCORE_FIELDS: RowField[] = ['transactionId', 'txDatetimeMs'];

export interface LoadFeatureOptions {
  /**
   * Which row fields to copy into typed arrays (default true: all; false: transaction ids and
   * times). A field not asked for is not computed by the query and comes back empty: train asks
   * for ids and cards only, 8 bytes a row for each field it leaves (60 MB a course-scale day).
   */
  fields?: boolean | readonly RowField[];
  /** Feature columns in shared memory (default false), so prediction workers read them in place (score). */
  shared?: boolean;
  /**
   * The feature columns to fill (featureNames order, each of length n): views into a window's
   * stacked table, so train reads a multi-day window without per-day columns and a stacking copy.
   */
  columns?: Float64Array[];
  /**
   * Pick each row's mart values by id in JS (lookupFeatures) instead of DuckDB's join: the same
   * values, a third of the time (score). Only with `fields: false` and no `columns`; marts whose
   * ids are not dense take the join.
   */
  byId?: boolean;
  /**
   * With byId: called as the feature columns fill, with how many leading rows are complete
   * (0 first, non-decreasing, n last), so prediction can start on them (score). The columns are
   * those returned unless the marts' ids send the load to the join (then the rows come in
   * other columns and the call ends at fewer than n).
   */
  onFilled?: (rows: number, columns: Float64Array[]) => void;
}

/**
 * Day D's transactions joined with the customer and terminal marts of D-1, as typed columns in the
 * partition's row order. Throws exit 3 naming every missing partition (a missing mart is an error,
 * never silent zeros).
 */
export async function loadFeatureRows(db: Db, lake: Lake, day: Day, spec: FeatureSpec, opts: LoadFeatureOptions = {}): Promise<FeatureRows> {
  return readFeatureDay(db, spec, await openFeatureDay(db, lake, day, spec), opts);
}

/** The feature query of a day openFeatureDay checked (loadFeatureRows' second half). */
export async function readFeatureDay(db: Db, spec: FeatureSpec, fd: FeatureDay, opts: LoadFeatureOptions = {}): Promise<FeatureRows> {
  const { day, withLabels } = fd;
  try {
    const names = featureNames(spec);
    if (opts.byId && opts.fields === false && !opts.columns) {
      const found = await lookupFeatures(db, spec, { ...fd, shared: opts.shared ?? false, onFilled: opts.onFilled });
      if (found) {
        const none = { customerId: new BigInt64Array(0), terminalId: new BigInt64Array(0), txAmount: new Float64Array(0) };
        return { day, n: fd.n, transactionsPath: fd.transactionsPath, ...none, featureNames: names, ...found };
      }
    }
    const { sql, params } = buildFeatureSql(spec, { transactionsPath: fd.transactionsPath, martPaths: fd.martPaths, withLabels });
    const fields = opts.fields === undefined || opts.fields === true ? ALL_FIELDS : opts.fields === false ? SCORE_FIELDS : opts.fields;
    // The columns not asked for are projected away (DuckDB then never computes them).
    const kept = ['file_row_number', ...fields.map((f) => FIELD_COLUMN[f]), 'cust_missing', 'term_missing', ...(withLabels ? ['label'] : []), ...names];
    const query = fields.length === ALL_FIELDS.length ? sql : `SELECT ${kept.join(', ')} FROM (${sql})`;
    return await toFeatureRows(fd, await db.conn.stream(query, params), names, new Set(fields), opts.shared ?? false, opts.columns);
  } catch (e) {
    throw readFailure(e, `features of ${day}`);
  }
}

/** What train's metrics read of an evaluation day: its ids, cards and labels in file row order. */
export type EvalFields = Pick<FeatureRows, 'day' | 'n' | 'transactionsPath' | 'transactionId' | 'customerId' | 'labels'>;

/**
 * An evaluation day's ids, cards and labels without its features (one scan of three columns, not
 * the feature query): train checks the test window and takes its drop masks from these before
 * the search and reads the features only after it. Rows in the partition's order, as
 * loadFeatureRows gives them; the same checks (exit 3 for a missing partition or a NULL).
 */
export async function loadEvalFields(db: Db, lake: Lake, day: Day): Promise<EvalFields> {
  if (!(await lake.has('transactions', day))) {
    throw new FraudctlError(`features of ${day} need partitions that are missing: ${lake.partitionUri('transactions', day)}`, ExitCode.Data, { hint: `ingest or simulate ${day} first` });
  }
  const [txPath] = await lake.pathsForRead('transactions', [day]);
  try {
    const { rows: n, withLabels } = await checkTransactions(db, txPath, day);
    const sql = `SELECT CAST(file_row_number AS BIGINT) AS file_row_number, CAST(transaction_id AS BIGINT) AS transaction_id, CAST(customer_id AS BIGINT) AS customer_id${withLabels ? ', CAST(tx_fraud AS DOUBLE) AS label' : ''} FROM read_parquet($p, file_row_number = true)`;
    const out: EvalFields = { day, n, transactionsPath: txPath, transactionId: new BigInt64Array(n), customerId: new BigInt64Array(n) };
    const labels = withLabels ? new Uint8Array(n) : undefined;
    const sinks: ColumnSink[] = [
      { column: 1, out: out.transactionId },
      { column: 2, out: out.customerId },
      ...(labels ? [{ column: 3, out: labels }] : []),
    ];
    const copied = await scatterColumns(await db.conn.stream(sql, { p: txPath }), 0, sinks);
    if (copied !== n) throw new Error(`transactions of ${day}: ${copied} rows read for ${n}`);
    if (labels) out.labels = labels;
    return out;
  } catch (e) {
    throw readFailure(e, `transactions of ${day}`);
  }
}

/** Typed columns from the feature query, in the partition's row order (no row objects). */
async function toFeatureRows(fd: FeatureDay, result: DuckDBResult, features: string[], fields: ReadonlySet<RowField>, shared: boolean, into?: Float64Array[]): Promise<FeatureRows> {
  const { day, n } = fd;
  if (into && (into.length !== features.length || into.some((c) => c.length !== n))) throw new Error(`feature columns of ${day}: ${into.length} given for ${features.length} features of ${n} rows`);
  const names = result.columnNames();
  const col = (name: string) => names.indexOf(name);
  const size = (f: RowField) => (fields.has(f) ? n : 0);
  const rows: FeatureRows = {
    day,
    n,
    transactionsPath: fd.transactionsPath,
    transactionId: new BigInt64Array(size('transactionId')),
    txDatetimeMs: new Float64Array(size('txDatetimeMs')),
    customerId: new BigInt64Array(size('customerId')),
    terminalId: new BigInt64Array(size('terminalId')),
    txAmount: new Float64Array(size('txAmount')),
    featureNames: features,
    columns: into ?? features.map(() => (shared ? new Float64Array(new SharedArrayBuffer(8 * n)) : new Float64Array(n))),
    noHistoryCustomers: 0,
    noHistoryTerminals: 0,
  };
  // Flags and labels are 0/1: a byte a row (DuckDB hands them over as DOUBLE).
  const custMissing = new Uint8Array(n);
  const termMissing = new Uint8Array(n);
  const labels = fd.withLabels ? new Uint8Array(n) : undefined;
  const sinks: ColumnSink[] = [
    { column: col('cust_missing'), out: custMissing },
    { column: col('term_missing'), out: termMissing },
    ...features.map((name, f) => ({ column: col(name), out: rows.columns[f] })),
    ...[...fields].map((f) => ({ column: col(FIELD_COLUMN[f]), out: rows[f] }) as ColumnSink),
  ];
  if (labels) sinks.push({ column: col('label'), out: labels });
  const copied = await scatterColumns(result, col('file_row_number'), sinks);
  if (copied !== n) throw new Error(`feature query returned ${copied} rows for ${n} transactions`);
  for (let i = 0; i < n; i += 1) {
    rows.noHistoryCustomers += custMissing[i];
    rows.noHistoryTerminals += termMissing[i];
  }
  if (labels) rows.labels = labels;
  return rows;
}

export interface EnsureMartsOptions {
  spec: FeatureSpec;
  /** How the spec was named on the command line (for hints). */
  specRef?: string;
  build: boolean;
  delay: number;
  allowPartialHistory: boolean;
  log: Logger;
}

/**
 * Makes sure the spec's marts of each mart day exist and were built with this spec and delay:
 * builds the missing ones (logging 'building missing marts …'), or with build = false throws
 * exit 3 listing every missing mart partition. An existing mart of another spec or delay is
 * refused (exit 3, naming both), never mixed in.
 */
export async function ensureMarts(db: Db, lake: Lake, martDays: Day[], opts: EnsureMartsOptions): Promise<{ built: Day[] }> {
  const days = [...new Set(martDays)].sort();
  const missing: string[] = [];
  const todo: Day[] = [];
  for (const day of days) {
    await requireMatchingMarts(db, lake, opts.spec, day, opts.delay, opts.specRef);
    const gaps = [];
    for (const m of opts.spec.marts) {
      const ds = martDataset(opts.spec, m.entity);
      if (!(await lake.has(ds, day))) gaps.push(lake.partitionUri(ds, day));
    }
    if (gaps.length > 0) todo.push(day);
    // A built day is not rebuilt, so what a killed build left beside its marts is swept here.
    else await sweepDeadMartTemps(lake, opts.spec, day);
    missing.push(...gaps);
  }
  if (todo.length === 0) return { built: [] };
  if (!opts.build) {
    throw new FraudctlError(`marts missing for ${formatDays(todo)}: ${missing.join(', ')}`, ExitCode.Data, {
      hint: `build them: fraudctl marts build ${todo.length === 1 ? `--date ${todo[0]}` : `--from ${todo[0]} --to ${todo[todo.length - 1]}`} --features ${opts.specRef ?? opts.spec.name}`,
      details: { missing },
    });
  }
  opts.log.info({ days: todo }, `building missing marts for ${formatDays(todo)}`);
  await buildMartsForDays(db, lake, todo, { spec: opts.spec, specRef: opts.specRef, delay: opts.delay, allowPartialHistory: opts.allowPartialHistory, overwrite: false, log: opts.log });
  return { built: todo };
}
