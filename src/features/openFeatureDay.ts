import type { Db } from '../lake/db.js';
import type { Dataset, Lake } from '../lake/lake.js';
import { ExitCode, FraudctlError } from '../errors.js';
import { addDays, type Day } from '../util/dates.js';
import { readFailure } from './dayList.js';
import type { FeatureSpec } from './featureSpec.js';
import { martDataset } from './loadFeatureSpec.js';

/** A day whose features can be read: its partitions found and its transactions checked (openFeatureDay). */
export interface FeatureDay {
  day: Day;
  /** Rows of the transactions partition. */
  n: number;
  /** Whether every row has a tx_fraud label. */
  withLabels: boolean;
  transactionsPath: string;
  martPaths: Partial<Record<'customer' | 'terminal', string>>;
}

/**
 * The checks of loadFeatureRows before its query: every partition present (exit 3 naming each
 * missing one), the transactions' columns there and not NULL; gives the day's row count, so a
 * caller can size a window's columns before reading any day.
 */
export async function openFeatureDay(db: Db, lake: Lake, day: Day, spec: FeatureSpec): Promise<FeatureDay> {
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
  const [transactionsPath] = await lake.pathsForRead('transactions', [day]);
  const martPaths: FeatureDay['martPaths'] = {};
  for (const m of spec.marts) [martPaths[m.entity]] = await lake.pathsForRead(martDataset(spec, m.entity), [prev]);
  try {
    const { rows: n, withLabels } = await checkTransactions(db, transactionsPath, day);
    return { day, n, withLabels, transactionsPath, martPaths };
  } catch (e) {
    throw readFailure(e, `features of ${day}`);
  }
}

/**
 * Fails (exit 3) when a column the features need holds NULL; returns whether every row has a
 * tx_fraud label. After this the feature query has no NULL anywhere (marts are COALESCEd).
 */
export async function checkTransactions(db: Db, txPath: string, day: Day): Promise<{ rows: number; withLabels: boolean }> {
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
