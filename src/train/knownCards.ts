import type { FeatureRows } from '../features/assemble.js';
import { readParquetList, type Db } from '../lake/db.js';
import type { Lake } from '../lake/lake.js';
import { addDays, type Day } from '../util/dates.js';

/**
 * Cards (customers) already known compromised, for the handbook's test protocol (chapter 3): on an
 * evaluation day D, a card is known compromised when it had a fraud in the model's train window, or
 * on any day from the start of that window to D − delay − 1 (labels that have arrived by D). Such a
 * card would be blocked in production, so its transactions say nothing about the model; they are
 * left out of the metrics.
 *
 * The look-back starts at the train window, as in the handbook, not at the lake's first day: on the
 * handbook's simulation two thirds of all customers have had a fraud within four months (scenario 2
 * compromises every customer of a terminal), and dropping them all left a third of each test day.
 */
export class KnownCards {
  private constructor(
    /** customer → the days it had a fraud */
    private readonly fraudDays: Map<bigint, Day[]>,
    private readonly delay: number,
  ) {}

  /** Reads customer_id and tx_fraud of the transaction days `from` … `upTo` (two columns only). */
  static async load(db: Db, lake: Lake, available: Day[], from: Day, upTo: Day, delay: number): Promise<KnownCards> {
    const days = available.filter((d) => d >= from && d <= upTo).sort();
    const fraudDays = new Map<bigint, Day[]>();
    if (days.length > 0) {
      const paths = await lake.pathsForRead('transactions', days);
      const rows = await db.all<{ customer_id: bigint; day: string }>(
        `SELECT DISTINCT customer_id, strftime(CAST(tx_datetime AS DATE), '%Y-%m-%d') AS day
         FROM ${readParquetList(paths)} WHERE tx_fraud = 1`,
      );
      for (const r of rows) {
        const c = BigInt(r.customer_id);
        const list = fraudDays.get(c);
        if (list) list.push(r.day);
        else fraudDays.set(c, [r.day]);
      }
    }
    return new KnownCards(fraudDays, delay);
  }

  /**
   * 1 for each row of `day` whose card is known compromised on that day, for a model trained on
   * days `trainFrom` … whose fraud cards are `trainFraudCards`.
   */
  dropMask(day: Pick<FeatureRows, 'day' | 'n' | 'customerId'>, trainFrom: Day, trainFraudCards: ReadonlySet<bigint>): Uint8Array {
    const knownUpTo = addDays(day.day, -this.delay - 1);
    const drop = new Uint8Array(day.n);
    for (let i = 0; i < day.n; i++) {
      const c = day.customerId[i];
      if (trainFraudCards.has(c) || this.fraudDays.get(c)?.some((f) => f >= trainFrom && f <= knownUpTo)) drop[i] = 1;
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
