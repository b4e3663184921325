/**
 * The 15 model features, in the fixed order the model sees them (DESIGN.md §3, the handbook's
 * baseline transformation adapted to daily marts).
 */
export const WINDOWS = [1, 7, 30] as const;

export const CUSTOMER_MART_COLUMNS = WINDOWS.flatMap((n) => [`cust_nb_tx_${n}d`, `cust_avg_amount_${n}d`]);
export const TERMINAL_MART_COLUMNS = WINDOWS.flatMap((n) => [`term_nb_tx_${n}d`, `term_risk_${n}d`]);

export const FEATURE_NAMES: readonly string[] = [
  'tx_amount',
  'tx_during_weekend',
  'tx_during_night',
  ...CUSTOMER_MART_COLUMNS,
  ...TERMINAL_MART_COLUMNS,
];

/** Transaction columns of the lake (DESIGN.md §2). */
export const TRANSACTION_COLUMNS = [
  'transaction_id',
  'tx_datetime',
  'customer_id',
  'terminal_id',
  'tx_amount',
  'tx_time_seconds',
  'tx_time_days',
  'tx_fraud',
  'tx_fraud_scenario',
] as const;
