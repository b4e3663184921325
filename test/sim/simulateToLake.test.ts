import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/lake/db.js';
import type { Dataset } from '../../src/lake/lake.js';
import { LocalLake } from '../../src/lake/localLake.js';
import { createLogger } from '../../src/log.js';
import { generateDays } from '../../src/sim/generateDays.js';
import { resolveSimParams } from '../../src/sim/params.js';
import { simulateToLake } from '../../src/sim/simulateToLake.js';

const log = createLogger({ level: 'silent', stream: new PassThrough() });

/** A local lake whose publication of one day fails after the file was produced (a failed upload). */
class FailingLake extends LocalLake {
  constructor(uri: string, private readonly failDay: string) {
    super(uri);
  }

  override async writePartition(ds: Dataset, day: string, produce: (tmp: string) => Promise<void>): Promise<void> {
    if (day !== this.failDay) return super.writePartition(ds, day, produce);
    return super.writePartition(ds, day, async (tmp) => {
      await produce(tmp);
      throw new Error('upload failed');
    });
  }
}

describe('simulateToLake', () => {
  const root = mkdtempSync(join(tmpdir(), 'fraudctl-simlake-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const params = resolveSimParams({ start: '2025-05-01', days: 4, customers: 300, terminals: 400, seed: 9 });

  it('writes what the generator yields, in a session it is given, and leaves that session clean', async () => {
    const db = await openDb({ threads: 1 });
    try {
      const s = await simulateToLake(params, { lake: new LocalLake(join(root, 'ok')), log, db });
      const sizes = [...generateDays(params)].map((b) => b.size);
      expect(s.transactions).toBe(sizes.reduce((a, b) => a + b, 0));
      const perDay = await db.all<{ n: bigint }>(
        `SELECT count(*) AS n FROM read_parquet('${join(root, 'ok')}/transactions/*/data.parquet', hive_partitioning = true) GROUP BY date ORDER BY date`,
      );
      expect(perDay.map((r) => Number(r.n))).toEqual(sizes);
      const tables = await db.all(`SELECT table_name FROM duckdb_tables()`);
      expect(tables).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('stops at a failed day: earlier days complete, the failed day absent, no temporary file left', async () => {
    const lake = new FailingLake(join(root, 'fail'), '2025-05-03');
    await expect(simulateToLake(params, { lake, log })).rejects.toThrow('upload failed');
    expect(await lake.listDays('transactions')).toEqual(['2025-05-01', '2025-05-02']);
    expect(readdirSync(join(root, 'fail', 'transactions', 'date=2025-05-03'))).toEqual([]);
  });
});
