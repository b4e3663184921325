import type { Db } from './db.js';

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
  const duck = await import('@duckdb/node-api');
  const types = { BIGINT: duck.BIGINT, DOUBLE: duck.DOUBLE, INTEGER: duck.INTEGER, TINYINT: duck.TINYINT };
  await db.run(`CREATE OR REPLACE TEMP TABLE ${table} (${columns.map((c) => `${c.name} ${c.type}`).join(', ')})`);
  const n = columns[0]?.values.length ?? 0;
  if (columns.some((c) => c.values.length !== n)) throw new Error(`appendColumns(${table}): columns differ in length`);
  const appender = await db.conn.createAppender(table);
  try {
    for (let off = 0; off < n; off += CHUNK) {
      const m = Math.min(CHUNK, n - off);
      const chunk = duck.DuckDBDataChunk.create(columns.map((c) => types[c.type]), m);
      columns.forEach((c, i) => chunk.setColumnValues(i, Array.from(c.values.subarray(off, off + m) as ArrayLike<number | bigint>) as (number | bigint)[]));
      appender.appendDataChunk(chunk);
    }
  } finally {
    appender.closeSync();
  }
}
