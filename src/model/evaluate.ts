import type { DayMetrics, EvalMetrics, WindowMetrics } from '../train/summary.js';
import { bootstrapApFromCategories } from './bootstrapAp.js';
import { delongFromComponents } from './delong.js';
import { thresholdMetrics } from './metrics.js';
import { cardPrecisionAtK, txPrecisionAtK } from './precisionAtK.js';
import { rankScores } from './ranking.js';

/** One day's scored rows; `drop[i] = 1` marks a row of a card already known compromised. */
export interface ScoredDay {
  day: string;
  labels: Uint8Array;
  scores: Float64Array;
  cards: BigInt64Array;
  txIds: BigInt64Array;
  drop?: Uint8Array;
}

/** A day before it is scored (what the metrics need of it besides the scores). */
export type UnscoredDay = Omit<ScoredDay, 'scores'>;

export interface EvalOptions {
  threshold: number;
  beta: number;
  /** k of card and transaction precision@k. */
  k: number;
  /** Bootstrap resamples of the AP interval; 0 leaves the interval out (null). */
  bootstrap: number;
  seed: number;
}

/** A day's (or the pooled window's) kept rows, all but their scores: the same for every trial. */
interface KeptRows {
  /** The kept rows' indices among the day's rows; undefined: every row. */
  idx?: Uint32Array;
  labels: Uint8Array;
  cards: BigInt64Array;
  txIds: BigInt64Array;
  dropped: { rows: number; frauds: number; cards: Set<bigint> };
  /** Distinct cards, counted once when first asked for (a sort of the cards). */
  distinctCards?: number;
}

function keep(d: UnscoredDay): KeptRows {
  if (!d.drop) return { labels: d.labels, cards: d.cards, txIds: d.txIds, dropped: { rows: 0, frauds: 0, cards: new Set() } };
  let kept = 0;
  for (let i = 0; i < d.labels.length; i++) kept += +!d.drop[i];
  const idx = new Uint32Array(kept);
  const labels = new Uint8Array(kept);
  const cards = new BigInt64Array(kept);
  const txIds = new BigInt64Array(kept);
  let frauds = 0;
  const droppedCards = new Set<bigint>();
  for (let i = 0, j = 0; i < d.labels.length; i++) {
    if (d.drop[i]) {
      frauds += d.labels[i];
      droppedCards.add(d.cards[i]);
    } else {
      idx[j] = i;
      labels[j] = d.labels[i];
      cards[j] = d.cards[i];
      txIds[j++] = d.txIds[i];
    }
  }
  return { idx, labels, cards, txIds, dropped: { rows: d.labels.length - kept, frauds, cards: droppedCards } };
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

/** The kept rows' scores (in kept order). */
function keptScores(k: KeptRows, scores: Float64Array): Float64Array {
  if (!k.idx) return scores;
  const out = new Float64Array(k.idx.length);
  for (let j = 0; j < out.length; j++) out[j] = scores[k.idx[j]];
  return out;
}

const orNull = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? null : x);

