import { rename } from 'node:fs/promises';
import { openDb, sqlString } from '../../src/lake/db.js';

/** Rewrites a parquet file in place with `select` over the view `src` (the file's old content). */
export async function rewritePartition(path: string, select: string): Promise<void> {
  const db = await openDb({ threads: 1 });
  try {
    await db.run(`CREATE VIEW src AS SELECT * FROM read_parquet(${sqlString(path)})`);
    await db.run(`COPY (${select}) TO ${sqlString(`${path}.new`)} (FORMAT parquet)`);
  } finally {
    db.close();
  }
  await rename(`${path}.new`, path);
}

/** Rows of a parquet file as plain objects. */
export async function readParquet<T = Record<string, unknown>>(path: string, query = 'SELECT * FROM src'): Promise<T[]> {
  const db = await openDb({ threads: 1 });
  try {
    await db.run(`CREATE VIEW src AS SELECT * FROM read_parquet(${sqlString(path)})`);
    return await db.all<T>(query);
  } finally {
    db.close();
  }
}
