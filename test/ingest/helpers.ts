import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, sqlString } from '../../src/lake/db.js';
import { RAW_HEADER } from '../../src/ingest/rawFormat.js';
import { runCli, type CliResult } from '../helpers/cli.js';

export { RAW_HEADER };

export function tempDir(prefix = 'fraudctl-ingest-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a raw dump: the header line, then the given data lines, '\n'-terminated. */
export function writeRaw(dir: string, name: string, lines: string[], header = RAW_HEADER): string {
  const path = join(dir, name);
  writeFileSync(path, `${[header, ...lines].join('\n')}\n`);
  return path;
}

/** `fraudctl ingest … --json` with the lake and the temp dir inside `dir`. */
export async function ingestCli(dir: string, args: string[]): Promise<CliResult & { json: Record<string, any> }> {
  const r = await runCli(['ingest', '--lake', join(dir, 'lake'), '--tmp-dir', join(dir, 'tmp'), '--json', ...args], { cwd: dir });
  return r as CliResult & { json: Record<string, any> };
}

/** Rows of one partition, as plain JS values (BIGINT → bigint), or undefined when it does not exist. */
export async function readPartition(dir: string, ds: 'transactions' | 'quarantine', day: string, orderBy = 'ALL'): Promise<Record<string, unknown>[] | undefined> {
  const path = join(dir, 'lake', ds, `date=${day}`, 'data.parquet');
  if (!existsSync(path)) return undefined;
  const db = await openDb({ threads: 1 });
  try {
    return await db.all(`SELECT * FROM read_parquet(${sqlString(path)}, hive_partitioning = false) ORDER BY ${orderBy}`);
  } finally {
    db.close();
  }
}

/** Column name → DuckDB type of a partition file. */
export async function partitionSchema(dir: string, ds: string, day: string): Promise<Record<string, string>> {
  const db = await openDb({ threads: 1 });
  try {
    const rows = await db.all<{ column_name: string; column_type: string }>(
      `DESCRIBE SELECT * FROM read_parquet(${sqlString(join(dir, 'lake', ds, `date=${day}`, 'data.parquet'))}, hive_partitioning = false)`,
    );
    return Object.fromEntries(rows.map((r) => [r.column_name, r.column_type]));
  } finally {
    db.close();
  }
}

/** Days with a partition of the dataset in the test lake. */
export function lakeDays(dir: string, ds: 'transactions' | 'quarantine'): string[] {
  const root = join(dir, 'lake', ds);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => d.startsWith('date=') && existsSync(join(root, d, 'data.parquet')))
    .map((d) => d.slice(5))
    .sort();
}

/** Row count of a whole dataset (all its partitions). */
export async function countRows(dir: string, ds: 'transactions' | 'quarantine'): Promise<number> {
  if (lakeDays(dir, ds).length === 0) return 0;
  const db = await openDb({ threads: 1 });
  try {
    const [r] = await db.all<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet(${sqlString(join(dir, 'lake', ds, '*', 'data.parquet'))})`);
    return Number(r.n);
  } finally {
    db.close();
  }
}
