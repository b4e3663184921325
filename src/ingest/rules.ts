import type { Day } from '../util/dates.js';

/** The cleaning rules of `fraudctl ingest`, each switchable by a flag. */
export interface IngestRules {
  /** tx_time_seconds counts seconds from this day 00:00:00 (course dumps: 2019-08-22). */
  timeOrigin: Day;
  /** `YYYY-MM-DD 24:00:00` → the next day 00:00:00; off: such rows are quarantined (bad_datetime). */
  fixHour24: boolean;
  /** Replace tx_time_seconds / tx_time_days by the values computed from tx_datetime. */
  recomputeTime: boolean;
  /** Drop exact duplicate rows and quarantine repeated transaction ids. */
  dropDuplicates: boolean;
  /** Valid terminal ids are 0 … maxTerminalId. */
  maxTerminalId: number;
  keepNegativeCustomers: boolean;
  keepZeroAmounts: boolean;
}

export const DEFAULT_RULES: IngestRules = {
  timeOrigin: '2019-08-22',
  fixHour24: true,
  recomputeTime: true,
  dropDuplicates: true,
  maxTerminalId: 999,
  keepNegativeCustomers: false,
  keepZeroAmounts: false,
};

/**
 * Quarantine reasons in the order they are tested: a row gets the first one it fails. The last one
 * is not a property of the row alone: among rows that pass every other rule, a transaction_id seen
 * on an earlier line (with different content: exact duplicates are dropped, not quarantined).
 */
export const REASONS = [
  { reason: 'bad_transaction_id', rule: 'transaction_id missing or not an integer' },
  { reason: 'bad_datetime', rule: "tx_datetime missing or not 'YYYY-MM-DD HH:MM:SS' (24:00:00 too with --no-fix-hour24)" },
  { reason: 'empty_terminal_id', rule: 'terminal_id empty' },
  { reason: 'non_numeric_terminal_id', rule: "terminal_id not an integer (e.g. 'Err')" },
  { reason: 'terminal_id_out_of_range', rule: 'terminal_id below 0 or above --max-terminal-id' },
  { reason: 'bad_customer_id', rule: 'customer_id missing or not an integer' },
  { reason: 'negative_customer_id', rule: 'customer_id below 0 (e.g. -999999), unless --keep-negative-customers' },
  { reason: 'bad_amount', rule: 'tx_amount missing or not a finite number' },
  { reason: 'nonpositive_amount', rule: 'tx_amount <= 0 (< 0 with --keep-zero-amounts)' },
  { reason: 'bad_fraud_label', rule: 'tx_fraud not 0 or 1, or tx_fraud_scenario not a small integer' },
  { reason: 'duplicate_transaction_id', rule: 'transaction_id already kept from an earlier line (content differs)' },
] as const;
export type Reason = (typeof REASONS)[number]['reason'];

/** The CASE expression giving a row's first failing row-local rule (NULL: the row is clean). */
export function reasonSql(rules: IngestRules): string {
  const when = [
    `WHEN transaction_id IS NULL THEN 'bad_transaction_id'`,
    `WHEN tx_datetime IS NULL THEN 'bad_datetime'`,
    `WHEN c_term IS NULL OR trim(c_term) = '' THEN 'empty_terminal_id'`,
    `WHEN terminal_id IS NULL THEN 'non_numeric_terminal_id'`,
    `WHEN terminal_id < 0 OR terminal_id > ${rules.maxTerminalId} THEN 'terminal_id_out_of_range'`,
    `WHEN customer_id IS NULL THEN 'bad_customer_id'`,
    rules.keepNegativeCustomers ? '' : `WHEN customer_id < 0 THEN 'negative_customer_id'`,
    `WHEN tx_amount IS NULL OR NOT isfinite(tx_amount) THEN 'bad_amount'`,
    `WHEN tx_amount ${rules.keepZeroAmounts ? '<' : '<='} 0 THEN 'nonpositive_amount'`,
    `WHEN tx_fraud IS NULL OR tx_fraud NOT IN (0, 1) OR tx_fraud_scenario IS NULL THEN 'bad_fraud_label'`,
  ];
  return `CASE ${when.filter((w) => w !== '').join(' ')} END`;
}

/** Microseconds from 1970 to `day` 00:00:00 UTC. */
export function originMicros(day: Day): bigint {
  return BigInt(Date.parse(`${day}T00:00:00Z`)) * 1000n;
}
