import type { PairedAucTest } from './delong.js';

/**
 * The promotion rule of `train --promote` (README "Promotion"), pure. Champion and challenger are
 * compared on the SAME rows — the challenger's test window, after the known-compromised cards are
 * dropped — with DeLong's test for two correlated ROC AUCs, one-sided, at level `alpha`:
 *
 *  1. no champion → promote (a first champion), if its AUC is above `minAuc` (0.5: chance);
 *  2. the challenger was trained on OLDER data than the champion (a backfill) → never promote;
 *     the champion has seen the challenger's test days, so the comparison would favour it anyway;
 *  3. challenger significantly better (p of "better" < alpha) → promote;
 *  4. the champion was trained on older data and the challenger is not significantly worse
 *     (p of "worse" ≥ alpha) → promote: a fresher model of the same quality follows the drift;
 *  5. otherwise keep the champion (same train window and no significant gain: noise).
 * A champion that cannot be scored on the test rows (its model file is missing or has other
 * features) cannot defend its place: promote, saying why. `force` promotes whatever the test says.
 */
export interface PromotionInput {
  challenger: { version: string; auc?: number; trainEnd: string };
  champion?: {
    version: string;
    /** Last day of its train window (tag fraudctl.train_end); undefined when not recorded. */
    trainEnd?: string;
    /** challenger (A) vs champion (B) on the challenger's test rows. */
    comparison?: PairedAucTest;
    /** Why the champion could not be scored, when it could not. */
    unscorable?: string;
  };
  alpha: number;
  minAuc: number;
  force?: boolean;
}

export interface PromotionDecision {
  promote: boolean;
  reason: string;
  /** The p-value the decision rests on, when a paired test decided it. */
  pValue?: number;
}

const f4 = (x: number) => x.toFixed(4);
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(4)}`;
const p = (x: number | undefined) => (x === undefined ? 'undefined' : x < 1e-4 ? x.toExponential(2) : x.toFixed(4));

function evidence(c: PairedAucTest): string {
  return `ΔAUC ${signed(c.delta)} (95 % CI ${signed(c.deltaCi95[0])} … ${signed(c.deltaCi95[1])}), ${f4(c.aucA)} vs ${f4(c.aucB)}, DeLong z ${c.z === undefined ? 'undefined' : c.z.toFixed(3)}`;
}

export function decidePairedPromotion(i: PromotionInput): PromotionDecision {
  const { challenger: ch, champion: cp, alpha } = i;
  if (i.force) return { promote: true, reason: `forced by hand${cp ? ` (replacing v${cp.version})` : ''}` };
  if (cp && cp.version === ch.version) return { promote: false, reason: `v${ch.version} already is the champion` };
  if (ch.auc === undefined) return { promote: false, reason: `v${ch.version} has no test ROC AUC: nothing to compare` };
  if (ch.auc <= i.minAuc) return { promote: false, reason: `v${ch.version} test ROC AUC ${f4(ch.auc)} is not above ${i.minAuc}` };
  if (!cp) return { promote: true, reason: `no current champion; v${ch.version} test ROC AUC ${f4(ch.auc)}` };
  if (cp.trainEnd !== undefined && ch.trainEnd < cp.trainEnd) {
    return { promote: false, reason: `v${ch.version} was trained on data up to ${ch.trainEnd}, older than the champion v${cp.version} (up to ${cp.trainEnd}): a backfill never replaces a newer model` };
  }
  if (cp.unscorable) return { promote: true, reason: `the champion v${cp.version} cannot be scored on the test rows (${cp.unscorable}); replaced by v${ch.version} (ROC AUC ${f4(ch.auc)})` };
  const older = cp.trainEnd === undefined || cp.trainEnd < ch.trainEnd;
  const olderText = cp.trainEnd === undefined ? 'has no recorded train window' : `was trained on data up to ${cp.trainEnd}, the challenger up to ${ch.trainEnd}`;
  const c = cp.comparison;
  if (!c) {
    return older
      ? { promote: true, reason: `the champion v${cp.version} ${olderText}; a paired test is not possible on these rows (fewer than 2 frauds or genuine), so the fresher model wins` }
      : { promote: false, reason: `a paired test is not possible on these rows (fewer than 2 frauds or genuine) and both models were trained on the same window: keep v${cp.version}` };
  }
  const pBetter = c.pBetter ?? 1;
  const pWorse = c.pWorse ?? 1;
  if (pBetter < alpha) return { promote: true, pValue: pBetter, reason: `significantly better than the champion v${cp.version}: ${evidence(c)}, one-sided p = ${p(pBetter)} < α = ${alpha}` };
  if (older && pWorse >= alpha) {
    return { promote: true, pValue: pWorse, reason: `the champion v${cp.version} ${olderText}, and the challenger is not significantly worse: ${evidence(c)}, p(worse) = ${p(pWorse)} ≥ α = ${alpha}` };
  }
  if (older) return { promote: false, pValue: pWorse, reason: `significantly worse than the older champion v${cp.version}: ${evidence(c)}, p(worse) = ${p(pWorse)} < α = ${alpha}` };
  return { promote: false, pValue: pBetter, reason: `not significantly better than the champion v${cp.version} trained on the same window: ${evidence(c)}, one-sided p = ${p(pBetter)} ≥ α = ${alpha}` };
}
