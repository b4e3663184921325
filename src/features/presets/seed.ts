import type { FeatureSpecInput } from '../parseFeatureSpec.js';

/**
 * The seed system's final 10 features (its training script over 7-day customer and terminal
 * marts; DESIGN reference "domain.md" §3.3), with the label delay applied to its fraud shares,
 * and the mart columns they need plus the distinct counterparts and active days its marts held.
 * Ratios divide by 0 as 0 (the seed used eps = 1e-6 in the denominator; 0 keeps "no history"
 * and "one amount" rows at 0 instead of amounts × 10^6).
 */
export const seedSpec: FeatureSpecInput = {
  name: 'seed',
  description: "the seed system's 10 features over 7-day marts: amount quantiles per terminal, per-active-day rates, amount relative to the customer's history",
  marts: {
    customer: [
      { name: 'cust_nb_tx_{n}d', kind: 'count', windows: [7] },
      { name: 'cust_active_days_{n}d', kind: 'active_days', windows: [7] },
      { name: 'cust_amount_min_{n}d', kind: 'min', windows: [7] },
      { name: 'cust_amount_median_{n}d', kind: 'quantile', q: 0.5, windows: [7] },
      { name: 'cust_amount_max_{n}d', kind: 'max', windows: [7] },
      { name: 'cust_uniq_terminals_{n}d', kind: 'distinct_count', column: 'terminal_id', windows: [7] },
      { name: 'cust_fraud_share_{n}d', kind: 'fraud_share', windows: [7] },
    ],
    terminal: [
      { name: 'term_sum_amount_{n}d', kind: 'sum', windows: [7] },
      { name: 'term_active_days_{n}d', kind: 'active_days', windows: [7] },
      { name: 'term_amount_min_{n}d', kind: 'min', windows: [7] },
      { name: 'term_amount_median_{n}d', kind: 'quantile', q: 0.5, windows: [7] },
      { name: 'term_amount_max_{n}d', kind: 'max', windows: [7] },
      { name: 'term_uniq_customers_{n}d', kind: 'distinct_count', column: 'customer_id', windows: [7] },
      // Days with a fraud are counted behind the delay, so their share is over active days behind it too.
      { name: 'term_fraud_days_{n}d', kind: 'fraud_days', windows: [7] },
      { name: 'term_active_days_lagged_{n}d', kind: 'active_days', windows: [7], lagged: true },
    ],
  },
  features: [
    'term_amount_min_7d',
    'term_amount_median_7d',
    'term_amount_max_7d',
    'tx_amount',
    { name: 'term_avg_amount_per_day_7d', expr: 'term_sum_amount_7d / term_active_days_7d' },
    'cust_fraud_share_7d',
    { name: 'cust_nb_tx_per_day_7d', expr: 'cust_nb_tx_7d / cust_active_days_7d' },
    { name: 'amount_to_cust_median_7d', expr: 'tx_amount / cust_amount_median_7d' },
    { name: 'term_fraud_day_share_7d', expr: 'term_fraud_days_7d / term_active_days_lagged_7d' },
    { name: 'amount_in_cust_range_7d', expr: '(tx_amount - cust_amount_min_7d) / (cust_amount_max_7d - cust_amount_min_7d)' },
  ],
};
