import { describe, expect, it } from 'vitest';
import { generateDays, type DayBatch } from '../../src/sim/generateDays.js';
import { resolveSimParams, type SimParams } from '../../src/sim/params.js';
import { findAvailableTerminals, generateCustomers, generateTerminals } from '../../src/sim/profiles.js';
import { addBatch, emptyStats, fraudRate } from '../../src/sim/stats.js';

const small = (over: Partial<SimParams> = {}) =>
  resolveSimParams({ start: '2025-01-01', days: 40, customers: 600, terminals: 1500, seed: 7, ...over });

function collect(p: SimParams, order: 'time' | 'customer' = 'time'): DayBatch[] {
  return [...generateDays(p, { order })];
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26, error < 1.5e-7). */
function phi(z: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(z) / Math.SQRT2));
  const erf = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

describe('simulator statistics against the handbook book run (5000 customers, 10000 terminals, 183 days)', () => {
  // Handbook: 1,754,155 transactions, 0.837 % fraud, frauds by scenario 973 / 9,077 / 4,631.
  // A different generator, so not the same rows: the tolerances allow seed-to-seed spread
  // (measured over 8 seeds: ±2.5 % transactions, ±5 % fraud rate) and still fail on a wrong
  // window length, count or threshold.
  const p = resolveSimParams({ start: '2018-04-01', days: 183, customers: 5000, terminals: 10_000, seed: 42 });
  const stats = emptyStats();
  for (const b of generateDays(p)) addBatch(stats, b);

  it('has about as many transactions as the book run, and the expected rate per customer-day', () => {
    expect(Math.abs(stats.transactions / 1_754_155 - 1)).toBeLessThan(0.03);
    // E[Poisson rate] = 2 with rate ~ U(0,4); a time is kept when 1 <= N(43200, 20000) < 86400.
    const kept = phi((86_400 - 43_200) / 20_000) - phi((1 - 43_200) / 20_000);
    expect(kept).toBeCloseTo(0.9692, 3);
    const perCustomerDay = stats.transactions / (5000 * 183);
    expect(Math.abs(perCustomerDay / (2 * kept) - 1)).toBeLessThan(0.03);
  });

  it('has the book run fraud rate and scenario counts', () => {
    expect(fraudRate(stats)!).toBeGreaterThan(0.00837 * 0.92);
    expect(fraudRate(stats)!).toBeLessThan(0.00837 * 1.08);
    expect(Math.abs(stats.byScenario.s1 / 973 - 1)).toBeLessThan(0.15);
    expect(Math.abs(stats.byScenario.s2 / 9077 - 1)).toBeLessThan(0.06);
    expect(Math.abs(stats.byScenario.s3 / 4631 - 1)).toBeLessThan(0.12);
    expect(stats.frauds).toBe(stats.byScenario.s1 + stats.byScenario.s2 + stats.byScenario.s3);
  });
});

