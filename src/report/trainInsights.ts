/**
 * What train adds after its search (issue 16): the evaluation curves and charts of the chosen
 * model on the test window, impurity and permutation importance, and the HTML report — all logged
 * as artifacts of the parent run (`plots/*.png|svg`, `feature_importance.json`, `report.json`,
 * `report.html`) and the importances as metrics. One call from runTrain.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CoreDeps } from '../coreDeps.js';
import type { Output } from '../output.js';
import { permutationImportance, subsampleRows } from '../explain/permutationImportance.js';
import type { ModelVersion, RunInfo, Tracker } from '../mlflow/tracker.js';
import type { ScoredDay } from '../model/evaluate.js';
import type { ForestModel, TrainingData } from '../model/forest/index.js';
import { predictThreads } from '../model/forest/binnedRows.js';
import { takeRows } from '../model/sample.js';
import { evaluationCharts, type FeatureImportance } from '../plots/chartSpecs.js';
import { evaluationCurves } from '../plots/curves.js';
import { renderCharts } from '../plots/renderCharts.js';
import type { TrainOptions, TrialResult } from '../train/runTrain.js';
import type { PromotionSummary, TimelineSummary, WindowMetrics } from '../train/summary.js';
import { keptRows } from '../train/trainingSet.js';
import { metricList } from '../train/trialLog.js';
import { trainReportData } from './trainReportData.js';
import { renderReport } from './renderReport.js';

export interface TrainInsightsInput {
  /** The final (refit) model, the one registered. */
  model: ForestModel;
  /** The test window's stacked rows and, per day, the final model's (recalibrated) scores and drop masks. */
  testSet: TrainingData;
  testScored: ScoredDay[];
  windows: Pick<TimelineSummary, 'train' | 'validation' | 'test' | 'refit'>;
  protocol: { gap: number; k: number; bootstrap: number; dropKnown: boolean; alpha: number };
  validation: WindowMetrics;
  test: WindowMetrics;
  results: readonly TrialResult[];
  best: TrialResult;
  opts: TrainOptions;
  parent: RunInfo;
  experimentId: string;
  trackingUri: string;
  version?: ModelVersion;
  promotion: PromotionSummary | null;
}

export interface TrainInsights {
  importances: FeatureImportance[];
  /** Test rows permutation importance used (a seeded sample of PERMUTATION_ROWS beyond that). */
  permutationRows: number;
  artifacts: string[];
  seconds: number;
}

/** Permutation importance re-scores the window 16 times; 100 k rows keep that to ~2 s (~800 frauds at 0.8 %). */
const PERMUTATION_ROWS = 100_000;

const fmt = (x: number | null | undefined, d = 4) => (x === undefined || x === null ? 'undef' : x.toFixed(d));

