import { Rng } from '../util/rng.js';
import { STREAM } from './params.js';

/**
 * The data-quality defects of the course's raw dumps (domain.md §3.2) that `--inject-defects`
 * plants, each on rows of its own (no row carries two):
 *  hour24            time set to midnight of the next day and written `YYYY-MM-DD 24:00:00` of the
 *                    row's day; tx_time_seconds is that instant, tx_time_days stays the row's day
 *  wrongTimeSeconds  tx_time_seconds counted from a wrong origin (1–30 days later); datetime fine
 *  duplicates        the row written twice, identically
 *  emptyTerminal     terminal_id ''          errTerminal   terminal_id 'Err'
 *  bigTerminal       terminal_id with 5+ digits (values seen in the course data)
 *  negativeCustomer  customer_id -999999     zeroAmount    tx_amount 0.00
 */
export const DEFECT_KINDS = ['hour24', 'wrongTimeSeconds', 'duplicates', 'emptyTerminal', 'errTerminal', 'bigTerminal', 'negativeCustomer', 'zeroAmount'] as const;
export type DefectKind = (typeof DEFECT_KINDS)[number];
export type DefectCounts = Record<DefectKind, number>;

/** Out-of-range terminal ids of the course data, largest first. */
const BIG_TERMINALS = [89518096, 618230, 436002, 22225, 21861];
export const NEGATIVE_CUSTOMER = -999999;
/** Code of a row without a defect in DefectPlan.forDay. */
export const NO_DEFECT = -1;

export function zeroCounts(): DefectCounts {
  return Object.fromEntries(DEFECT_KINDS.map((k) => [k, 0])) as DefectCounts;
}

/**
 * Where the defects go: each of `perKind` × 8 instances gets a random day up front; on that day it
 * takes a random row no other defect has. A day with fewer rows than defects passes the rest on
 * to the next day; what is still unplaced after the last day is not injected (the summary counts
 * what was).
 */
export class DefectPlan {
  private readonly byDay = new Map<number, number[]>();
  private carry: number[] = [];

  constructor(perKind: number, days: number, private readonly seed: number, terminals: number) {
    const rng = new Rng(seed, STREAM.defects);
    DEFECT_KINDS.forEach((_, code) => {
      for (let k = 0; k < perKind; k++) {
        const d = rng.int(days);
        const list = this.byDay.get(d) ?? [];
        list.push(code);
        this.byDay.set(d, list);
      }
    });
    this.bigTerminals = BIG_TERMINALS.filter((t) => t >= Math.max(10_000, terminals));
    if (this.bigTerminals.length === 0) this.bigTerminals = [Math.max(89518096, terminals * 10)];
  }

  readonly bigTerminals: number[];

  /** Defect code (index in DEFECT_KINDS) for each of the day's `n` rows, NO_DEFECT for clean rows. */
  forDay(day: number, n: number): { codes: Int8Array; rng: Rng } {
    const rng = new Rng(this.seed, STREAM.defects, day + 1);
    const wanted = [...this.carry, ...(this.byDay.get(day) ?? [])];
    const placed = Math.min(wanted.length, n);
    const codes = new Int8Array(n).fill(NO_DEFECT);
    const rows = rng.sample(n, placed);
    for (let i = 0; i < placed; i++) codes[rows[i]] = wanted[i];
    this.carry = wanted.slice(placed);
    return { codes, rng };
  }
}
