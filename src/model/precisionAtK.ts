/**
 * Precision at k, the metrics a fraud team with k investigations a day reads.
 *
 * Ties: rows (or cards) with equal scores are ordered by id ascending, so the top k is one
 * well-defined set; the handbook leaves ties to pandas' unstable sort.
 */

/**
 * Transaction precision@k: frauds among the k highest-scored transactions, divided by k.
 * Undefined when there are fewer than k rows (k investigations cannot be filled).
 */
export function txPrecisionAtK(labels: Uint8Array, scores: Float64Array, ids: BigInt64Array, k: number): number | undefined {
  checkK(k);
  if (labels.length < k) return undefined;
  const order = topOrder(scores, ids);
  let hits = 0;
  for (let r = 0; r < k; r++) hits += labels[order[r]];
  return hits / k;
}

export interface CardPrecision {
  /** Compromised cards among the k riskiest cards, / k; undefined with fewer than k cards. */
  value?: number;
  /** The compromised cards found in the top k (the handbook removes them from later days). */
  detected: bigint[];
  cards: number;
}

/**
 * Card precision@k of one day as the handbook defines it (chapter 4): each card (customer) gets
 * the maximum score and the maximum label of its transactions that day, the k cards with the
 * highest score are investigated, and the precision is the number of compromised cards among them
 * divided by k. Cards in `exclude` (detected on earlier days of the window) are left out first.
 */
export function cardPrecisionAtK(cards: BigInt64Array, labels: Uint8Array, scores: Float64Array, k: number, exclude?: ReadonlySet<bigint>): CardPrecision {
  checkK(k);
  const best = new Map<bigint, { score: number; fraud: number }>();
  for (let i = 0; i < cards.length; i++) {
    const c = cards[i];
    if (exclude?.has(c)) continue;
    const cur = best.get(c);
    if (!cur) best.set(c, { score: scores[i], fraud: labels[i] });
    else {
      if (scores[i] > cur.score) cur.score = scores[i];
      if (labels[i] > cur.fraud) cur.fraud = labels[i];
    }
  }
  const ids = BigInt64Array.from(best.keys());
  const cardScores = Float64Array.from(best.values(), (v) => v.score);
  if (ids.length < k) return { detected: [], cards: ids.length };
  const order = topOrder(cardScores, ids);
  const detected: bigint[] = [];
  for (let r = 0; r < k; r++) if (best.get(ids[order[r]])!.fraud === 1) detected.push(ids[order[r]]);
  return { value: detected.length / k, detected, cards: ids.length };
}

/** Row indices by score descending, ties by id ascending. */
function topOrder(scores: Float64Array, ids: BigInt64Array): Uint32Array {
  const order = Uint32Array.from({ length: scores.length }, (_, i) => i);
  order.sort((a, b) => scores[b] - scores[a] || (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : 0));
  return order;
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a whole number >= 1, got ${k}`);
}
