import type { Db } from './db.js';
import { duckdbModule } from './duckdbModule.js';

export type ColumnType = 'BIGINT' | 'DOUBLE' | 'INTEGER' | 'TINYINT';
export interface Column {
  name: string;
  type: ColumnType;
  values: BigInt64Array | Float64Array | Int32Array | Uint8Array | Int8Array;
}

const CHUNK = 2048; // DuckDB's vector size

/**
 * Creates `table` and fills it from typed arrays in bulk (appender data chunks), never row by row.
 * All columns must have the same length.
 */
export async function appendColumns(db: Db, table: string, columns: Column[]): Promise<void> {
  const duck = duckdbModule();
  const types = { BIGINT: duck.BIGINT, DOUBLE: duck.DOUBLE, INTEGER: duck.INTEGER, TINYINT: duck.TINYINT };
  await db.run(`CREATE OR REPLACE TEMP TABLE ${table} (${columns.map((c) => `${c.name} ${c.type}`).join(', ')})`);
  const n = columns[0]?.values.length ?? 0;
  if (columns.some((c) => c.values.length !== n)) throw new Error(`appendColumns(${table}): columns differ in length`);
  const appender = await db.conn.createAppender(table);
  try {
    for (let off = 0; off < n; off += CHUNK) {
      const m = Math.min(CHUNK, n - off);
      const chunk = duck.DuckDBDataChunk.create(columns.map((c) => types[c.type]), m);
      columns.forEach((c, i) => fillColumn(chunk, i, c.values.subarray(off, off + m)));
      appender.appendDataChunk(chunk);
    }
  } finally {
    appender.closeSync();
  }
}

type ChunkVector = { items?: unknown; validity?: { data?: unknown }; flush?: () => void };

/**
 * One column of a fresh chunk from a typed array. `@duckdb/node-api` keeps a numeric vector's data
 * in a typed array (`items`) that `flush` copies to DuckDB, but exposes only `setColumnValues`,
 * which takes a JS array and sets item by item (boxing every bigint): seconds for a 2 M-row day.
 * When the vector has the expected shape and no null mask, the values are copied in one `set`;
 * otherwise the public path is taken, so a library change costs speed, never correctness.
 */
function fillColumn(chunk: { getColumnVector(i: number): unknown; setColumnValues(i: number, values: (number | bigint)[]): void }, i: number, values: Column['values']): void {
  const v = chunk.getColumnVector(i) as ChunkVector;
  const items = v.items as Column['values'] | undefined;
  if (items && items.constructor === values.constructor && items.length === values.length && v.validity?.data === null && typeof v.flush === 'function') {
    (items as Float64Array).set(values as Float64Array);
    v.flush();
    return;
  }
  chunk.setColumnValues(i, Array.from(values as ArrayLike<number | bigint>) as (number | bigint)[]);
}
