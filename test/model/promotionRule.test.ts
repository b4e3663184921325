import { describe, expect, it } from 'vitest';
import type { PairedAucTest } from '../../src/model/delong.js';
import { decidePairedPromotion, type PromotionInput } from '../../src/model/promotionRule.js';

const test = (delta: number, z: number, pBetter: number): PairedAucTest => ({ aucA: 0.85 + delta, aucB: 0.85, delta, variance: 1e-4, deltaCi95: [delta - 0.02, delta + 0.02], z, pBetter, pWorse: 1 - pBetter, pTwoSided: 2 * Math.min(pBetter, 1 - pBetter) });
const base = (champion: PromotionInput['champion'], trainEnd = '2025-03-10'): PromotionInput => ({ challenger: { version: '2', auc: 0.87, trainEnd }, champion, alpha: 0.05, minAuc: 0.5 });

describe('the paired promotion rule', () => {
  it('a first champion is promoted; a chance-level one is not', () => {
    expect(decidePairedPromotion(base(undefined)).promote).toBe(true);
    expect(decidePairedPromotion({ ...base(undefined), challenger: { version: '2', auc: 0.5, trainEnd: '2025-03-10' } }).promote).toBe(false);
  });

  it('same train window: only a significant gain promotes, and the p-value is given', () => {
    const noise = decidePairedPromotion(base({ version: '1', trainEnd: '2025-03-10', comparison: test(0.01, 1.2, 0.115) }));
    expect(noise).toMatchObject({ promote: false, pValue: 0.115 });
    expect(noise.reason).toMatch(/not significantly better .* p = 0\.1150 ≥ α = 0\.05/);
    const gain = decidePairedPromotion(base({ version: '1', trainEnd: '2025-03-10', comparison: test(0.03, 2.5, 0.0062) }));
    expect(gain).toMatchObject({ promote: true, pValue: 0.0062 });
    expect(gain.reason).toMatch(/significantly better .*ΔAUC \+0\.0300/);
  });

  it('an older champion gives way to a fresher model that is not significantly worse, but not to a worse one', () => {
    const older = { version: '1', trainEnd: '2025-03-03' };
    expect(decidePairedPromotion(base({ ...older, comparison: test(-0.01, -1.0, 0.84) }))).toMatchObject({ promote: true, pValue: 0.16000000000000003 });
    const worse = decidePairedPromotion(base({ ...older, comparison: test(-0.04, -2.8, 0.9974) }));
    expect(worse.promote).toBe(false);
    expect(worse.reason).toMatch(/significantly worse/);
  });

  it('a backfill never promotes, even when it scores higher', () => {
    const d = decidePairedPromotion(base({ version: '1', trainEnd: '2025-03-20', comparison: test(0.05, 4, 3e-5) }));
    expect(d.promote).toBe(false);
    expect(d.reason).toMatch(/backfill/);
  });

  it('an unscorable champion is replaced, saying why; force wins', () => {
    expect(decidePairedPromotion(base({ version: '1', trainEnd: '2025-03-10', unscorable: 'model file missing' })).reason).toMatch(/cannot be scored .*model file missing/);
    expect(decidePairedPromotion({ ...base({ version: '1', trainEnd: '2025-03-20' }), force: true }).promote).toBe(true);
  });
});
