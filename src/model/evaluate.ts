import type { DayMetrics, EvalMetrics, WindowMetrics } from '../train/summary.js';
import { bootstrapApInterval } from './bootstrapAp.js';
import { delongAuc } from './delong.js';
import { computeMetrics } from './metrics.js';
import { cardPrecisionAtK, txPrecisionAtK } from './precisionAtK.js';

/** One day's scored rows; `drop[i] = 1` marks a row of a card already known compromised. */
export interface ScoredDay {
  day: string;
  labels: Uint8Array;
  scores: Float64Array;
  cards: BigInt64Array;
  txIds: BigInt64Array;
  drop?: Uint8Array;
}

export interface EvalOptions {
  threshold: number;
  beta: number;
  /** k of card and transaction precision@k. */
  k: number;
  /** Bootstrap resamples of the AP interval; 0 leaves the interval out (null). */
  bootstrap: number;
  seed: number;
}

interface Kept {
  labels: Uint8Array;
  scores: Float64Array;
  cards: BigInt64Array;
  txIds: BigInt64Array;
  dropped: { rows: number; frauds: number; cards: Set<bigint> };
}

function keep(d: ScoredDay): Kept {
  if (!d.drop) return { labels: d.labels, scores: d.scores, cards: d.cards, txIds: d.txIds, dropped: { rows: 0, frauds: 0, cards: new Set() } };
  let kept = 0;
  for (let i = 0; i < d.labels.length; i++) kept += +!d.drop[i];
  const idx = new Uint32Array(kept);
  let frauds = 0;
  const droppedCards = new Set<bigint>();
  for (let i = 0, j = 0; i < d.labels.length; i++) {
    if (d.drop[i]) {
      frauds += d.labels[i];
      droppedCards.add(d.cards[i]);
    } else idx[j++] = i;
  }
  return {
    labels: Uint8Array.from(idx, (i) => d.labels[i]),
    scores: Float64Array.from(idx, (i) => d.scores[i]),
    cards: BigInt64Array.from(idx, (i) => d.cards[i]),
    txIds: BigInt64Array.from(idx, (i) => d.txIds[i]),
    dropped: { rows: d.labels.length - idx.length, frauds, cards: droppedCards },
  };
}

function concat<T extends Uint8Array | Float64Array | BigInt64Array>(parts: T[], make: (n: number) => T): T {
  const out = make(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p as never, off);
    off += p.length;
  }
  return out;
}

/** Distinct values, counted in a sorted copy (a Set of 1.5 M bigints takes seconds). */
function distinctCount(values: BigInt64Array): number {
  const sorted = values.slice().sort();
  let n = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) n++;
  return n;
}

const orNull = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? null : x);

function metricsOf(k: Kept, cardPrecision: number | undefined, o: EvalOptions, txPrecision?: number | null): EvalMetrics {
  const base = k.labels.length > 0 ? computeMetrics(k.labels, k.scores, { threshold: o.threshold, beta: o.beta }) : undefined;
  const dl = k.labels.length > 0 ? delongAuc(k.labels, k.scores) : undefined;
  const ap = base?.pr_auc !== undefined && o.bootstrap > 0 ? bootstrapApInterval(k.labels, k.scores, { resamples: o.bootstrap, seed: o.seed }) : undefined;
  const m: Omit<EvalMetrics, 'undefinedMetrics'> = {
    rows: k.labels.length,
    frauds: base?.positives ?? 0,
    cards: distinctCount(k.cards),
    droppedRows: k.dropped.rows,
    droppedFrauds: k.dropped.frauds,
    droppedCards: k.dropped.cards.size,
    roc_auc: orNull(base?.roc_auc),
    roc_auc_ci95: dl ? dl.ci95 : null,
    pr_auc: orNull(base?.pr_auc),
    pr_auc_ci95: ap ?? null,
    card_precision_at_k: orNull(cardPrecision),
    tx_precision_at_k: txPrecision !== undefined ? txPrecision : k.labels.length > 0 ? orNull(txPrecisionAtK(k.labels, k.scores, k.txIds, o.k)) : null,
    k: o.k,
    threshold: o.threshold,
    accuracy: orNull(base?.accuracy),
    precision: orNull(base?.precision),
    recall: orNull(base?.recall),
    f1: orNull(base?.f1),
    f_beta: orNull(base?.f_beta),
  };
  const named = ['roc_auc', 'roc_auc_ci95', 'pr_auc', 'pr_auc_ci95', 'card_precision_at_k', 'tx_precision_at_k', 'accuracy', 'precision', 'recall', 'f1', 'f_beta'] as const;
  // An interval switched off by --bootstrap 0 is not "undefined", just not asked for.
  const undefinedMetrics = named.filter((n) => m[n] === null && !(n === 'pr_auc_ci95' && o.bootstrap === 0 && m.pr_auc !== null));
  return { ...m, undefinedMetrics: [...undefinedMetrics] };
}

/**
 * Metrics of a window, per day and pooled. Known-compromised rows (`drop`) are removed first.
 * Card precision@k follows the handbook over several days: cards found compromised in the top k
 * of an earlier day are left out of the later days, and the pooled value is the mean over days
 * (undefined when any day's is); so is transaction precision@k (k investigations a day). ROC AUC,
 * AP and the rest are pooled over all kept rows.
 */
export function evaluateWindow(days: ScoredDay[], o: EvalOptions): WindowMetrics {
  const kept = days.map(keep);
  const detected = new Set<bigint>();
  const perDay: DayMetrics[] = kept.map((k, i) => {
    const cp = cardPrecisionAtK(k.cards, k.labels, k.scores, o.k, detected);
    for (const c of cp.detected) detected.add(c);
    return { day: days[i].day, ...metricsOf(k, cp.value, o) };
  });
  const meanOf = (xs: (number | null)[]) => (xs.some((c) => c === null) ? null : (xs as number[]).reduce((s, c) => s + c, 0) / xs.length);
  const meanCp = meanOf(perDay.map((d) => d.card_precision_at_k)) ?? undefined;
  const meanTx = meanOf(perDay.map((d) => d.tx_precision_at_k));
  const pooledRows: Kept = {
    labels: concat(kept.map((k) => k.labels), (n) => new Uint8Array(n)),
    scores: concat(kept.map((k) => k.scores), (n) => new Float64Array(n)),
    cards: concat(kept.map((k) => k.cards), (n) => new BigInt64Array(n)),
    txIds: concat(kept.map((k) => k.txIds), (n) => new BigInt64Array(n)),
    dropped: kept.reduce((s, k) => ({ rows: s.rows + k.dropped.rows, frauds: s.frauds + k.dropped.frauds, cards: new Set([...s.cards, ...k.dropped.cards]) }), { rows: 0, frauds: 0, cards: new Set<bigint>() }),
  };
  const pooled = days.length === 1 ? { ...perDay[0], day: undefined } : metricsOf(pooledRows, meanCp, o, meanTx);
  delete (pooled as { day?: string }).day;
  return { days: perDay, pooled };
}
