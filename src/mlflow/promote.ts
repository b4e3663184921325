import { usageError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ModelVersion, Tracker } from './tracker.js';

/** Version tags the train command sets and promotion reads. */
export const TEST_DAY_TAG = 'fraudctl.test_day';
export const PROMOTION_TAG = 'fraudctl.promotion';
export const metricTag = (metric: string) => `fraudctl.${metric}`;

export interface PromoteOptions {
  name: string;
  version: string;
  alias?: string;
  /** The metric compared, read from the `fraudctl.<metric>` version tag. */
  metric?: string;
  /** The new version's test day, when its `fraudctl.test_day` tag is missing. */
  testDay?: string;
  /** A version at or below this is never promoted (0.5: no better than chance for ROC AUC). */
  minMetric?: number;
  /** Move the alias whatever the comparison says (a person decided). */
  force?: boolean;
  log: Logger;
}

export interface PromoteResult {
  promoted: boolean;
  reason: string;
  previous?: ModelVersion;
}

export interface Candidate {
  version: string;
  day?: string;
  score?: number;
}

const fmt = (x: number) => x.toFixed(4);

/**
 * The promotion rule, pure. Scores of different test days are never compared (a day with more
 * fraud or fewer transactions moves AUC by itself). So:
 *  - no current holder of the alias → promote (a first champion), if the score beats `minMetric`;
 *  - same test day → promote only if strictly better (a tie keeps the champion);
 *  - the new version was tested on a LATER day → promote: it was judged on fresher data, which is
 *    what a daily retrain is for; its score still has to beat `minMetric`;
 *  - tested on an EARLIER day (a backfill, a re-run of an old window) → do not promote;
 *  - a champion without a recorded score or test day cannot defend its place → promote.
 */
export function decidePromotion(cand: Candidate, champ: Candidate | undefined, o: { metric: string; alias: string; minMetric: number; force?: boolean }): { promote: boolean; reason: string } {
  const at = `@${o.alias}`;
  if (o.force) return { promote: true, reason: `forced by hand${champ ? ` (replacing v${champ.version})` : ''}` };
  if (champ && champ.version === cand.version) return { promote: false, reason: `v${cand.version} already is ${at}` };
  if (cand.score === undefined || !Number.isFinite(cand.score)) return { promote: false, reason: `v${cand.version} has no ${o.metric} (tag ${metricTag(o.metric)}): nothing to compare` };
  if (cand.score <= o.minMetric) return { promote: false, reason: `v${cand.version} ${o.metric} ${fmt(cand.score)} is not above ${o.minMetric}` };
  if (!champ) return { promote: true, reason: `no current ${at}; v${cand.version} ${o.metric} ${fmt(cand.score)}${cand.day ? ` on ${cand.day}` : ''}` };
  if (champ.score === undefined || !Number.isFinite(champ.score) || !champ.day) {
    return { promote: true, reason: `current ${at} v${champ.version} has no recorded ${o.metric} and test day to compare with; replaced by v${cand.version} (${fmt(cand.score)})` };
  }
  if (!cand.day) return { promote: false, reason: `v${cand.version} has no test day (tag ${TEST_DAY_TAG}); cannot compare with ${at} v${champ.version}` };
  if (cand.day === champ.day) {
    return cand.score > champ.score
      ? { promote: true, reason: `${o.metric} ${fmt(cand.score)} > ${fmt(champ.score)} of ${at} v${champ.version} on the same test day ${cand.day}` }
      : { promote: false, reason: `${o.metric} ${fmt(cand.score)} <= ${fmt(champ.score)} of ${at} v${champ.version} on the same test day ${cand.day}` };
  }
  return cand.day > champ.day
    ? { promote: true, reason: `tested on a later day (${cand.day}, ${o.metric} ${fmt(cand.score)}) than ${at} v${champ.version} (${champ.day}, ${fmt(champ.score)}); scores of different days are not compared, the fresher evaluation wins` }
    : { promote: false, reason: `tested on an earlier day (${cand.day}) than ${at} v${champ.version} (${champ.day}); a backfill does not replace a model judged on newer data` };
}

