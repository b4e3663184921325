import { handbookSpec } from './presets/handbook.js';

/**
 * The default preset's 15 model features, in the order the model sees them (DESIGN.md §3). The
 * definitions live in the feature spec (src/features/presets/handbook.ts); this list is for code
 * that needs the names without a spec at hand.
 */
export const FEATURE_NAMES: readonly string[] = handbookSpec.features.map((f) => (typeof f === 'string' ? f : f.name));

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