function metricsOf(k: KeptRows, scores: Float64Array, cardPrecision: number | undefined, o: EvalOptions, txPrecision?: number | null): EvalMetrics {
  const n = k.labels.length;
  const base = n > 0 ? thresholdMetrics(k.labels, scores, o.threshold, o.beta) : undefined;
  // One ranking pass gives AUC, AP, DeLong and the bootstrap's categories (ranking.ts).
  const r = n > 0 ? rankScores(k.labels, scores, { delong: true }) : undefined;
  const ap = r?.pr_auc !== undefined && o.bootstrap > 0 ? bootstrapApFromCategories(r, { resamples: o.bootstrap, seed: o.seed }) : undefined;
  const m: Omit<EvalMetrics, 'undefinedMetrics'> = {
    rows: n,
    frauds: base?.positives ?? 0,
    cards: (k.distinctCards ??= distinctCount(k.cards)),
    droppedRows: k.dropped.rows,
    droppedFrauds: k.dropped.frauds,
    droppedCards: k.dropped.cards.size,
    roc_auc: orNull(r?.roc_auc),
    roc_auc_ci95: r?.components ? delongFromComponents(r.components).ci95 : null,
    pr_auc: orNull(r?.pr_auc),
    pr_auc_ci95: ap ?? null,
    card_precision_at_k: orNull(cardPrecision),
    tx_precision_at_k: txPrecision !== undefined ? txPrecision : n > 0 ? orNull(txPrecisionAtK(k.labels, scores, k.txIds, o.k)) : null,
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
 * A window's rows prepared once for many evaluations (a search scores the same validation rows
 * once per trial): the known-compromised rows are dropped and the cards counted here, so an
 * evaluation only gathers its scores and ranks them.
 */
export class PreparedWindow {
  private readonly kept: KeptRows[];
  private pooledRows: KeptRows | undefined;

  constructor(private readonly days: UnscoredDay[]) {
    this.kept = days.map(keep);
  }

  dayNames(): string[] {
    return this.days.map((d) => d.day);
  }

  /** Kept rows and frauds of the whole window (for a check before any scoring). */
  counts(): { rows: number; frauds: number } {
    let rows = 0;
    let frauds = 0;
    for (const k of this.kept) {
      rows += k.labels.length;
      for (let i = 0; i < k.labels.length; i++) frauds += k.labels[i];
    }
    return { rows, frauds };
  }

  private pooled(): KeptRows {
    if (!this.pooledRows) {
      const kept = this.kept;
      const cards = concat(kept.map((k) => k.cards), (n) => new BigInt64Array(n));
      this.pooledRows = {
        labels: concat(kept.map((k) => k.labels), (n) => new Uint8Array(n)),
        cards,
        txIds: concat(kept.map((k) => k.txIds), (n) => new BigInt64Array(n)),
        dropped: kept.reduce((s, k) => ({ rows: s.rows + k.dropped.rows, frauds: s.frauds + k.dropped.frauds, cards: new Set([...s.cards, ...k.dropped.cards]) }), { rows: 0, frauds: 0, cards: new Set<bigint>() }),
      };
    }
    return this.pooledRows;
  }

  /**
   * Metrics of the window, per day and pooled, for scores[d] of day d (all its rows, dropped ones
   * too). Card precision@k follows the handbook over several days: cards found compromised in
   * the top k of an earlier day are left out of the later days, and the pooled value is the mean
   * over days (undefined when any day's is); so is transaction precision@k (k investigations a
   * day). ROC AUC, AP and the rest are pooled over all kept rows.
   */
  evaluate(scores: Float64Array[], o: EvalOptions): WindowMetrics {
    if (scores.length !== this.days.length) throw new RangeError(`${scores.length} score arrays for ${this.days.length} days`);
    const detected = new Set<bigint>();
    const dayScores = this.kept.map((k, i) => {
      if (scores[i].length !== this.days[i].labels.length) throw new RangeError(`day ${this.days[i].day}: ${scores[i].length} scores for ${this.days[i].labels.length} rows`);
      return keptScores(k, scores[i]);
    });
    const perDay: DayMetrics[] = this.kept.map((k, i) => {
      const cp = cardPrecisionAtK(k.cards, k.labels, dayScores[i], o.k, detected);
      for (const c of cp.detected) detected.add(c);
      return { day: this.days[i].day, ...metricsOf(k, dayScores[i], cp.value, o) };
    });
    const meanOf = (xs: (number | null)[]) => (xs.some((c) => c === null) ? null : (xs as number[]).reduce((s, c) => s + c, 0) / xs.length);
    const meanCp = meanOf(perDay.map((d) => d.card_precision_at_k)) ?? undefined;
    const meanTx = meanOf(perDay.map((d) => d.tx_precision_at_k));
    const pooled = this.days.length === 1 ? { ...perDay[0], day: undefined } : metricsOf(this.pooled(), concat(dayScores, (n) => new Float64Array(n)), meanCp, o, meanTx);
    delete (pooled as { day?: string }).day;
    return { days: perDay, pooled };
  }
}

/** Metrics of a window, per day and pooled (PreparedWindow.evaluate, for a window evaluated once). */
export function evaluateWindow(days: ScoredDay[], o: EvalOptions): WindowMetrics {
  return new PreparedWindow(days).evaluate(
    days.map((d) => d.scores),
    o,
  );
}
