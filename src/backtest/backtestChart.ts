/**
 * The backtest's chart (issue 16): ROC AUC, AP and card precision@k per test day, logged to the
 * backtest's parent run as `backtest.png` and `backtest.svg`. Imported lazily: vega and resvg are heavy.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunInfo, Tracker } from '../mlflow/tracker.js';
import { backtestSpec } from '../plots/chartSpecs.js';
import { renderCharts } from '../plots/renderCharts.js';
import type { DayMetrics } from '../train/summary.js';

export async function logBacktestChart(tracker: Tracker, parent: RunInfo, days: readonly DayMetrics[], k: number): Promise<string[]> {
  const chart = backtestSpec(days.map((d) => ({ day: d.day, roc_auc: d.roc_auc, pr_auc: d.pr_auc, card_precision_at_k: d.card_precision_at_k })), k);
  const [r] = await renderCharts([chart]);
  const dir = await mkdtemp(join(tmpdir(), 'fraudctl-backtest-'));
  try {
    await writeFile(join(dir, `${r.name}.png`), r.png);
    await writeFile(join(dir, `${r.name}.svg`), r.svg);
    await tracker.logArtifacts(parent, dir, '');
    return [`${r.name}.png`, `${r.name}.svg`];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
