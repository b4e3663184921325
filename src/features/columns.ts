import type { DuckDBDataChunk, DuckDBResult, DuckDBVector } from '@duckdb/node-api';

/**
 * Fast copies of DuckDB result columns into typed arrays. `@duckdb/node-api` keeps each DOUBLE or
 * BIGINT vector's data in a typed array (`items`) but exposes it only item by item; getItem over
 * 1.5 M rows × 20 columns costs seconds, the typed array a few milliseconds. The typed array is
 * used when it is there and has the expected shape, getItem otherwise, so a library change costs
 * speed, never correctness. Callers guarantee the columns hold no NULL (the values behind a NULL
 * slot are undefined).
 */
function itemsOf<T extends Float64Array | BigInt64Array>(v: DuckDBVector, kind: { new (n: number): T }, size: number): T {
  const items = (v as unknown as { items?: unknown }).items;
  if (items instanceof kind && items.length === size) return items as T;
  const out = new kind(size);
  if (out instanceof Float64Array) for (let i = 0; i < size; i += 1) out[i] = Number(v.getItem(i));
  else for (let i = 0; i < size; i += 1) out[i] = BigInt(v.getItem(i) as bigint | number);
  return out;
}

/**
 * A result column and where its values go. A Uint8Array takes a DOUBLE column of small whole
 * numbers (0/1 flags, labels) a byte a row instead of eight; each value converts as
 * `Uint8Array.from` would convert it.
 */
export type ColumnSink = { column: number; out: Float64Array } | { column: number; out: BigInt64Array } | { column: number; out: Uint8Array };

/**
 * Copies result columns into `sinks` chunk by chunk (a streaming result is never held whole),
 * placing each row at the index its `positionColumn` (a BIGINT, e.g. parquet file_row_number)
 * names, so the query needs no ORDER BY. Returns the number of rows copied.
 */
export async function scatterColumns(result: DuckDBResult, positionColumn: number, sinks: ColumnSink[]): Promise<number> {
  const n = Math.min(...sinks.map((s) => s.out.length));
  return forEachChunk(result, (chunk) => void copyChunk(chunk, positionColumn, sinks, n));
}

/**
 * Calls `visit` on each chunk of a result in turn; returns the number of rows. The next chunk is
 * asked for before `visit` runs, so DuckDB makes it on its threads meanwhile (one fetch in
 * flight at a time; a chunk's data is its own).
 */
export async function forEachChunk(result: DuckDBResult, visit: (chunk: DuckDBDataChunk) => void): Promise<number> {
  let rows = 0;
  let next = result.fetchChunk();
  try {
    for (;;) {
      const chunk = await next;
      if (!chunk || chunk.rowCount === 0) break;
      next = result.fetchChunk();
      visit(chunk);
      rows += chunk.rowCount;
    }
  } finally {
    // A visit that threw leaves a fetch in flight: let it end before the connection runs anything else.
    await next.catch(() => undefined);
  }
  return rows;
}

/** A DOUBLE (Float64Array) or BIGINT (BigInt64Array) column of a chunk, holding no NULL. */
export function chunkColumn<T extends Float64Array | BigInt64Array>(chunk: DuckDBDataChunk, column: number, kind: { new (n: number): T }): T {
  return itemsOf(chunk.getColumnVector(column), kind, chunk.rowCount);
}

/**
 * One chunk into the sinks at the rows its position column (< n) names; returns those rows.
 */
export function copyChunk(chunk: DuckDBDataChunk, positionColumn: number, sinks: ColumnSink[], n: number): Int32Array {
  const size = chunk.rowCount;
  const { at, consecutive } = chunkPositions(chunk, positionColumn, n);
  for (const sink of sinks) {
    const v = chunk.getColumnVector(sink.column);
    if (consecutive) {
      if (sink.out instanceof BigInt64Array) sink.out.set(itemsOf(v, BigInt64Array, size), at[0]);
      else sink.out.set(itemsOf(v, Float64Array, size), at[0]);
    } else if (!(sink.out instanceof BigInt64Array)) {
      const src = itemsOf(v, Float64Array, size);
      const out = sink.out;
      for (let i = 0; i < size; i += 1) out[at[i]] = src[i];
    } else {
      const src = itemsOf(v, BigInt64Array, size);
      const out = sink.out;
      for (let i = 0; i < size; i += 1) out[at[i]] = src[i];
    }
  }
  return at;
}

/**
 * The rows a chunk's position column (a BIGINT, each < n) names, and whether they are consecutive
 * (a scan in file order, the usual case: then a column is copied whole).
 */
export function chunkPositions(chunk: DuckDBDataChunk, positionColumn: number, n: number): { at: Int32Array; consecutive: boolean } {
  const size = chunk.rowCount;
  const pos = chunkColumn(chunk, positionColumn, BigInt64Array);
  const at = new Int32Array(size);
  let consecutive = true;
  for (let i = 0; i < size; i += 1) {
    const p = Number(pos[i]);
    if (!(p >= 0 && p < n)) throw new Error(`row position ${p} outside 0…${n - 1}`);
    at[i] = p;
    if (p !== at[0] + i) consecutive = false;
  }
  return { at, consecutive };
}
