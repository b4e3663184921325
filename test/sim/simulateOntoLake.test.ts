import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb, sqlString } from '../../src/lake/db.js';
import { runCli } from '../helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'fraudctl-simonto-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const lake = join(root, 'lake');
const part = (d: string) => join(lake, 'transactions', `date=${d}`, 'data.parquet');
const digest = (d: string) => createHash('sha256').update(readFileSync(part(d))).digest('hex');
const SIZE = ['--customers', '200', '--terminals', '150', '--lake', lake];

describe('simulate onto a lake that already holds days', () => {
  it('a restart on another day is refused (exit 2) naming the range; continuing from the first day keeps ids and time consistent', async () => {
    expect((await runCli(['simulate', '--start', '2025-01-01', '--days', '4', ...SIZE])).code).toBe(0);
    const before = ['2025-01-01', '2025-01-02', '2025-01-03', '2025-01-04'].map(digest);

    const refused = await runCli(['simulate', '--start', '2025-01-05', '--days', '2', ...SIZE, '--json']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('already holds transactions from 2025-01-01 to 2025-01-04');
    expect(refused.stderr).toContain('--start 2025-01-01 --days 6');
    expect(refused.json).toMatchObject({ ok: false, exitCode: 2 });

    expect((await runCli(['simulate', '--start', '2025-01-01', '--days', '6', ...SIZE])).code).toBe(0);
    expect(['2025-01-01', '2025-01-02', '2025-01-03', '2025-01-04'].map(digest)).toEqual(before);
    const db = await openDb({ threads: 1 });
    try {
      const files = ['01', '02', '03', '04', '05', '06'].map((d) => sqlString(part(`2025-01-${d}`))).join(', ');
      const [r] = await db.all<{ n: bigint; ids: bigint; days: bigint; maxDay: number }>(
        `SELECT count(*) AS n, count(DISTINCT transaction_id) AS ids, count(DISTINCT tx_time_days) AS days, max(tx_time_days) AS maxDay FROM read_parquet([${files}])`,
      );
      expect(r.ids).toBe(r.n); // no duplicate transaction ids
      expect([Number(r.days), Number(r.maxDay)]).toEqual([6, 5]); // time continues: days 0 … 5
    } finally {
      db.close();
    }
  }, 120_000);
});
