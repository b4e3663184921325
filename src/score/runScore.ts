import type { Ctx } from '../context.js';
import { ExitCode, FraudctlError } from '../errors.js';
import { ensureMarts, loadFeatureRows } from '../features/assemble.js';
import { FEATURE_NAMES } from '../features/spec.js';
import type { Db } from '../lake/db.js';
import type { Lake } from '../lake/lake.js';
import { loadForest, predictParallel } from '../model/forest/index.js';
import { computeMetrics } from '../model/metrics.js';
import { readModelDir } from '../mlflow/mlmodel.js';
import { resolveModel } from '../mlflow/modelUri.js';
import type { Tracker } from '../mlflow/tracker.js';
import { addDays, type Day } from '../util/dates.js';
import { scoreInsights } from '../report/scoreInsights.js';
import { defaultModelUri } from './chooseModel.js';
import { copyScores, outFormat, stageScores } from './writeScores.js';

export interface ScoreOptions {
  date: Day;
  model?: string;
  threshold: number;
  beta: number;
  top: number;
  out?: string;
  buildMarts: boolean;
  allowPartialHistory: boolean;
  delay: number;
  registeredModel: string;
  cacheDir: string;
  threads?: number;
}

export interface ScoreDeps {
  lake: Lake;
  db: Db;
  tracker: Tracker;
}

const QUANTILES = [0.5, 0.9, 0.99, 0.999] as const;

const fmt = (x: number | undefined, d = 4) => (x === undefined ? 'undef' : x.toFixed(d));

