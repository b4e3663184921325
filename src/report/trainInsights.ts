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
import { permutationImportance } from '../explain/permutationImportance.js';
import type { ModelVersion, RunInfo, Tracker } from '../mlflow/tracker.js';
import { predictParallel, type ForestModel } from '../model/forest/index.js';
import { evaluationCharts, type FeatureImportance } from '../plots/chartSpecs.js';
import { evaluationCurves } from '../plots/curves.js';
import { renderCharts } from '../plots/renderCharts.js';
import type { TrainOptions, TrialResult } from '../train/runTrain.js';
import { metricList } from '../train/trialLog.js';
import { VERSION } from '../version.js';
import { REPORT_FORMAT, type ReportData } from './reportData.js';
import { renderReport } from './renderReport.js';

export interface TrainInsightsInput {
  model: ForestModel;
  test: { day: string; n: number; columns: Float64Array[]; labels: Uint8Array };
  trainDays: string[];
  trainRows: number;
  trainFrauds: number;
  testFrauds: number;
  results: readonly TrialResult[];
  best: TrialResult;
  opts: TrainOptions;
  parent: RunInfo;
  experimentId: string;
  trackingUri: string;
  version?: ModelVersion;
  promotion?: { promoted: boolean; reason: string };
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

const fmt = (x: number | undefined, d = 4) => (x === undefined ? 'undef' : x.toFixed(d));

export async function recordTrainInsights(input: TrainInsightsInput, ctx: Pick<CoreDeps, 'log' | 'now' | 'progress'>, tracker: Tracker): Promise<TrainInsights> {
  const t0 = performance.now();
  const { model, test, opts, best } = input;
  const scores = await predictParallel(model, test.columns, test.n, { threads: opts.threads });
  const curves = evaluationCurves(test.labels, scores, { threshold: opts.threshold, beta: opts.beta });
  const progress = ctx.progress(model.featureNames.length, 'permutation importance');
  const { importances: perm, rows: permRows } = await permutationImportance(model, test.columns, test.labels, test.n, {
    seed: opts.seed,
    threads: opts.threads,
    maxRows: PERMUTATION_ROWS,
    onFeature: (f) => progress.tick(f),
  });
  progress.done();
  const impurity = model.importances();
  const importances: FeatureImportance[] = perm.map((p) => ({ feature: p.feature, impurity: impurity[p.feature], rocAucDrop: p.rocAucDrop, prAucDrop: p.prAucDrop }));
  const charts = evaluationCharts(curves, best.metrics, importances);
  const data = reportData(input, curves.atThreshold, importances, charts);

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
    // What score compares a day's flagged share with.
    const at = curves.atThreshold;
    const metrics: Record<string, number | undefined> = { test_flagged_share: (at.tp + at.fp) / test.n };
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

function reportData(input: TrainInsightsInput, at: { tp: number; fp: number; fn: number; tn: number }, importances: FeatureImportance[], charts: ReportData['charts']): ReportData {
  const { opts, best, version, promotion } = input;
  const metricValues = Object.fromEntries(Object.entries(best.metrics).filter(([k]) => ['roc_auc', 'pr_auc', 'accuracy', 'precision', 'recall', 'f1', 'f_beta'].includes(k))) as Record<string, number | undefined>;
  return {
    format: REPORT_FORMAT,
    fraudctlVersion: VERSION,
    createdAt: new Date(input.parent.startTime ?? Date.now()).toISOString(),
    run: { runId: input.parent.runId, experimentId: input.experimentId, experiment: opts.experiment, trackingUri: input.trackingUri },
    settings: { gap: opts.gap, sample: opts.sample, 'max evals': opts.maxEvals, search: opts.search, seed: opts.seed, threshold: opts.threshold, beta: opts.beta, 'label delay (days)': opts.delay, 'min samples per leaf': opts.minSamplesLeaf },
    windows: [
      { name: 'train', days: input.trainDays, rows: input.trainRows, frauds: input.trainFrauds },
      { name: 'test', days: [input.test.day], rows: input.test.n, frauds: input.testFrauds },
    ],
    trials: input.results.map((r) => ({ trial: r.trial, n_estimators: r.params.n_estimators, max_depth: r.params.max_depth, metrics: { ...r.metrics }, fitSeconds: r.fitSeconds, best: r.trial === best.trial })),
    metrics: [{ window: 'test', values: metricValues }],
    confusion: { threshold: opts.threshold, ...at },
    importances,
    decision: {
      ...(version ? { registered: { name: version.name, version: version.version } } : {}),
      ...(promotion ? { promoted: promotion.promoted } : {}),
      reason: promotion ? promotion.reason : version ? 'registered without --promote; the champion alias is unchanged' : 'not registered (--no-register)',
    },
    charts,
  };
}
