import { Rng } from '../util/rng.js';
import { STREAM, type SimParams } from './params.js';

/**
 * The three fraud scenarios of the handbook (domain.md §1.3), applied one day at a time, in order,
 * later scenarios overwriting the earlier label:
 *  1. amount > fraudAmount;
 *  2. each day `compromisedTerminals` terminals are drawn; all their transactions during
 *     `terminalFraudDays` days (that day included) are fraud;
 *  3. each day `compromisedCustomers` customers are drawn; during `customerFraudDays` days each of
 *     their transactions is, with probability `customerFraudShare`, fraud with its amount
 *     multiplied by `fraudMultiplier`. The handbook picks exactly int(n/3) of the window's n
 *     transactions after the fact; working day by day we cannot see the window's future, so each
 *     transaction gets its own draw (same expected share, per the brief).
 * Scenario 1 is not re-applied after the multiplication (as in the handbook).
 * Draws are uniform over all terminal / customer ids (all of them when fewer exist than the daily
 * count) and use their own streams per day.
 */
export class FraudState {
  /** First day (exclusive) on which the terminal / customer is no longer compromised. */
  private readonly terminalUntil: Int32Array;
  private readonly customerUntil: Int32Array;

  constructor(private readonly p: SimParams) {
    this.terminalUntil = new Int32Array(p.terminals);
    this.customerUntil = new Int32Array(p.customers);
  }

  /** Draws the day's compromised terminals and customers; call once per day, in order. */
  startDay(day: number): void {
    const rng = new Rng(this.p.seed, STREAM.compromised, day);
    for (const t of rng.sample(this.p.terminals, Math.min(this.p.compromisedTerminals, this.p.terminals))) {
      this.terminalUntil[t] = Math.max(this.terminalUntil[t], day + this.p.terminalFraudDays);
    }
    for (const c of rng.sample(this.p.customers, Math.min(this.p.compromisedCustomers, this.p.customers))) {
      this.customerUntil[c] = Math.max(this.customerUntil[c], day + this.p.customerFraudDays);
    }
  }

  /** Labels rows [0, n) of a day in place: sets `scenario` and may multiply `amount`. */
  label(day: number, n: number, customerId: Int32Array, terminalId: Int32Array, amount: Float64Array, scenario: Int8Array): void {
    const { fraudAmount, customerFraudShare: share, fraudMultiplier: mult } = this.p;
    const rng = new Rng(this.p.seed, STREAM.customerFraud, day);
    const tu = this.terminalUntil;
    const cu = this.customerUntil;
    for (let i = 0; i < n; i++) {
      let s = amount[i] > fraudAmount ? 1 : 0;
      if (tu[terminalId[i]] > day) s = 2;
      if (cu[customerId[i]] > day && rng.next() < share) {
        amount[i] = Math.round(amount[i] * mult * 100) / 100;
        s = 3;
      }
      scenario[i] = s;
    }
  }
}
