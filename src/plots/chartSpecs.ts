/**
 * Vega-Lite specs of the charts fraudctl draws. The same specs are rendered to SVG/PNG for MLflow
 * (renderCharts.ts) and embedded in the HTML report, so a chart looks the same in both.
 */
import type { EvaluationCurves } from './curves.js';

export type ChartSpec = Record<string, unknown>;

export interface Chart {
  /** File name without extension: roc_curve, pr_curve, … */
  name: string;
  title: string;
  spec: ChartSpec;
}

export interface FeatureImportance {
  feature: string;
  /** Mean decrease in impurity, summing to 1 over the features. */
  impurity: number;
  /** Drop in test ROC AUC / average precision when the feature's column is shuffled. */
  rocAucDrop?: number;
  prAucDrop?: number;
}

/** One test day of a backtest; a metric undefined on that day (null) is left out of the chart. */
export interface BacktestDay {
  day: string;
  roc_auc: number | null;
  pr_auc: number | null;
  card_precision_at_k: number | null;
}

const WIDTH = 420;
const HEIGHT = 300;
/** The font shipped with fraudctl (renderCharts.ts), so text renders the same without a desktop. */
export const CHART_FONT = 'Inter';

function base(title: string, extra: ChartSpec): ChartSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: WIDTH,
    height: HEIGHT,
    background: 'white',
    config: { font: CHART_FONT, view: { stroke: '#ccc' }, axis: { labelFontSize: 11, titleFontSize: 12 } },
    ...extra,
  };
}

const unit = (title: string) => ({ type: 'quantitative', title, scale: { domain: [0, 1] } });
const fmt = (x: number | undefined) => (x === undefined ? 'undefined' : x.toFixed(4));
const diagonal = { data: { values: [{ a: 0, b: 0 }, { a: 1, b: 1 }] }, mark: { type: 'line', strokeDash: [4, 4], color: '#999' }, encoding: { x: { field: 'a', type: 'quantitative' }, y: { field: 'b', type: 'quantitative' } } };

export function rocSpec(c: EvaluationCurves, rocAuc: number | undefined): Chart {
  return {
    name: 'roc_curve',
    title: 'ROC curve',
    spec: base(`ROC curve (AUC ${fmt(rocAuc)})`, {
      layer: [
        diagonal,
        { data: { values: c.curve.map((p) => ({ fpr: p.fpr, tpr: p.tpr })) }, mark: { type: 'line', interpolate: 'step-after' }, encoding: { x: { field: 'fpr', ...unit('False positive rate') }, y: { field: 'tpr', ...unit('True positive rate (recall)') } } },
      ],
    }),
  };
}

export function prSpec(c: EvaluationCurves, prAuc: number | undefined): Chart {
  const at = c.atThreshold;
  const marker = at.precision === undefined || at.recall === undefined ? [] : [{ recall: at.recall, precision: at.precision, label: `threshold ${c.threshold}` }];
  const baseRate = c.n ? c.positives / c.n : 0;
  return {
    name: 'pr_curve',
    title: 'Precision–recall curve',
    spec: base(`Precision–recall (AP ${fmt(prAuc)})`, {
      layer: [
        { data: { values: [{ y: baseRate }] }, mark: { type: 'rule', strokeDash: [4, 4], color: '#999' }, encoding: { y: { field: 'y', type: 'quantitative' } } },
        { data: { values: c.curve.slice(1).map((p) => ({ recall: p.recall, precision: p.precision })) }, mark: { type: 'line', interpolate: 'step-before' }, encoding: { x: { field: 'recall', ...unit('Recall') }, y: { field: 'precision', ...unit('Precision') } } },
        { data: { values: marker }, mark: { type: 'point', filled: true, size: 90, color: '#d62728' }, encoding: { x: { field: 'recall', type: 'quantitative' }, y: { field: 'precision', type: 'quantitative' } } },
        { data: { values: marker }, mark: { type: 'text', align: 'left', dx: 8, dy: -8, color: '#d62728' }, encoding: { x: { field: 'recall', type: 'quantitative' }, y: { field: 'precision', type: 'quantitative' }, text: { field: 'label' } } },
      ],
    }),
  };
}

