import type { FeatureSpecInput } from '../parseFeatureSpec.js';

/**
 * The handbook's baseline transformation adapted to daily marts (DESIGN.md §3): the 15 features
 * fraudctl has always computed, in the same order, from the same mart columns.
 */
export const handbookSpec: FeatureSpecInput = {
  name: 'handbook',
  description: "the fraud-detection handbook's 15 baseline features: customer spending and terminal risk windows of 1, 7, 30 days",
  marts: {
    customer: [
      { name: 'cust_nb_tx_{n}d', kind: 'count', windows: [1, 7, 30] },
      { name: 'cust_avg_amount_{n}d', kind: 'mean', windows: [1, 7, 30] },
    ],
    terminal: [
      // The handbook's terminal counts sit behind the delay too: count and risk share one window.
      { name: 'term_nb_tx_{n}d', kind: 'count', windows: [1, 7, 30], lagged: true },
      { name: 'term_risk_{n}d', kind: 'fraud_share', windows: [1, 7, 30] },
    ],
  },
  features: [
    'tx_amount',
    'tx_during_weekend',
    'tx_during_night',
    ...[1, 7, 30].flatMap((n) => [`cust_nb_tx_${n}d`, `cust_avg_amount_${n}d`]),
    ...[1, 7, 30].flatMap((n) => [`term_nb_tx_${n}d`, `term_risk_${n}d`]),
  ],
};
