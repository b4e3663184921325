import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import { duckdbModule } from './duckdbModule.js';

export type Params = Record<string, DuckDBValue> | DuckDBValue[];

/** A DuckDB session. `@duckdb/node-api` is imported lazily so `fraudctl --help` never loads native code. */
export interface Db {
  readonly conn: DuckDBConnection;
  /** Rows as plain JS objects (BIGINT → bigint, DOUBLE → number, TIMESTAMP → DuckDBTimestampValue). */
  all<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T[]>;
  run(sql: string, params?: Params): Promise<void>;
  close(): void;
}

export interface DbOptions {
  threads?: number;
  /** Pre-filled extension directory for air-gapped hosts. */
  extensionDir?: string;
  memoryLimit?: string;
}

export async function openDb(opts: DbOptions = {}): Promise<Db> {
  const { DuckDBInstance } = duckdbModule();
  const options: Record<string, string> = {
    // Never reach for the network to fetch an extension: fail fast instead (air-gapped hosts, CI).
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  };
  if (opts.threads) options.threads = String(opts.threads);
  if (opts.extensionDir) options.extension_directory = opts.extensionDir;
  if (opts.memoryLimit) options.memory_limit = opts.memoryLimit;
  const instance: DuckDBInstance = await DuckDBInstance.create(':memory:', options);
  const conn = await instance.connect();
  return {
    conn,
    async all<T>(sql: string, params?: Params) {
      const reader = await conn.runAndReadAll(sql, params);
      return reader.getRowObjectsJS() as T[];
    },
    async run(sql: string, params?: Params) {
      await conn.run(sql, params);
    },
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** SQL string literal for a file path (paths cannot be bound as parameters in read_parquet lists). */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** `read_parquet([...])` over exact partition files. */
export function readParquetList(paths: string[]): string {
  return `read_parquet([${paths.map(sqlString).join(', ')}])`;
}
