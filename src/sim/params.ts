import { usageError } from '../errors.js';
import { isDay, type Day } from '../util/dates.js';

/**
 * Parameters of the transaction simulator (the handbook's generator, domain.md §1). Defaults are
 * the handbook's book run, except the calendar (the caller picks start and days).
 */
export interface SimParams {
  /** First calendar day (tx_time_days = 0). */
  start: Day;
  days: number;
  customers: number;
  terminals: number;
  seed: number;
  /** A customer uses the terminals strictly closer than this (the map is 100 × 100). */
  radius: number;
  /** Scenario 1: an amount strictly above this is fraud. */
  fraudAmount: number;
  /** Scenario 2: terminals compromised each day, and for how many days (that day included). */
  compromisedTerminals: number;
  terminalFraudDays: number;
  /** Scenario 3: customers compromised each day, for how many days, the share of their
   * transactions that become fraud, and the amount multiplier of those. */
  compromisedCustomers: number;
  customerFraudDays: number;
  customerFraudShare: number;
  fraudMultiplier: number;
}

const PARAM_KEYS: readonly (keyof SimParams)[] = [
  'start', 'days', 'customers', 'terminals', 'seed', 'radius', 'fraudAmount', 'compromisedTerminals',
  'terminalFraudDays', 'compromisedCustomers', 'customerFraudDays', 'customerFraudShare', 'fraudMultiplier',
];

export const SIM_DEFAULTS = {
  radius: 5,
  fraudAmount: 220,
  compromisedTerminals: 2,
  terminalFraudDays: 28,
  compromisedCustomers: 3,
  customerFraudDays: 14,
  customerFraudShare: 0.3333,
  fraudMultiplier: 5,
} as const satisfies Partial<SimParams>;

/** Fills defaults and checks every value; a bad one is a usage error (exit 2) naming its field. */
export function resolveSimParams(p: Partial<SimParams> & Pick<SimParams, 'start' | 'days' | 'customers' | 'terminals' | 'seed'>): SimParams {
  const given = Object.fromEntries(PARAM_KEYS.filter((k) => p[k] !== undefined).map((k) => [k, p[k]]));
  const params = { ...SIM_DEFAULTS, ...given } as SimParams;
  const problems: string[] = [];
  const int = (key: keyof SimParams, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const v = params[key] as number;
    if (!Number.isSafeInteger(v) || v < min || v > max) problems.push(`${flag(key)} must be an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}, got ${v}`);
  };
  const num = (key: keyof SimParams, min: number, max: number, exclusiveMin = false) => {
    const v = params[key] as number;
    if (!Number.isFinite(v) || (exclusiveMin ? v <= min : v < min) || v > max) problems.push(`${flag(key)} must be a number ${exclusiveMin ? 'above' : 'from'} ${min} to ${max}, got ${v}`);
  };
  if (!isDay(params.start)) problems.push(`--start must be a calendar date as YYYY-MM-DD, got '${params.start}'`);
  int('days', 1, 100_000);
  int('customers', 1, 2 ** 31 - 1);
  int('terminals', 1, 2 ** 31 - 1);
  int('seed', 0, 2 ** 32 - 1);
  num('radius', 0, 1000, true);
  num('fraudAmount', 0, Number.MAX_VALUE);
  int('compromisedTerminals', 0);
  int('terminalFraudDays', 0);
  int('compromisedCustomers', 0);
  int('customerFraudDays', 0);
  num('customerFraudShare', 0, 1);
  num('fraudMultiplier', 0, 1e6);
  if (problems.length > 0) throw usageError(`simulate: ${problems.join('; ')}`);
  return params;
}

/** The command-line flag of a parameter, for messages: customerFraudShare → --customer-fraud-share. */
function flag(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * Independent random streams, one per purpose (and per day for daily draws), so that a 30-day run
 * is a prefix of a 90-day run with the same seed, and changing a fraud parameter does not change
 * the genuine transactions.
 */
export const STREAM = {
  customers: 1,
  terminals: 2,
  transactions: 3,
  compromised: 4,
  customerFraud: 5,
  defects: 6,
} as const;
