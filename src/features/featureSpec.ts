import type { Expr } from './expression.js';

/**
 * A feature spec: the marts (one per entity) with their windowed aggregates, and the ordered
 * model features built from a transaction's own fields and its entities' mart rows of D-1.
 * Parsed and validated by parseFeatureSpec; this is the checked, normalised form.
 */
export type Entity = 'customer' | 'terminal';

export const ENTITY_COLUMN: Record<Entity, 'customer_id' | 'terminal_id'> = { customer: 'customer_id', terminal: 'terminal_id' };

/** Aggregate kinds. Those in LABEL_KINDS read tx_fraud and are always computed behind the label delay. */
export const AGGREGATE_KINDS = [
  'count',
  'sum',
  'mean',
  'min',
  'max',
  'quantile',
  'distinct_count',
  'active_days',
  'fraud_count',
  'fraud_share',
  'fraud_days',
] as const;
export type AggregateKind = (typeof AGGREGATE_KINDS)[number];
export const LABEL_KINDS: ReadonlySet<AggregateKind> = new Set(['fraud_count', 'fraud_share', 'fraud_days']);
/** Kinds over the amount column. */
export const AMOUNT_KINDS: ReadonlySet<AggregateKind> = new Set(['sum', 'mean', 'min', 'max', 'quantile']);

/** One output column of a mart: an aggregate over one window. */
export interface MartColumn {
  name: string;
  kind: AggregateKind;
  /** Window length in calendar days (days end-n+1 … end). */
  days: number;
  /** True when the window ends `delay` days before the mart day (always for LABEL_KINDS). */
  lagged: boolean;
  /** quantile: the probability in [0, 1]. */
  q?: number;
  /** distinct_count: the column counted (the other entity's id). */
  column?: 'customer_id' | 'terminal_id';
}

export interface MartDef {
  entity: Entity;
  columns: MartColumn[];
}

/** A model feature: a transaction's own field, a mart column, or an expression over both. */
export type FeatureDef = { name: string; source: 'transaction' } | { name: string; source: 'mart'; entity: Entity } | { name: string; source: 'expr'; expr: Expr; text: string };

export interface FeatureSpec {
  name: string;
  /** First 12 hex digits of the SHA-256 of the canonical spec (name excluded): what marts and models are checked by. */
  hash: string;
  marts: MartDef[];
  features: FeatureDef[];
  /** The JSON it was parsed from (what a model directory stores, to rebuild its marts anywhere). */
  input: unknown;
}

/** Fields of the transaction itself usable as features and in expressions (DESIGN.md §3). */
export const TRANSACTION_FEATURES = ['tx_amount', 'tx_during_weekend', 'tx_during_night'] as const;

export function featureNames(spec: FeatureSpec): string[] {
  return spec.features.map((f) => f.name);
}

/** Whether any column of the mart depends on the label delay (then its metadata must match the delay asked). */
export function martUsesDelay(mart: MartDef): boolean {
  return mart.columns.some((c) => c.lagged);
}
