import type { DuckDBResult } from '@duckdb/node-api';
import type { Db } from '../lake/db.js';
import type { Dataset, Lake } from '../lake/lake.js';
import type { Logger } from '../log.js';
import { ExitCode, FraudctlError } from '../errors.js';
import { addDays, type Day } from '../util/dates.js';
import { formatDays, readFailure } from './dayList.js';
import { scatterColumns, type ColumnSink } from './columns.js';
import { buildFeatureSql } from './featureSql.js';
import { lookupFeatures } from './lookupFeatures.js';
import { featureNames, type FeatureSpec } from './featureSpec.js';
import { martDataset } from './loadFeatureSpec.js';
import { requireMatchingMarts } from './martMeta.js';
import { buildMartsForDays } from './marts.js';

export interface FeatureRows {
  day: Day;
  n: number;
  /** The transactions partition the rows were read from (row i is its file row i). */
  transactionsPath: string;
  transactionId: BigInt64Array;
  txDatetimeMs: Float64Array;
  /** With `fields: false` the next three are empty (length 0): the caller reads them from `transactionsPath`. */
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

export interface LoadFeatureOptions {
  /**
   * Copy each row's customer, terminal and amount into typed arrays (default true). `score`
   * passes false: it reads them back from the partition in DuckDB when it writes the scores, so
   * they never cross into JS (3 of the 24 result columns, ~45 MB at 1.9 M rows).
   */
  fields?: boolean;
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
  const prev = addDays(day, -1);
  const needed: [Dataset, Day][] = [['transactions', day], ...spec.marts.map((m) => [martDataset(spec, m.entity), prev] as [Dataset, Day])];
  const missing: string[] = [];
  for (const [ds, d] of needed) if (!(await lake.has(ds, d))) missing.push(lake.partitionUri(ds, d));
  if (missing.length > 0) {
    const martsMissing = missing.length > 1 || !missing[0].includes('transactions');
    throw new FraudctlError(`features of ${day} need partitions that are missing: ${missing.join(', ')}`, ExitCode.Data, {
      hint: martsMissing ? `build the marts first: fraudctl marts build --date ${prev} --features ${spec.name}` : `ingest or simulate ${day} first`,
      details: { missing },
    });
  }
  const [txPath] = await lake.pathsForRead('transactions', [day]);
  const martPaths: Partial<Record<'customer' | 'terminal', string>> = {};
  for (const m of spec.marts) [martPaths[m.entity]] = await lake.pathsForRead(martDataset(spec, m.entity), [prev]);
  try {
    const { rows: n, withLabels } = await checkTransactions(db, txPath, day);
    const names = featureNames(spec);
    const fields = opts.fields ?? true;
    if (opts.byId && !fields && !opts.columns) {
      const found = await lookupFeatures(db, spec, { day, n, transactionsPath: txPath, martPaths, withLabels, shared: opts.shared ?? false, onFilled: opts.onFilled });
      if (found) return { day, n, transactionsPath: txPath, customerId: new BigInt64Array(0), terminalId: new BigInt64Array(0), txAmount: new Float64Array(0), featureNames: names, ...found };
    }
    const { sql, params } = buildFeatureSql(spec, { transactionsPath: txPath, martPaths, withLabels });
    // Without the fields, the unused columns are projected away (DuckDB then never computes them).
    const query = fields ? sql : `SELECT file_row_number, transaction_id, tx_ms, cust_missing, term_missing, ${withLabels ? 'label, ' : ''}${names.join(', ')} FROM (${sql})`;
    return await toFeatureRows(day, n, txPath, await db.conn.stream(query, params), withLabels, names, fields, opts.shared ?? false, opts.columns);
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
    const labels = withLabels ? new Float64Array(n) : undefined;
    const sinks: ColumnSink[] = [
      { column: 1, out: out.transactionId },
      { column: 2, out: out.customerId },
      ...(labels ? [{ column: 3, out: labels }] : []),
    ];
    const copied = await scatterColumns(await db.conn.stream(sql, { p: txPath }), 0, sinks);
    if (copied !== n) throw new Error(`transactions of ${day}: ${copied} rows read for ${n}`);
    if (labels) out.labels = Uint8Array.from(labels);
    return out;
  } catch (e) {
    throw readFailure(e, `transactions of ${day}`);
  }
}

/**
 * Fails (exit 3) when a column the features need holds NULL; returns whether every row has a
 * tx_fraud label. After this the feature query has no NULL anywhere (marts are COALESCEd).
 */
async function checkTransactions(db: Db, txPath: string, day: Day): Promise<{ rows: number; withLabels: boolean }> {
  const cols = new Set((await db.all<{ column_name: string }>(`DESCRIBE SELECT * FROM read_parquet($p)`, { p: txPath })).map((c) => c.column_name));
  const required = ['transaction_id', 'tx_datetime', 'customer_id', 'terminal_id', 'tx_amount'];
  const absent = required.filter((c) => !cols.has(c));
  if (absent.length > 0) throw new FraudctlError(`transactions of ${day} lack the column(s) ${absent.join(', ')}`, ExitCode.Data, {
      hint: `the columns of a transactions partition are in README "The lake"; write partitions with fraudctl ingest or fraudctl simulate (see their --help)`,
    });
  const checked = cols.has('tx_fraud') ? [...required, 'tx_fraud'] : required;
  const [nulls] = await db.all<Record<string, bigint>>(`SELECT COUNT(*) AS n_rows, ${checked.map((c) => `COUNT(*) - COUNT(${c}) AS ${c}`).join(', ')} FROM read_parquet($p)`, { p: txPath });
  const bad = required.filter((c) => nulls[c] > 0n);
  if (bad.length > 0) throw new FraudctlError(`transactions of ${day}: ${bad.join(', ')} is null in some rows; ingest must drop or fix them`, ExitCode.Data);
  return { rows: Number(nulls.n_rows), withLabels: cols.has('tx_fraud') && nulls.tx_fraud === 0n };
}

/** Typed columns from the feature query, in the partition's row order (no row objects). */
async function toFeatureRows(day: Day, n: number, transactionsPath: string, result: DuckDBResult, withLabels: boolean, features: string[], fields: boolean, shared: boolean, into?: Float64Array[]): Promise<FeatureRows> {
  if (into && (into.length !== features.length || into.some((c) => c.length !== n))) throw new Error(`feature columns of ${day}: ${into.length} given for ${features.length} features of ${n} rows`);
  const names = result.columnNames();
  const col = (name: string) => names.indexOf(name);
  const m = fields ? n : 0;
  const rows: FeatureRows = {
    day,
    n,
    transactionsPath,
    transactionId: new BigInt64Array(n),
    txDatetimeMs: new Float64Array(n),
    customerId: new BigInt64Array(m),
    terminalId: new BigInt64Array(m),
    txAmount: new Float64Array(m),
    featureNames: features,
    columns: into ?? features.map(() => (shared ? new Float64Array(new SharedArrayBuffer(8 * n)) : new Float64Array(n))),
    noHistoryCustomers: 0,
    noHistoryTerminals: 0,
  };
  const custMissing = new Float64Array(n);
  const termMissing = new Float64Array(n);
  const labels = withLabels ? new Float64Array(n) : undefined;
  const sinks: ColumnSink[] = [
    { column: col('transaction_id'), out: rows.transactionId },
    { column: col('tx_ms'), out: rows.txDatetimeMs },
    { column: col('cust_missing'), out: custMissing },
    { column: col('term_missing'), out: termMissing },
    ...features.map((name, f) => ({ column: col(name), out: rows.columns[f] })),
  ];
  if (fields)
    sinks.push(
      { column: col('customer_id'), out: rows.customerId },
      { column: col('terminal_id'), out: rows.terminalId },
      { column: col('tx_raw_amount'), out: rows.txAmount },
    );
  if (labels) sinks.push({ column: col('label'), out: labels });
  const copied = await scatterColumns(result, col('file_row_number'), sinks);
  if (copied !== n) throw new Error(`feature query returned ${copied} rows for ${n} transactions`);
  for (let i = 0; i < n; i += 1) {
    rows.noHistoryCustomers += custMissing[i];
    rows.noHistoryTerminals += termMissing[i];
  }
  if (labels) rows.labels = Uint8Array.from(labels);
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
