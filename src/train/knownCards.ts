import type { FeatureRows } from '../features/assemble.js';
import { readParquetList, type Db } from '../lake/db.js';
import type { Lake } from '../lake/lake.js';
import { addDays, type Day } from '../util/dates.js';

/**
 * Cards (customers) already known compromised, for the handbook's test protocol (chapter 3): on an
 * evaluation day D, a card is known compromised when it had a fraud in the model's train window, or
 * a fraud on any day ≤ D − delay − 1 (whose labels have arrived by D). Such a card would be blocked
 * in production, so its transactions say nothing about the model; they are left out of the metrics.
 *
 * "Any day" means every day of the lake up to there, not only the handbook's train window start:
 * a card compromised months ago is as known as one compromised last week.
 */
export class KnownCards {
  private constructor(
    /** customer → the first day it had a fraud */
    private readonly firstFraud: Map<bigint, Day>,
    private readonly delay: number,
  ) {}

  /** Reads customer_id and tx_fraud of every transaction day ≤ `upTo` (two columns only). */
  static async load(db: Db, lake: Lake, available: Day[], upTo: Day, delay: number): Promise<KnownCards> {
    const days = available.filter((d) => d <= upTo).sort();
    const firstFraud = new Map<bigint, Day>();
    if (days.length > 0) {
      const paths = await lake.pathsForRead('transactions', days);
      const rows = await db.all<{ customer_id: bigint; first_day: string }>(
        `SELECT customer_id, strftime(MIN(CAST(tx_datetime AS DATE)), '%Y-%m-%d') AS first_day
         FROM ${readParquetList(paths)} WHERE tx_fraud = 1 GROUP BY customer_id`,
      );
      for (const r of rows) firstFraud.set(BigInt(r.customer_id), r.first_day);
    }
    return new KnownCards(firstFraud, delay);
  }

  /** 1 for each row of `day` whose card is known compromised on that day. */
  dropMask(day: FeatureRows, trainFraudCards: ReadonlySet<bigint>): Uint8Array {
    const knownUpTo = addDays(day.day, -this.delay - 1);
    const drop = new Uint8Array(day.n);
    for (let i = 0; i < day.n; i++) {
      const c = day.customerId[i];
      const first = this.firstFraud.get(c);
      if (trainFraudCards.has(c) || (first !== undefined && first <= knownUpTo)) drop[i] = 1;
    }
    return drop;
  }
}

/** The cards with a fraud among some train days' rows. */
export function fraudCards(days: FeatureRows[]): Set<bigint> {
  const out = new Set<bigint>();
  for (const d of days) {
    if (!d.labels) continue;
    for (let i = 0; i < d.n; i++) if (d.labels[i] === 1) out.add(d.customerId[i]);
  }
  return out;
}