describe('simulator rules', () => {
  const p = small();
  const days = collect(p);
  const customers = generateCustomers(p.customers, p.seed);
  const terminals = generateTerminals(p.terminals, p.seed);

  it('keeps times strictly inside the day, amounts in cents, terminals strictly within the radius', () => {
    let bad = 0;
    let rows = 0;
    for (const b of days) {
      for (let i = 0; i < b.size; i++) {
        const c = b.customerId[i];
        const t = b.terminalId[i];
        const ok =
          b.timeOfDay[i] > 0 &&
          b.timeOfDay[i] < 86_400 &&
          b.amount[i] >= 0 &&
          Math.abs(b.amount[i] * 100 - Math.round(b.amount[i] * 100)) < 1e-6 &&
          Math.hypot(customers.x[c] - terminals.x[t], customers.y[c] - terminals.y[t]) < p.radius;
        if (!ok) bad++;
        rows++;
      }
    }
    expect(rows).toBeGreaterThan(10_000);
    expect(bad).toBe(0);
  });

  it('labels scenario 1 exactly when the amount is above 220 (unless a later scenario took the row)', () => {
    let s1 = 0;
    let bad = 0;
    for (const b of days) {
      for (let i = 0; i < b.size; i++) {
        if (b.scenario[i] === 1) s1++;
        if ((b.scenario[i] === 1 && b.amount[i] <= 220) || (b.scenario[i] === 0 && b.amount[i] > 220)) bad++;
      }
    }
    expect(s1).toBeGreaterThan(0);
    expect(bad).toBe(0);
  });

  it('makes every transaction of a compromised terminal fraud for 28 days, at most 2 new terminals a day', () => {
    const s2ByDay = days.map((b) => {
      const s2 = new Set<number>();
      for (let i = 0; i < b.size; i++) if (b.scenario[i] === 2) s2.add(b.terminalId[i]);
      return s2;
    });
    let bad = 0;
    let windowsChecked = 0;
    for (const b of days) {
      const s2 = s2ByDay[b.dayIndex];
      // All transactions on such a terminal that day are fraud (2, or 3 when the customer took over).
      for (let i = 0; i < b.size; i++) if (s2.has(b.terminalId[i]) && b.scenario[i] < 2) bad++;
      expect(s2.size).toBeLessThanOrEqual(2 * Math.min(b.dayIndex + 1, 28));
    }
    // A terminal seen genuine on day f-1 and compromised on day f was compromised on f itself, so
    // its transactions on days f … f+27 are all fraud.
    for (let f = 1; f < days.length; f++) {
      const prev = days[f - 1];
      const genuineBefore = new Set<number>();
      for (let i = 0; i < prev.size; i++) if (prev.scenario[i] < 2) genuineBefore.add(prev.terminalId[i]);
      for (const t of s2ByDay[f]) {
        if (!genuineBefore.has(t) || s2ByDay[f - 1].has(t)) continue;
        windowsChecked++;
        for (let d = f; d < Math.min(days.length, f + 28); d++) {
          const b = days[d];
          for (let i = 0; i < b.size; i++) if (b.terminalId[i] === t && b.scenario[i] < 2) bad++;
        }
      }
    }
    expect(windowsChecked).toBeGreaterThan(5);
    expect(bad).toBe(0);
  });

  it('multiplies the amount of scenario-3 frauds by 5 (on the same customers across days)', () => {
    const s3Customers = new Set<number>();
    let n = 0;
    for (const b of days) for (let i = 0; i < b.size; i++) if (b.scenario[i] === 3) (s3Customers.add(b.customerId[i]), n++);
    expect(n).toBeGreaterThan(0);
    // 3 customers a day over 40 days, drawn with replacement across days: at most 120.
    expect(s3Customers.size).toBeLessThanOrEqual(3 * p.days);
    // With the multiplier at 1 nothing changes amounts: same rows, same amounts as the ×5 run
    // except exactly the scenario-3 rows, which are 5 times as large.
    const plain = collect(small({ fraudMultiplier: 1 }));
    let bad = 0;
    for (let d = 0; d < days.length; d++) {
      expect(plain[d].size).toBe(days[d].size);
      for (let i = 0; i < days[d].size; i++) {
        const expected = days[d].scenario[i] === 3 ? Math.round(plain[d].amount[i] * 5 * 100) / 100 : plain[d].amount[i];
        if (days[d].amount[i] !== expected) bad++;
      }
    }
    expect(bad).toBe(0);
  });

  it('has no fraud at all when every scenario is switched off', () => {
    const s = emptyStats();
    for (const b of generateDays(small({ fraudAmount: 1e9, compromisedTerminals: 0, compromisedCustomers: 0 }))) addBatch(s, b);
    expect(s.frauds).toBe(0);
    expect(s.transactions).toBe(days.reduce((a, b) => a + b.size, 0));
  });
});