/** Scores day D with a model: transactions of D joined with the marts of D-1, written to scores/date=D. */
export async function score(opts: ScoreOptions, ctx: Ctx, deps: ScoreDeps) {
  const { lake, db, tracker } = deps;
  const { log, out } = ctx;
  const started = Date.now();
  if (opts.out && !outFormat(opts.out)) throw new FraudctlError(`--out must end in .parquet, .csv or .json, got '${opts.out}'`, ExitCode.Usage);

  // 1. The model, checked against the feature list before any data is read.
  const uri = opts.model ?? (await defaultModelUri(tracker, opts.registeredModel));
  const resolved = await resolveModel(uri, tracker, opts.cacheDir);
  const modelDir = await readModelDir(resolved.dir);
  const model = await loadForest(modelDir.modelPath, FEATURE_NAMES);
  log.info({ model: resolved.modelUri, version: resolved.modelVersion }, 'model loaded');

  // 2. Features of day D from the marts of D-1.
  if (!(await lake.has('transactions', opts.date))) {
    throw new FraudctlError(`no transactions for ${opts.date} in ${lake.uri}`, ExitCode.Data, { hint: 'fraudctl lake ls shows the days present' });
  }
  await ensureMarts(db, lake, [addDays(opts.date, -1)], { build: opts.buildMarts, delay: opts.delay, allowPartialHistory: opts.allowPartialHistory, log });
  const rows = await loadFeatureRows(db, lake, opts.date);

  // 3. Predict, then write the partition atomically.
  const t0 = performance.now();
  const scores = await predictParallel(model, rows.columns, rows.n, { threads: opts.threads });
  const predictSeconds = (performance.now() - t0) / 1000;
  await stageScores(db, rows, scores, { threshold: opts.threshold, modelUri: resolved.modelUri, modelVersion: resolved.modelVersion ?? null, scoredAt: ctx.now() });
  await lake.writePartition('scores', opts.date, (tmp) => copyScores(db, tmp, 'parquet'));
  if (opts.out) await copyScores(db, opts.out, outFormat(opts.out)!);

  // 4. Summary: volumes, flag rate, score distribution, monitoring metrics when labels exist.
  let flagged = 0;
  for (let i = 0; i < rows.n; i++) if (scores[i] >= opts.threshold) flagged += 1;
  const quantiles = scoreQuantiles(scores);
  const top = await db.all<{ transaction_id: bigint; tx_datetime: string; customer_id: bigint; terminal_id: bigint; tx_amount: number; fraud_score: number }>(
    `SELECT transaction_id, strftime(tx_datetime, '%Y-%m-%d %H:%M:%S') AS tx_datetime, customer_id, terminal_id, tx_amount, fraud_score
     FROM scored_out ORDER BY fraud_score DESC, transaction_id LIMIT ${Math.max(0, Math.floor(opts.top))}`,
  );
  const monitoring = rows.labels ? computeMetrics(rows.labels, scores, { threshold: opts.threshold, beta: opts.beta }) : undefined;
  await db.run('DROP TABLE scored_out');

  out.line(`Scored ${opts.date}: ${rows.n} transactions with ${resolved.modelUri}${resolved.modelVersion ? ` (version ${resolved.modelVersion})` : ''}.`);
  out.line(`Flagged at ${opts.threshold}: ${flagged} (${rows.n > 0 ? ((100 * flagged) / rows.n).toFixed(2) : '0.00'} %).`);
  out.line(`Score quantiles: ${Object.entries(quantiles).map(([q, v]) => `${q} ${v === null ? '-' : v.toFixed(4)}`).join(', ')}.`);
  out.line(`No history (zeros used): ${rows.noHistoryCustomers} rows without customer history, ${rows.noHistoryTerminals} without terminal history.`);
  if (monitoring) {
    out.line(
      `Labels present: ROC AUC ${fmt(monitoring.roc_auc)}, PR AUC ${fmt(monitoring.pr_auc)}, accuracy ${fmt(monitoring.accuracy)}, precision ${fmt(monitoring.precision)}, recall ${fmt(monitoring.recall)}, F1 ${fmt(monitoring.f1)}, F${opts.beta} ${fmt(monitoring.f_beta)}.`,
    );
  }
  const insights = await scoreInsights(out, { scores, labels: rows.labels, threshold: opts.threshold, runId: resolved.runId, tracker });
  if (top.length > 0) {
    out.line(`Top ${top.length} riskiest:`);
    out.table(
      ['transaction_id', 'tx_datetime', 'customer_id', 'terminal_id', 'tx_amount', 'fraud_score'],
      top.map((t) => [String(t.transaction_id), t.tx_datetime, String(t.customer_id), String(t.terminal_id), t.tx_amount.toFixed(2), t.fraud_score.toFixed(4)]),
    );
  }
  out.line(`Written: ${lake.partitionUri('scores', opts.date)}${opts.out ? ` and ${opts.out}` : ''}`);
  return {
    date: opts.date,
    transactions: rows.n,
    flagged,
    flaggedRate: rows.n > 0 ? flagged / rows.n : 0,
    threshold: opts.threshold,
    quantiles,
    noHistoryCustomers: rows.noHistoryCustomers,
    noHistoryTerminals: rows.noHistoryTerminals,
    modelUri: resolved.modelUri,
    modelVersion: resolved.modelVersion ?? null,
    monitoring: monitoring
      ? Object.fromEntries((['roc_auc', 'pr_auc', 'accuracy', 'precision', 'recall', 'f1', 'f_beta'] as const).map((k) => [k, monitoring[k] ?? null]))
      : null,
    top: top.map((t) => ({ ...t, transaction_id: String(t.transaction_id), customer_id: String(t.customer_id), terminal_id: String(t.terminal_id) })),
    insights,
    output: lake.partitionUri('scores', opts.date),
    predictSeconds: +predictSeconds.toFixed(3),
    seconds: +((Date.now() - started) / 1000).toFixed(2),
  };
}

/** Quantiles by the nearest-rank method on a sorted copy; null for an empty day. */
export function scoreQuantiles(scores: Float64Array): Record<string, number | null> {
  const sorted = Float64Array.from(scores).sort();
  const at = (q: number) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]);
  return Object.fromEntries([...QUANTILES.map((q) => [`p${q * 100}`, at(q)]), ['max', sorted.length ? sorted[sorted.length - 1] : null]]);
}

