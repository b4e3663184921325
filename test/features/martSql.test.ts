import { describe, expect, it } from 'vitest';
import { buildMartSql, CUSTOMER_MART, TERMINAL_MART, windowDays, windowEnd } from '../../src/features/martSql.js';
import { buildFeatureSql } from '../../src/features/featureSql.js';
import { historyDays, missingHistory } from '../../src/features/marts.js';

describe('mart SQL builders', () => {
  const parts = [
    { day: '2025-03-19', path: '/lake/a.parquet' },
    { day: '2025-03-13', path: '/lake/b.parquet' },
    { day: '2025-03-12', path: "/lake/o'c.parquet" },
  ];

  it('binds the mart date as a parameter, splices no date, and reads each file in one band', () => {
    const { sql, params } = buildMartSql(CUSTOMER_MART, { martDay: '2025-03-19', end: '2025-03-19', partitions: parts });
    expect(params).toEqual({ mart_day: '2025-03-19' });
    expect(sql).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    // 03-19 is the end day (band 1), 03-13 is end-6 (band 2), 03-12 is end-7 (band 3).
    const band = (k: number) => sql.slice(sql.indexOf(`b${k} AS (`), sql.indexOf(k < 3 ? `b${k + 1} AS (` : 'per_entity AS ('));
    expect(band(1)).toContain("read_parquet(['/lake/a.parquet'])");
    expect(band(2)).toContain("read_parquet(['/lake/b.parquet'])");
    expect(band(3)).toContain("read_parquet(['/lake/o''c.parquet'])");
    expect(sql).not.toContain('tx_fraud');
  });

  it('the terminal mart reads tx_fraud; the customer mart and the windows end where they should', () => {
    expect(buildMartSql(TERMINAL_MART, { martDay: '2025-03-19', end: '2025-03-12', partitions: parts }).sql).toContain('tx_fraud');
    expect(windowEnd(TERMINAL_MART, '2025-03-19', 7)).toBe('2025-03-12');
    expect(windowEnd(CUSTOMER_MART, '2025-03-19', 7)).toBe('2025-03-19');
    expect(windowDays('2025-03-19')).toHaveLength(30);
    expect(windowDays('2025-03-19')[0]).toBe('2025-02-18');
  });

  it('history of a day: D-29 … D and D-delay-29 … D-delay, 37 days with delay 7', () => {
    const days = historyDays('2025-03-19', 7);
    expect(days).toHaveLength(37);
    expect([days[0], days[36]]).toEqual(['2025-02-11', '2025-03-19']);
    expect(historyDays('2025-03-19', 0)).toHaveLength(30);
    expect(missingHistory('2025-03-19', 7, new Set(days.filter((d) => d !== '2025-03-01')))).toEqual(['2025-03-01']);
  });

  it('feature SQL splices no date and carries the label only when asked', () => {
    const input = { transactionsPath: '/l/t.parquet', customerMartPath: '/l/c.parquet', terminalMartPath: '/l/m.parquet' };
    expect(buildFeatureSql({ ...input, withLabels: true }).sql).toContain('AS label');
    expect(buildFeatureSql({ ...input, withLabels: false }).sql).not.toContain('AS label');
  });
});