function candidateOf(mv: ModelVersion, metric: string, testDay?: string): Candidate {
  const raw = mv.tags[metricTag(metric)];
  const score = raw === undefined || raw.trim() === '' ? undefined : Number(raw);
  return { version: mv.version, day: mv.tags[TEST_DAY_TAG] ?? testDay, score };
}

/**
 * Moves `alias` (default champion) to the version when the rule above says so, and writes the
 * reason into the version's `fraudctl.promotion` tag either way. Aliases only: stages are
 * deprecated since MLflow 2.9.
 */
export async function promoteIfBetter(tracker: Tracker, opts: PromoteOptions): Promise<PromoteResult> {
  const alias = opts.alias ?? 'champion';
  const metric = opts.metric ?? 'roc_auc';
  const mv = await tracker.getModelVersion(opts.name, opts.version);
  const tagged = mv.tags[TEST_DAY_TAG];
  if (opts.testDay && tagged && tagged !== opts.testDay) {
    throw usageError(`model ${opts.name} v${opts.version} was tested on ${tagged}, not ${opts.testDay}`);
  }
  const previous = await tracker.getModelVersionByAlias(opts.name, alias);
  const decision = decidePromotion(candidateOf(mv, metric, opts.testDay), previous && candidateOf(previous, metric), { metric, alias, minMetric: opts.minMetric ?? 0.5, force: opts.force });
  if (decision.promote) await tracker.setAlias(opts.name, alias, opts.version);
  const reason = `${decision.promote ? 'promoted to' : 'not promoted to'} @${alias}: ${decision.reason}`;
  await tracker.setModelVersionTag(opts.name, opts.version, PROMOTION_TAG, reason);
  opts.log.info({ model: opts.name, version: opts.version, alias, promoted: decision.promote, previous: previous?.version }, reason);
  return { promoted: decision.promote, reason: decision.reason, ...(previous ? { previous } : {}) };
}

/** Version tags of the paired promotion of `train --promote`. */
export const TRAIN_END_TAG = 'fraudctl.train_end';
export const PROMOTION_P_TAG = 'fraudctl.promotion_p_value';
export const PROMOTION_DELTA_TAG = 'fraudctl.promotion_delta_auc';

/** The last train day of a version: its fraudctl.train_end tag, else the last of fraudctl.train_days. */
export function trainEndOf(mv: ModelVersion): string | undefined {
  const end = mv.tags[TRAIN_END_TAG];
  if (end) return end;
  const days = mv.tags['fraudctl.train_days']?.split(',').filter(Boolean).sort();
  return days && days.length > 0 ? days[days.length - 1] : undefined;
}

/**
 * Applies a decision of the paired rule (src/model/promotionRule.ts): moves the alias when it says
 * so and writes the reason, the p-value that decided and ΔAUC into the version's tags either way.
 */
export async function applyPromotion(
  tracker: Tracker,
  o: { name: string; version: string; alias: string; promote: boolean; reason: string; pValue?: number; deltaAuc?: number; log: Logger },
): Promise<void> {
  if (o.promote) await tracker.setAlias(o.name, o.alias, o.version);
  const reason = `${o.promote ? 'promoted to' : 'not promoted to'} @${o.alias}: ${o.reason}`;
  await tracker.setModelVersionTag(o.name, o.version, PROMOTION_TAG, reason);
  if (o.pValue !== undefined) await tracker.setModelVersionTag(o.name, o.version, PROMOTION_P_TAG, String(o.pValue));
  if (o.deltaAuc !== undefined) await tracker.setModelVersionTag(o.name, o.version, PROMOTION_DELTA_TAG, String(o.deltaAuc));
  o.log.info({ model: o.name, version: o.version, alias: o.alias, promoted: o.promote }, reason);
}
