import type { Logger } from '../log.js';
import { applyPromotion, trainEndOf } from '../mlflow/promote.js';
import type { ModelVersion, Tracker } from '../mlflow/tracker.js';
import { pairedDelong } from '../model/delong.js';
import type { ScoredDay } from '../model/evaluate.js';
import type { TrainingData } from '../model/forest/index.js';
import { decidePairedPromotion } from '../model/promotionRule.js';
import { scoreChampion } from './champion.js';
import type { TrainOptions } from './runTrain.js';
import type { PromotionSummary } from './summary.js';
import { keptRows } from './trainingSet.js';

const RULE =
  'promote when there is no champion; never when the challenger was trained on older data; else when DeLong\'s one-sided paired test on the same test rows says the challenger is better at alpha, or the champion was trained on older data and the challenger is not significantly worse';

/** Scores the champion on the challenger's test rows, runs the paired test, applies the rule. */
export async function promoteAfterTrain(
  tracker: Tracker,
  o: { opts: TrainOptions; names: readonly string[]; alpha: number; version: ModelVersion; testSet: TrainingData; testScored: ScoredDay[]; trainEnd: string; log: Logger; testAuc: number | null },
): Promise<PromotionSummary> {
  const { opts } = o;
  const alias = 'champion';
  const champ = await scoreChampion(tracker, { name: opts.registeredModel, alias, cacheDir: opts.cacheDir ?? '.fraudctl/cache', columns: o.testSet.columns, n: o.testSet.nRows, threads: opts.threads, names: o.names });
  const kept = champ?.scores ? keptRows(o.testScored, champ.scores) : undefined;
  const comparison = kept ? pairedDelong(kept.labels, kept.scores, kept.other!) : undefined;
  const decision = decidePairedPromotion({
    challenger: { version: o.version.version, auc: o.testAuc ?? undefined, trainEnd: o.trainEnd },
    champion: champ && { version: champ.version.version, trainEnd: trainEndOf(champ.version), comparison, unscorable: champ.unscorable },
    alpha: o.alpha,
    minAuc: 0.5,
  });
  await applyPromotion(tracker, { name: opts.registeredModel, version: o.version.version, alias, promote: decision.promote, reason: decision.reason, pValue: decision.pValue, deltaAuc: comparison?.delta, log: o.log });
  return {
    promoted: decision.promote,
    reason: decision.reason,
    rule: RULE,
    alpha: o.alpha,
    championVersion: champ?.version.version ?? null,
    challengerAuc: comparison?.aucA ?? o.testAuc,
    championAuc: comparison?.aucB ?? null,
    deltaAuc: comparison?.delta ?? null,
    deltaAucCi95: comparison?.deltaCi95 ?? null,
    z: comparison?.z ?? null,
    pBetter: comparison?.pBetter ?? null,
    pWorse: comparison?.pWorse ?? null,
    pValue: decision.pValue ?? null,
  };
}
