import { endianness } from 'node:os';
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
/** Ids below this (2^26) are looked up in a byte table of at most 64 MB, sized by the largest known one. */
const SMALL_IDS = 1n << 26n;
const SMALL = Number(SMALL_IDS);
const LITTLE_ENDIAN = endianness() === 'LE';

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
    // The day's known cards (tens of thousands at most), then one test per row: a byte table over
    // small ids (read as the low 32-bit word of the little-endian int64, no BigInt per row; 1.26 M
    // rows 0.25 s -> ~10 ms), the set for any other id.
    const known = new Set<bigint>(trainFraudCards);
    for (const [c, days] of this.fraudDays) if (!known.has(c) && days.some((f) => f >= trainFrom && f <= knownUpTo)) known.add(c);
    let max = -1;
    for (const c of known) if (c >= 0n && c < SMALL_IDS && Number(c) > max) max = Number(c);
    const table = new Uint8Array(max + 1);
    for (const c of known) if (c >= 0n && c < SMALL_IDS) table[Number(c)] = 1;
    const ids = day.customerId;
    const drop = new Uint8Array(day.n);
    const words = LITTLE_ENDIAN ? new Int32Array(ids.buffer, ids.byteOffset, 2 * day.n) : undefined;
    for (let i = 0; i < day.n; i++) {
      const lo = words ? words[2 * i] : -1;
      if (words && words[2 * i + 1] === 0 && lo >= 0 && lo < SMALL) drop[i] = lo <= max ? table[lo] : 0;
      else drop[i] = known.has(ids[i]) ? 1 : 0;
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
