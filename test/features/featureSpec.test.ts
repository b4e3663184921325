import { describe, expect, it } from 'vitest';
import { exprToSql, parseExpr } from '../../src/features/expression.js';
import { featureNames } from '../../src/features/featureSpec.js';
import { presetSpec, PRESET_NAMES } from '../../src/features/loadFeatureSpec.js';
import { parseFeatureSpec } from '../../src/features/parseFeatureSpec.js';
import { FEATURE_NAMES } from '../../src/features/spec.js';
import { FraudctlError } from '../../src/errors.js';

describe('feature specs', () => {
  it('the handbook preset is the 15 historical features, its marts the historical column order', () => {
    const h = presetSpec('handbook');
    expect(featureNames(h)).toEqual(FEATURE_NAMES);
    expect(featureNames(h)).toHaveLength(15);
    expect(h.marts.find((m) => m.entity === 'customer')!.columns.map((c) => c.name)).toEqual(['cust_nb_tx_1d', 'cust_avg_amount_1d', 'cust_nb_tx_7d', 'cust_avg_amount_7d', 'cust_nb_tx_30d', 'cust_avg_amount_30d']);
    expect(h.marts.find((m) => m.entity === 'terminal')!.columns.every((c) => c.lagged)).toBe(true);
  });

  it('every preset: label-reading columns are lagged; union = handbook then seed, tx_amount once', () => {
    for (const p of PRESET_NAMES) for (const m of presetSpec(p).marts) for (const c of m.columns) if (c.kind.startsWith('fraud_')) expect(c.lagged, `${p} ${c.name}`).toBe(true);
    const u = featureNames(presetSpec('union'));
    expect(u.slice(0, 15)).toEqual(FEATURE_NAMES);
    expect(u).toHaveLength(24);
    expect(u.filter((n) => n === 'tx_amount')).toHaveLength(1);
  });

  it('the hash covers content, not the name; a JSON round trip keeps it', () => {
    const seed = presetSpec('seed');
    expect(seed.hash).toMatch(/^[0-9a-f]{12}$/);
    const input = JSON.parse(JSON.stringify(seed.input));
    expect(parseFeatureSpec(input, 'copy').hash).toBe(seed.hash);
    expect(parseFeatureSpec({ ...input, name: 'renamed' }, 'copy').hash).toBe(seed.hash);
    input.marts.customer[0].windows = [6];
    input.features = input.features.map((f: unknown) => (f === 'cust_nb_tx_7d' ? 'cust_nb_tx_6d' : f));
    const changed = JSON.parse(JSON.stringify(input).replaceAll('cust_nb_tx_7d', 'cust_nb_tx_6d'));
    expect(parseFeatureSpec(changed, 'changed').hash).not.toBe(seed.hash);
  });

  it('a spec cannot read tx_fraud without the delay, nor anywhere else', () => {
    const base = { name: 'x', features: ['tx_amount'] };
    const err = (input: unknown) => {
      try {
        parseFeatureSpec(input, 'test');
      } catch (e) {
        expect((e as FraudctlError).exitCode).toBe(2);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(err({ ...base, marts: { terminal: [{ name: 'r', kind: 'fraud_days', windows: [7], lagged: false }] } })).toContain('always lagged');
    expect(err({ ...base, marts: { terminal: [{ name: 'r', kind: 'sum', column: 'tx_fraud', windows: [7] }] } })).toContain('over tx_amount only');
    expect(err({ ...base, marts: { terminal: [{ name: 'r', kind: 'count', windows: [7] }] }, features: [{ name: 'y', expr: 'tx_fraud + r' }] })).toContain('unknown column(s) tx_fraud');
    expect(err({ ...base, marts: { terminal: [{ name: 'tx_fraud', kind: 'count', windows: [7] }] } })).toContain('not allowed');
    expect(parseFeatureSpec({ ...base, marts: { terminal: [{ name: 'r', kind: 'fraud_share', windows: [7] }] } }, 't').marts[0].columns[0].lagged).toBe(true);
  });

  it('expressions: precedence, unary minus, and x / 0 = 0 in the SQL', () => {
    const col = (n: string) => n;
    expect(exprToSql(parseExpr('a - b * -c'), col)).toBe('(a - (b * (-c)))');
    expect(exprToSql(parseExpr('(a - b) / c'), col)).toBe('(CASE WHEN c = 0 THEN CAST(0 AS DOUBLE) ELSE (a - b) / c END)');
    expect(exprToSql(parseExpr('2.5e1 * a'), col)).toBe('(CAST(25 AS DOUBLE) * a)');
    expect(() => parseExpr('a +')).toThrow(/ends early at character 4/);
    expect(() => parseExpr('a b')).toThrow(/unexpected "b" at character 3/);
    expect(() => parseExpr('a ; b')).toThrow(/unexpected ";"/);
  });
});