export function thresholdSpec(c: EvaluationCurves): Chart {
  const rows = c.thresholds.flatMap((r) =>
    (['precision', 'recall', 'f1', 'f_beta'] as const).flatMap((k) => (r[k] === undefined ? [] : [{ threshold: r.threshold, metric: k === 'f_beta' ? `F${c.beta}` : k, value: r[k] }])),
  );
  return {
    name: 'threshold_metrics',
    title: 'Metrics against the threshold',
    spec: base('Precision, recall, F1 and F-beta against the threshold', {
      layer: [
        { data: { values: rows }, mark: 'line', encoding: { x: { field: 'threshold', ...unit('Threshold') }, y: { field: 'value', ...unit('Value') }, color: { field: 'metric', type: 'nominal', title: null } } },
        { data: { values: [{ t: c.threshold }] }, mark: { type: 'rule', strokeDash: [4, 4], color: '#d62728' }, encoding: { x: { field: 't', type: 'quantitative' } } },
      ],
    }),
  };
}

export function histogramSpec(c: EvaluationCurves): Chart {
  const rows = c.histogram.flatMap((b) => [
    { lo: b.lo, hi: b.hi, class: 'legitimate', rows: b.legit },
    { lo: b.lo, hi: b.hi, class: 'fraud', rows: b.fraud },
  ]).filter((r) => r.rows > 0); // a log scale has no place for 0
  return {
    name: 'score_histogram',
    title: 'Score histogram by class',
    spec: base('Scores by class (log scale)', {
      data: { values: rows },
      mark: { type: 'bar', opacity: 0.6 },
      encoding: {
        x: { field: 'lo', type: 'quantitative', title: 'Score', scale: { domain: [0, 1] } },
        x2: { field: 'hi' },
        // Bars rise from 0.5 (a log scale has no 0), so a bin of one transaction still shows.
        y: { field: 'rows', type: 'quantitative', title: 'Transactions', scale: { type: 'log', domainMin: 0.5 }, stack: null },
        y2: { datum: 0.5 },
        color: { field: 'class', type: 'nominal', title: null, scale: { domain: ['legitimate', 'fraud'], range: ['#1f77b4', '#d62728'] } },
      },
    }),
  };
}

export function calibrationSpec(c: EvaluationCurves): Chart {
  return {
    name: 'calibration_curve',
    title: 'Calibration (reliability) curve',
    spec: base('Calibration: observed fraud rate by score bin', {
      layer: [
        diagonal,
        {
          data: { values: c.calibration },
          mark: { type: 'line', point: true },
          encoding: { x: { field: 'meanScore', ...unit('Mean score in bin') }, y: { field: 'fraudRate', ...unit('Observed fraud rate') }, tooltip: [{ field: 'rows', type: 'quantitative' }] },
        },
      ],
    }),
  };
}

export function importanceSpec(rows: readonly FeatureImportance[]): Chart {
  const order = [...rows].sort((a, b) => b.impurity - a.impurity).map((r) => r.feature);
  const bars = (field: string, title: string) => ({
    width: 200,
    height: 18 * rows.length,
    mark: 'bar',
    encoding: { y: { field: 'feature', type: 'nominal', sort: order, title: null }, x: { field, type: 'quantitative', title } },
  });
  const hasPermutation = rows.some((r) => r.rocAucDrop !== undefined);
  return {
    name: 'feature_importance',
    title: 'Feature importance',
    spec: {
      ...base('Feature importance', { data: { values: rows } }),
      width: undefined,
      height: undefined,
      hconcat: hasPermutation ? [bars('impurity', 'Impurity (share)'), bars('rocAucDrop', 'Test ROC AUC drop when shuffled')] : [bars('impurity', 'Impurity (share)')],
    },
  };
}

export function backtestSpec(days: readonly BacktestDay[], k: number): Chart {
  const label = { roc_auc: 'roc_auc', pr_auc: 'pr_auc', card_precision_at_k: `card_precision_at_${k}` } as const;
  const rows = days.flatMap((d) =>
    (['roc_auc', 'pr_auc', 'card_precision_at_k'] as const).flatMap((m) => (d[m] === null ? [] : [{ day: d.day, metric: label[m], value: d[m] }])),
  );
  return {
    name: 'backtest',
    title: 'Backtest per day',
    spec: base('Backtest: metrics per test day', {
      data: { values: rows },
      mark: { type: 'line', point: true },
      encoding: { x: { field: 'day', type: 'temporal', title: 'Test day' }, y: { field: 'value', type: 'quantitative', title: 'Value', scale: { domain: [0, 1] } }, color: { field: 'metric', type: 'nominal', title: null } },
    }),
  };
}

/** The evaluation charts of a trained model, in the order the report shows them. */
export function evaluationCharts(c: EvaluationCurves, m: { roc_auc?: number; pr_auc?: number }, importances: readonly FeatureImportance[]): Chart[] {
  return [rocSpec(c, m.roc_auc), prSpec(c, m.pr_auc), thresholdSpec(c), histogramSpec(c), calibrationSpec(c), importanceSpec(importances)];
}
