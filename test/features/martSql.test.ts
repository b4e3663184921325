import { describe, expect, it } from 'vitest';
import { buildFeatureSql } from '../../src/features/featureSql.js';
import { presetSpec, PRESET_NAMES } from '../../src/features/loadFeatureSpec.js';
import { historyDays, missingHistory } from '../../src/features/marts.js';
import { buildSpecMartSql, martHistoryDays } from '../../src/features/specMartSql.js';
import { duckdbDialect, sparkDialect } from '../../src/features/sqlDialect.js';
import { addDays } from '../../src/util/dates.js';

const handbook = presetSpec('handbook');
const mart = (spec: ReturnType<typeof presetSpec>, entity: 'customer' | 'terminal') => spec.marts.find((m) => m.entity === entity)!;

/** The CTEs of a generated query: name → body. */
function ctes(sql: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /^(\w+) AS \(\n([\s\S]*?)\n\)/gm;
  for (let m = re.exec(sql); m; m = re.exec(sql)) out.set(m[1], m[2]);
  return out;
}

describe('mart SQL builders', () => {
  const parts = [
    { day: '2025-03-19', path: '/lake/date=2025-03-19/a.parquet' },
    { day: '2025-03-13', path: '/lake/date=2025-03-13/b.parquet' },
    { day: '2025-03-12', path: "/lake/date=2025-03-12/o'c.parquet" },
  ];

  it('binds the mart date as a parameter, splices no date, and reads each file in one band (handbook customer)', () => {
    const { sql, params } = buildSpecMartSql(mart(handbook, 'customer'), { martDay: '2025-03-19', delay: 7, partitions: parts }, duckdbDialect);
    expect(params).toEqual({ mart_day: '2025-03-19' });
    expect(sql.replace(/date=\d{4}-\d{2}-\d{2}/g, '')).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    // 03-19 is the end day (band 1), 03-13 is end-6 (band 2), 03-12 is end-7 (band 3).
    const c = ctes(sql);
    expect(c.get('now_b1')).toContain("read_parquet(['/lake/date=2025-03-19/a.parquet'])");
    expect(c.get('now_b2')).toContain("read_parquet(['/lake/date=2025-03-13/b.parquet'])");
    expect(c.get('now_b3')).toContain("read_parquet(['/lake/date=2025-03-12/o''c.parquet'])");
    expect(sql).not.toContain('tx_fraud');
  });

  it.each(PRESET_NAMES)('%s: tx_fraud is read only behind the label delay, from no file after D-delay', (preset) => {
    const spec = presetSpec(preset);
    const D = '2025-03-19';
    for (const m of spec.marts) {
      const days = martHistoryDays(m, D, 7);
      const partitions = days.map((day) => ({ day, path: `/lake/date=${day}/data.parquet` }));
      for (const [name, body] of ctes(buildSpecMartSql(m, { martDay: D, delay: 7, partitions }, duckdbDialect).sql)) {
        if (!body.includes('tx_fraud')) continue;
        expect(name, `${preset} ${m.entity}`).toMatch(/^lag_/);
        const read = [...body.matchAll(/date=(\d{4}-\d{2}-\d{2})/g)].map((x) => x[1]);
        expect(read.length).toBeGreaterThan(0);
        expect(read.every((d) => d <= addDays(D, -7)), `${name} reads ${read.join(',')}`).toBe(true);
      }
    }
  });

  it('the spark dialect: parquet.`path` tables, :params, the day as a DATE literal, exact percentile', () => {
    const seed = presetSpec('seed');
    const days = martHistoryDays(mart(seed, 'terminal'), '2025-03-19', 7);
    const { sql } = buildSpecMartSql(mart(seed, 'terminal'), { martDay: '2025-03-19', delay: 7, partitions: days.map((day) => ({ day, path: `s3a://b/t/date=${day}/data.parquet` })) }, sparkDialect);
    expect(sql).toContain('CAST(:mart_day AS DATE)');
    expect(sql).not.toContain('$');
    expect(sql).toContain("SELECT *, DATE '2025-03-19' AS day FROM parquet.`s3a://b/t/date=2025-03-19/data.parquet`");
    expect(sql).toContain('percentile(CAST(tx_amount AS DOUBLE), 0.5)');
    expect(sql).not.toContain('read_parquet');
  });

  it('history of a day: D-29 … D and D-delay-29 … D-delay, 37 days with delay 7 (handbook); 14 for seed', () => {
    const days = historyDays('2025-03-19', 7);
    expect(days).toHaveLength(37);
    expect([days[0], days[36]]).toEqual(['2025-02-11', '2025-03-19']);
    expect(historyDays('2025-03-19', 0)).toHaveLength(30);
    expect(missingHistory('2025-03-19', 7, new Set(days.filter((d) => d !== '2025-03-01')))).toEqual(['2025-03-01']);
    const seed = historyDays('2025-03-19', 7, presetSpec('seed'));
    expect([seed.length, seed[0], seed[13]]).toEqual([14, '2025-03-06', '2025-03-19']);
  });

  it('feature SQL splices no date and carries the label only when asked', () => {
    const input = { transactionsPath: '/l/t.parquet', martPaths: { customer: '/l/c.parquet', terminal: '/l/m.parquet' } };
    expect(buildFeatureSql(handbook, { ...input, withLabels: true }).sql).toContain('AS label');
    expect(buildFeatureSql(handbook, { ...input, withLabels: false }).sql).not.toContain('AS label');
    expect(buildFeatureSql(handbook, { ...input, withLabels: false }).sql).not.toMatch(/\d{4}-\d{2}-\d{2}/);
  });
});
