import type { DuckDBDataChunk, DuckDBType } from '@duckdb/node-api';
import { sqlString, type Db } from '../lake/db.js';
import type { Day } from '../util/dates.js';
import type { DayBatch } from './generateDays.js';
import { duckdbModule } from '../lake/duckdbModule.js';

/** Rows per DuckDB data chunk (DuckDB's vector size). */
const CHUNK_ROWS = 2048;
const STAGE_TABLE = 'sim_day';

type Column = Int32Array | Float64Array | Int8Array;

/**
 * Moves one day's columns into DuckDB in bulk (appender + data chunks, never SQL per row), then
 * writes the transactions parquet file with the lake schema (DESIGN.md §2). The staging table holds
 * only what varies per row, in narrow types; the BIGINT id (table rowid + the day's first id), the
 * timestamp, the counters from the start date and tx_fraud are derived in the COPY, which DuckDB
 * runs off the JS thread — so the caller can generate the next day meanwhile.
 */
export class DayWriter {
  private staged: DayBatch | undefined;
  private full: DuckDBDataChunk | undefined;

  private constructor(
    private readonly db: Db,
    private readonly start: Day,
    private readonly createChunk: (n: number) => DuckDBDataChunk,
  ) {}

  static async open(db: Db, start: Day): Promise<DayWriter> {
    const duck = duckdbModule();
    const types: DuckDBType[] = [duck.INTEGER, duck.INTEGER, duck.INTEGER, duck.DOUBLE, duck.TINYINT];
    return new DayWriter(db, start, (n) => duck.DuckDBDataChunk.create(types, n));
  }

  /** Loads the batch into the staging table. Must not overlap a running `copyTo` (same connection). */
  async stage(b: DayBatch): Promise<void> {
    await this.db.run(`CREATE OR REPLACE TABLE ${STAGE_TABLE} (customer_id INTEGER, terminal_id INTEGER, time_of_day INTEGER, tx_amount DOUBLE, scenario TINYINT)`);
    const appender = await this.db.conn.createAppender(STAGE_TABLE);
    try {
      const cols: Column[] = [b.customerId, b.terminalId, b.timeOfDay, b.amount, b.scenario];
      for (let from = 0; from < b.size; from += CHUNK_ROWS) {
        const n = Math.min(CHUNK_ROWS, b.size - from);
        // The appender copies a chunk's rows, so one full chunk is refilled again and again
        // (a third faster than a new chunk per 2048 rows); the last, partial one is its own.
        const chunk = n === CHUNK_ROWS ? (this.full ??= this.createChunk(CHUNK_ROWS)) : this.createChunk(n);
        for (let c = 0; c < cols.length; c++) setColumn(chunk, c, cols[c].subarray(from, from + n));
        appender.appendDataChunk(chunk);
      }
    } finally {
      appender.closeSync();
    }
    this.staged = b;
  }

  /**
   * Writes the staged day as parquet at `path`. DuckDB's work is dispatched synchronously by this
   * call and runs on its own thread; the promise settles when the file is complete.
   */
  copyTo(path: string): Promise<void> {
    const b = this.staged;
    if (!b) throw new Error('DayWriter.copyTo called before stage');
    this.staged = undefined;
    const base = b.dayIndex * 86_400;
    // Insertion order is preserved (DuckDB's default), so rowid order is the batch's row order.
    return this.db.run(`COPY (
      SELECT CAST(rowid + ${b.firstTransactionId} AS BIGINT) AS transaction_id,
             TIMESTAMP ${sqlString(`${this.start} 00:00:00`)} + to_seconds(CAST(${base} + time_of_day AS BIGINT)) AS tx_datetime,
             CAST(customer_id AS BIGINT) AS customer_id,
             CAST(terminal_id AS BIGINT) AS terminal_id,
             tx_amount,
             CAST(${base} + time_of_day AS BIGINT) AS tx_time_seconds,
             CAST(${b.dayIndex} AS INTEGER) AS tx_time_days,
             CAST(scenario > 0 AS TINYINT) AS tx_fraud,
             scenario AS tx_fraud_scenario
      FROM ${STAGE_TABLE}
    ) TO ${sqlString(path)} (FORMAT parquet)`);
  }
}

/** Drops the staging table (for a session that lives on after the simulation). */
export async function dropStage(db: Db): Promise<void> {
  await db.run(`DROP TABLE IF EXISTS ${STAGE_TABLE}`);
}

/**
 * Fills one column of a chunk from a typed-array view. The vector keeps its values in a typed
 * array of the same kind; when it does, one bulk `set` replaces a checked `setItem` per value (4×
 * faster measured). Otherwise (another library version) the public per-value path is used.
 */
function setColumn(chunk: DuckDBDataChunk, c: number, values: Column): void {
  const vector = chunk.getColumnVector(c) as unknown as { items?: unknown; flush(): void };
  const items = vector.items;
  if (items instanceof values.constructor && (items as Column).length === values.length) {
    (items as Column).set(values as never);
    vector.flush();
  } else {
    chunk.setColumnValues(c, values as unknown as number[]);
  }
}
