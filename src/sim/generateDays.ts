import { addDays, type Day } from '../util/dates.js';
import { Rng } from '../util/rng.js';
import { FraudState } from './fraud.js';
import { STREAM, type SimParams } from './params.js';
import { findAvailableTerminals, generateCustomers, generateTerminals, type AvailableTerminals, type CustomerProfiles } from './profiles.js';

export const SECONDS_PER_DAY = 86_400;
const TIME_MEAN = SECONDS_PER_DAY / 2;
const TIME_STD = 20_000;

/**
 * One simulated day as columns (row i of every array is one transaction). The arrays are owned by
 * the batch: the generator never writes them again.
 *   transaction_id    = firstTransactionId + i
 *   tx_time_seconds   = dayIndex * 86400 + timeOfDay[i]   (counted from the start date)
 *   tx_time_days      = dayIndex
 *   tx_fraud          = scenario[i] > 0 ? 1 : 0
 */
export interface DayBatch {
  day: Day;
  dayIndex: number;
  size: number;
  firstTransactionId: number;
  customerId: Int32Array;
  terminalId: Int32Array;
  /** Seconds since midnight, 1 … 86399. */
  timeOfDay: Int32Array;
  /** Rounded to cents. */
  amount: Float64Array;
  /** 0 genuine, else the fraud scenario 1, 2 or 3. */
  scenario: Int8Array;
}

/**
 * Row order of a day. 'time': chronological (ties by customer), so transaction_id is chronological
 * within the run, as in the handbook. 'customer': customer-major as generated, as in the course's
 * raw dumps, where transaction_id is therefore not chronological within a day.
 */
export type RowOrder = 'time' | 'customer';

/**
 * Simulated days in order, one columnar batch at a time (never all days in memory). The same
 * params give the same batches; a shorter run is a prefix of a longer one.
 */
export function* generateDays(params: SimParams, opts: { order?: RowOrder } = {}): Generator<DayBatch> {
  const sim = new Simulator(params);
  let nextId = 0;
  for (let d = 0; d < params.days; d++) {
    const batch = sim.day(d, nextId, opts.order ?? 'time');
    nextId += batch.size;
    yield batch;
  }
}

/** Profiles, each customer's terminals, the fraud state and scratch columns reused day to day. */
export class Simulator {
  readonly customers: CustomerProfiles;
  readonly available: AvailableTerminals;
  private readonly fraud: FraudState;
  private readonly expNegRate: Float64Array;
  private cap: number;
  private cust: Int32Array;
  private term: Int32Array;
  private tod: Int32Array;
  private amt: Float64Array;
  private scen: Int8Array;

  constructor(private readonly p: SimParams) {
    this.customers = generateCustomers(p.customers, p.seed);
    this.available = findAvailableTerminals(this.customers, generateTerminals(p.terminals, p.seed), p.radius);
    this.fraud = new FraudState(p);
    this.expNegRate = this.customers.meanTxPerDay.map((l) => Math.exp(-l));
    this.cap = Math.ceil(p.customers * 2.2) + 1024;
    this.cust = new Int32Array(this.cap);
    this.term = new Int32Array(this.cap);
    this.tod = new Int32Array(this.cap);
    this.amt = new Float64Array(this.cap);
    this.scen = new Int8Array(this.cap);
  }

  /** Day `d` (0-based), labelled, in the given row order. Days must be asked for in order 0, 1, 2, … */
  day(d: number, firstTransactionId: number, order: RowOrder): DayBatch {
    const n = this.generate(d);
    this.fraud.startDay(d);
    this.fraud.label(d, n, this.cust, this.term, this.amt, this.scen);
    const cols = order === 'time' ? this.sortedByTime(n) : this.copied(n);
    return { day: addDays(this.p.start, d), dayIndex: d, size: n, firstTransactionId, ...cols };
  }

  /**
   * The day's genuine transactions in customer order into the scratch columns; returns the count.
   * Per customer: Poisson(rate) attempts; per attempt the time int(N(43200, 20000)) is kept only
   * when 0 < t < 86400 (else nothing more is drawn); amount N(mean, mean/2), a negative draw
   * redrawn once from U(0, 2·mean), rounded to cents; a terminal uniform among those in reach
   * (none: no transaction).
   */
  private generate(d: number): number {
    const rng = new Rng(this.p.seed, STREAM.transactions, d);
    const { meanAmount, stdAmount } = this.customers;
    const { offsets, ids } = this.available;
    const expNeg = this.expNegRate;
    let n = 0;
    for (let c = 0; c < this.p.customers; c++) {
      // Poisson by Knuth's product method: rates are below 4.
      let k = 0;
      for (let prod = rng.next(); prod > expNeg[c]; prod *= rng.next()) k++;
      for (let j = 0; j < k; j++) {
        const t = Math.trunc(rng.normal(TIME_MEAN, TIME_STD));
        if (t <= 0 || t >= SECONDS_PER_DAY) continue;
        let a = rng.normal(meanAmount[c], stdAmount[c]);
        if (a < 0) a = rng.uniform(0, 2 * meanAmount[c]);
        const reach = offsets[c + 1] - offsets[c];
        if (reach === 0) continue;
        if (n === this.cap) this.grow();
        this.cust[n] = c;
        this.term[n] = ids[offsets[c] + rng.int(reach)];
        this.tod[n] = t;
        this.amt[n] = Math.round(a * 100) / 100;
        n++;
      }
    }
    return n;
  }

  /** Counting sort on the second of the day: stable, so ties stay in customer order. */
  private sortedByTime(n: number) {
    const start = new Int32Array(SECONDS_PER_DAY + 1);
    for (let i = 0; i < n; i++) start[this.tod[i] + 1]++;
    for (let s = 0; s < SECONDS_PER_DAY; s++) start[s + 1] += start[s];
    const out = emptyColumns(n);
    for (let i = 0; i < n; i++) {
      const j = start[this.tod[i]]++;
      out.customerId[j] = this.cust[i];
      out.terminalId[j] = this.term[i];
      out.timeOfDay[j] = this.tod[i];
      out.amount[j] = this.amt[i];
      out.scenario[j] = this.scen[i];
    }
    return out;
  }

  private copied(n: number) {
    return {
      customerId: this.cust.slice(0, n),
      terminalId: this.term.slice(0, n),
      timeOfDay: this.tod.slice(0, n),
      amount: this.amt.slice(0, n),
      scenario: this.scen.slice(0, n),
    };
  }

  private grow(): void {
    this.cap *= 2;
    const g = <T extends Int32Array | Float64Array | Int8Array>(a: T, b: T): T => (b.set(a), b);
    this.cust = g(this.cust, new Int32Array(this.cap));
    this.term = g(this.term, new Int32Array(this.cap));
    this.tod = g(this.tod, new Int32Array(this.cap));
    this.amt = g(this.amt, new Float64Array(this.cap));
    this.scen = g(this.scen, new Int8Array(this.cap));
  }
}

function emptyColumns(n: number) {
  return {
    customerId: new Int32Array(n),
    terminalId: new Int32Array(n),
    timeOfDay: new Int32Array(n),
    amount: new Float64Array(n),
    scenario: new Int8Array(n),
  };
}
