import { readParquetList, sqlString, type Db } from '../lake/db.js';
import type { Lake } from '../lake/lake.js';
import { ExitCode, FraudctlError } from '../errors.js';
import type { Day } from '../util/dates.js';
import { readFailure } from './dayList.js';
import { CUSTOMER_MART, TERMINAL_MART, windowBounds, windowEnd } from './martSql.js';
import { WINDOWS } from './spec.js';

export interface MartFeature {
  name: string;
  value: number;
  /** Inclusive transaction days the value covers. */
  from: Day;
  to: Day;
}

export interface MartEntityView {
  day: Day;
  mart: 'customer' | 'terminal';
  id: string;
  /** False when the entity has no transaction in the 30-day window: every feature is 0. */
  found: boolean;
  /** The label delay the terminal mart was built with (null for the customer mart). */
  delay: number | null;
  /** Transaction days the mart's windows lacked when it was built (--allow-partial-history). */
  missingHistory: Day[];
  features: MartFeature[];
  uri: string;
}

/** One entity's row of the customer or terminal mart of `day`, with the window of each value. */
export async function showMartEntity(db: Db, lake: Lake, day: Day, mart: 'customer' | 'terminal', id: bigint): Promise<MartEntityView> {
  const kind = mart === 'customer' ? CUSTOMER_MART : TERMINAL_MART;
  const uri = lake.partitionUri(kind.dataset, day);
  if (!(await lake.has(kind.dataset, day))) {
    throw new FraudctlError(`no ${mart} mart for ${day} in ${lake.uri}`, ExitCode.Data, { hint: `build it first: fraudctl marts build --date ${day}` });
  }
  const [path] = await lake.pathsForRead(kind.dataset, [day]);
  let meta: Record<string, string>;
  let rows: Record<string, unknown>[];
  try {
    const kv = await db.all<{ k: string; v: string }>(`SELECT CAST(key AS VARCHAR) AS k, CAST(value AS VARCHAR) AS v FROM parquet_kv_metadata(${sqlString(path)})`);
    meta = Object.fromEntries(kv.map((r) => [r.k, r.v]));
    rows = await db.all(`SELECT * FROM ${readParquetList([path])} WHERE ${kind.entity} = $id`, { id });
  } catch (e) {
    throw readFailure(e, `${mart} mart of ${day} (${uri})`);
  }
  const delay = mart === 'terminal' ? Number(meta['fraudctl.delay'] ?? NaN) : null;
  if (delay !== null && !Number.isInteger(delay)) throw new FraudctlError(`${uri} does not record its label delay: rebuild it with fraudctl marts build --date ${day} --overwrite`, ExitCode.Data);
  const bounds = windowBounds(windowEnd(kind, day, delay ?? 0));
  const row = rows[0];
  const features = WINDOWS.flatMap((n) =>
    [`${kind.prefix}_nb_tx_${n}d`, `${kind.prefix}_${kind.mean}_${n}d`].map((name) => ({
      name,
      value: row ? Number(row[name]) : 0,
      from: bounds[n][0],
      to: bounds[n][1],
    })),
  );
  const missing = meta['fraudctl.missing_history'];
  return { day, mart, id: id.toString(), found: row !== undefined, delay, missingHistory: missing ? missing.split(',') : [], features, uri };
}