export async function recordTrainInsights(input: TrainInsightsInput, ctx: Pick<CoreDeps, 'log' | 'now' | 'progress'>, tracker: Tracker): Promise<TrainInsights> {
  const t0 = performance.now();
  const { model, testSet, testScored, opts } = input;
  // Charts and permutation importance on the rows the test metrics are computed on (known-compromised
  // cards dropped), so the curves' areas are the reported test ROC AUC and AP.
  const kept = keptRows(testScored);
  const keptIdx = keptIndices(testScored);
  // Only the rows permutation importance samples are copied out (100 k, not the window's 1.5 M).
  const pick = subsampleRows(keptIdx.length, PERMUTATION_ROWS, opts.seed);
  const permIdx = pick ? pick.map((i) => keptIdx[i]) : keptIdx;
  const keptSet = takeRows(testSet.columns, testSet.labels, permIdx);
  const curves = evaluationCurves(kept.labels, kept.scores, { threshold: opts.threshold, beta: opts.beta });
  const progress = ctx.progress(model.featureNames.length, 'permutation importance');
  // Rank metrics only: the forest's raw scores rank rows as the recalibrated ones do.
  // 17 predictions of ≤ 100 k rows (the base, then one job of a pass per feature): a shallow forest
  // predicts them in-process faster than workers start; workers only where the walks of all 17
  // pay for them (predictThreads' rule), at most --threads. Same importances at any thread count.
  const { importances: perm, rows: permRows } = await permutationImportance(model, keptSet.columns, keptSet.labels, permIdx.length, {
    seed: opts.seed,
    threads: Math.min(opts.threads, predictThreads(model, permIdx.length * (model.featureNames.length + 1))),
    maxRows: PERMUTATION_ROWS,
    onFeature: (f) => progress.tick(f),
  });
  progress.done();
  const impurity = model.importances();
  const importances: FeatureImportance[] = perm.map((p) => ({ feature: p.feature, impurity: impurity[p.feature], rocAucDrop: p.rocAucDrop, prAucDrop: p.prAucDrop }));
  const pooled = input.test.pooled;
  const charts = evaluationCharts(curves, { roc_auc: pooled.roc_auc ?? undefined, pr_auc: pooled.pr_auc ?? undefined }, importances);
  const data = trainReportData(input, curves.atThreshold, importances, charts);

  const dir = await mkdtemp(join(tmpdir(), 'fraudctl-report-'));
  try {
    await mkdir(join(dir, 'plots'));
    const rendered = await renderCharts(charts);
    for (const r of rendered) {
      await writeFile(join(dir, 'plots', `${r.name}.png`), r.png);
      await writeFile(join(dir, 'plots', `${r.name}.svg`), r.svg);
    }
    await writeFile(join(dir, 'feature_importance.json'), JSON.stringify(importances, null, 2));
    await writeFile(join(dir, 'report.json'), JSON.stringify(data));
    await writeFile(join(dir, 'report.html'), await renderReport(data));
    await tracker.logArtifacts(input.parent, dir, '');
    // What score compares a day's flagged share with: every test row, as score sees a day.
    const metrics: Record<string, number | undefined> = { test_flagged_share: flaggedShare(testScored, opts.threshold) };
    for (const r of importances) {
      metrics[`importance_${r.feature}`] = r.impurity;
      metrics[`perm_roc_auc_drop_${r.feature}`] = r.rocAucDrop;
      metrics[`perm_pr_auc_drop_${r.feature}`] = r.prAucDrop;
    }
    await tracker.logBatch(input.parent.runId, { metrics: metricList(metrics, ctx.now().getTime()) });
    const artifacts = [...rendered.flatMap((r) => [`plots/${r.name}.png`, `plots/${r.name}.svg`]), 'feature_importance.json', 'report.json', 'report.html'];
    const seconds = +((performance.now() - t0) / 1000).toFixed(2);
    ctx.log.info({ seconds, artifacts: artifacts.length, permutationRows: permRows }, 'plots, importances and report logged');
    return { importances, permutationRows: permRows, artifacts, seconds };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The importance table train prints after its trial table, most important first. */
export function printImportances(out: Output, importances: readonly FeatureImportance[]): void {
  out.line('Feature importance (impurity: share of the training Gini decrease; perm: test-window drop when the column is shuffled):');
  out.table(
    ['feature', 'impurity', 'perm_roc_auc_drop', 'perm_pr_auc_drop'],
    [...importances].sort((a, b) => b.impurity - a.impurity).map((r) => [r.feature, fmt(r.impurity), fmt(r.rocAucDrop), fmt(r.prAucDrop)]),
  );
}

/** Indices (into the stacked window) of the rows a window keeps. */
function keptIndices(days: readonly ScoredDay[]): Uint32Array {
  let n = 0;
  for (const d of days) for (let i = 0; i < d.labels.length; i++) n += d.drop?.[i] ? 0 : 1;
  const idx = new Uint32Array(n);
  let off = 0;
  let j = 0;
  for (const d of days) {
    for (let i = 0; i < d.labels.length; i++) if (!d.drop?.[i]) idx[j++] = off + i;
    off += d.labels.length;
  }
  return idx;
}

function flaggedShare(days: readonly ScoredDay[], threshold: number): number {
  let flagged = 0;
  let n = 0;
  for (const d of days) {
    for (let i = 0; i < d.scores.length; i++) if (d.scores[i] >= threshold) flagged++;
    n += d.scores.length;
  }
  return flagged / n;
}
