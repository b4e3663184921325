import type { Db } from '../lake/db.js';
import { sqlString } from '../lake/db.js';
import { ExitCode, FraudctlError } from '../errors.js';
import { chunkColumn, chunkPositions, forEachChunk } from './columns.js';

/** A mart's columns in one row-major table, with an index from entity id to mart row. */
export interface MartIndex {
  /** The columns read: the order of gather's targets. */
  columns: readonly string[];
  /**
   * For ids[i] (a transaction's entity id), writes its mart row's values to into[c][at[i]], or 0
   * when the id is in no mart row (no history, as the SQL's COALESCE(…, 0)); returns how many
   * ids were in none.
   */
  gather(ids: Float64Array, at: Int32Array, into: Float64Array[]): number;
}

/** Ids up to this many times the mart's rows (or 2^20) are indexed by a dense array (4 bytes an id). */
const SPARSENESS = 4;
const MIN_RANGE = 1 << 20;

/**
 * Reads a mart's `columns` once (cast to DOUBLE, NULL → 0, as the feature SQL reads them) and
 * indexes its rows by `key`. Returns undefined when the ids are not non-negative integers in a
 * range a dense index covers (SPARSENESS); the caller then joins in DuckDB. A row with a NULL id
 * matches nothing (as in the join); an id held by two rows is refused (exit 3): a mart has one
 * row per entity, and a join would multiply that entity's transactions.
 */
export async function martIndex(db: Db, path: string, key: string, columns: string[], what: string, hint: string): Promise<MartIndex | undefined> {
  const [{ n: total }] = await db.all<{ n: bigint }>(`SELECT COUNT(*) AS n FROM read_parquet(${sqlString(path)})`);
  const m = Number(total);
  const k = columns.length;
  const ids = new Float64Array(m);
  // Row-major: transactions come in no order of their entity, and a row's values then share a
  // cache line or two (column-major was a miss per column and row).
  const table = new Float64Array(m * k);
  const sql = `SELECT CAST(file_row_number AS BIGINT), COALESCE(CAST(${key} AS DOUBLE), CAST('NaN' AS DOUBLE))${columns.map((c) => `, COALESCE(CAST(${c} AS DOUBLE), 0)`).join('')}
    FROM read_parquet(${sqlString(path)}, file_row_number = true)`;
  const read = await forEachChunk(await db.conn.stream(sql), (chunk) => {
    const size = chunk.rowCount;
    const { at } = chunkPositions(chunk, 0, m);
    const id = chunkColumn(chunk, 1, Float64Array);
    for (let i = 0; i < size; i++) ids[at[i]] = id[i];
    for (let c = 0; c < k; c++) {
      const v = chunkColumn(chunk, 2 + c, Float64Array);
      for (let i = 0; i < size; i++) table[at[i] * k + c] = v[i];
    }
  });
  if (read !== m) throw new Error(`${what}: ${read} rows read for ${m}`);

  let range = 0;
  for (let r = 0; r < m; r++) {
    const id = ids[r];
    if (id !== id) continue; // NULL id
    if (!(Number.isInteger(id) && id >= 0)) return undefined;
    if (id >= range) range = id + 1;
  }
  if (range > Math.max(MIN_RANGE, SPARSENESS * m)) return undefined;
  const index = new Int32Array(range).fill(-1);
  for (let r = 0; r < m; r++) {
    const id = ids[r];
    if (id !== id) continue;
    if (index[id] !== -1) throw new FraudctlError(`${what} (${path}) holds ${key} ${id} in more than one row`, ExitCode.Data, { hint });
    index[id] = r;
  }
  return {
    columns,
    gather(txIds, at, into) {
      if (into.length !== k) throw new Error(`${what}: ${into.length} targets for ${k} columns`);
      const size = txIds.length;
      const rows = new Int32Array(size);
      let missing = 0;
      for (let i = 0; i < size; i++) {
        const id = txIds[i];
        // An id outside the range, or not an integer, is in no mart row.
        const r = id >= 0 && id < range && Number.isInteger(id) ? index[id] : -1;
        rows[i] = r;
        if (r < 0) missing += 1;
      }
      // Column by column over the chunk: its table rows stay in cache for the k columns.
      for (let c = 0; c < k; c++) {
        const out = into[c];
        for (let i = 0; i < size; i++) {
          const r = rows[i];
          out[at[i]] = r >= 0 ? table[r * k + c] : 0;
        }
      }
      return missing;
    },
  };
}