describe('simulator order, ids and determinism', () => {
  const p = small({ days: 6 });

  it('gives the same batches for the same seed and different ones for another seed', () => {
    const a = collect(p);
    const b = collect(p);
    const c = collect({ ...p, seed: 8 });
    expect(a.map((x) => x.size)).toEqual(b.map((x) => x.size));
    for (let d = 0; d < a.length; d++) {
      expect(Buffer.from(a[d].amount.buffer).equals(Buffer.from(b[d].amount.buffer))).toBe(true);
      expect(Buffer.from(a[d].customerId.buffer).equals(Buffer.from(b[d].customerId.buffer))).toBe(true);
      expect(Buffer.from(a[d].terminalId.buffer).equals(Buffer.from(b[d].terminalId.buffer))).toBe(true);
    }
    expect(Buffer.from(a[0].amount.buffer).equals(Buffer.from(c[0].amount.buffer))).toBe(false);
  });

  it('makes a shorter run a prefix of a longer one', () => {
    const long = collect(p);
    const short = collect({ ...p, days: 3 });
    for (let d = 0; d < 3; d++) expect(Buffer.from(short[d].amount.buffer).equals(Buffer.from(long[d].amount.buffer))).toBe(true);
  });

  it('numbers transactions from 0 without gaps across days, chronologically within a day', () => {
    const batches = collect(p);
    let next = 0;
    for (const [d, b] of batches.entries()) {
      expect(b.dayIndex).toBe(d);
      expect(b.firstTransactionId).toBe(next);
      next += b.size;
      let unordered = 0;
      for (let i = 1; i < b.size; i++) if (b.timeOfDay[i] < b.timeOfDay[i - 1]) unordered++;
      expect(unordered).toBe(0);
    }
    expect(batches.map((b) => b.day)).toEqual(['2025-01-01', '2025-01-02', '2025-01-03', '2025-01-04', '2025-01-05', '2025-01-06']);
  });

  it('holds the same rows in customer order, customer ids ascending', () => {
    const byTime = collect(p);
    const byCustomer = collect(p, 'customer');
    const rows = (b: DayBatch) => Array.from({ length: b.size }, (_, i) => `${b.customerId[i]},${b.terminalId[i]},${b.timeOfDay[i]},${b.amount[i]},${b.scenario[i]}`).sort();
    for (let d = 0; d < byTime.length; d++) {
      expect(rows(byCustomer[d])).toEqual(rows(byTime[d]));
      const c = byCustomer[d].customerId;
      expect(c.every((v, i) => i === 0 || v >= c[i - 1])).toBe(true);
    }
  });
});

describe('available terminals', () => {
  it('matches a brute-force search, strictly within the radius, ascending ids', () => {
    for (const radius of [0.7, 5, 30, 150]) {
      const customers = generateCustomers(300, 3);
      const terminals = generateTerminals(700, 3);
      const { offsets, ids } = findAvailableTerminals(customers, terminals, radius);
      for (let c = 0; c < customers.count; c++) {
        const expected: number[] = [];
        for (let t = 0; t < terminals.count; t++) {
          if ((customers.x[c] - terminals.x[t]) ** 2 + (customers.y[c] - terminals.y[t]) ** 2 < radius * radius) expected.push(t);
        }
        expect(Array.from(ids.subarray(offsets[c], offsets[c + 1]))).toEqual(expected);
      }
    }
  });

  it('excludes a terminal at exactly the radius', () => {
    const customers = { count: 1, x: Float64Array.of(50), y: Float64Array.of(50), meanAmount: Float64Array.of(10), stdAmount: Float64Array.of(5), meanTxPerDay: Float64Array.of(1) };
    const terminals = { count: 3, x: Float64Array.of(53, 52.9, 50), y: Float64Array.of(54, 54, 45.0001) };
    // distances: 5 (excluded), 4.92 and 4.9999 (kept)
    const { ids } = findAvailableTerminals(customers, terminals, 5);
    expect(Array.from(ids)).toEqual([1, 2]);
  });
});
