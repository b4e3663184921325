import type { DayBatch } from './generateDays.js';

/** Counts over simulated days: transactions, frauds, frauds by scenario. */
export interface SimStats {
  transactions: number;
  frauds: number;
  /** Final labels by scenario 1, 2, 3 (a later scenario overwrites an earlier one). */
  byScenario: { s1: number; s2: number; s3: number };
}

export function emptyStats(): SimStats {
  return { transactions: 0, frauds: 0, byScenario: { s1: 0, s2: 0, s3: 0 } };
}

export function addBatch(stats: SimStats, batch: DayBatch): void {
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < batch.size; i++) counts[batch.scenario[i]]++;
  stats.transactions += batch.size;
  stats.frauds += counts[1] + counts[2] + counts[3];
  stats.byScenario.s1 += counts[1];
  stats.byScenario.s2 += counts[2];
  stats.byScenario.s3 += counts[3];
}

/** Share of fraudulent transactions, or null when there are none (undefined, not NaN). */
export function fraudRate(stats: SimStats): number | null {
  return stats.transactions === 0 ? null : stats.frauds / stats.transactions;
}
