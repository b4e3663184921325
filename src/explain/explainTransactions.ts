/**
 * `fraudctl explain`: why a transaction got its score. The day's features are assembled exactly as
 * score assembles them (marts of D-1), the model scores them, and TreeSHAP splits each score into
 * the expected score plus one contribution per feature.
 */
import type { CoreDeps } from '../coreDeps.js';
import { dataError, usageError } from '../errors.js';
import { ensureMarts, loadFeatureRows } from '../features/assemble.js';
import { featureNames } from '../features/featureSpec.js';
import type { Db } from '../lake/db.js';
import type { Lake } from '../lake/lake.js';
import type { Tracker } from '../mlflow/tracker.js';
import { loadForest, predictParallel } from '../model/forest/index.js';
import { calibrateNegativeSample } from '../model/negativeSample.js';
import { resolveScoringModel } from '../score/runScore.js';
import { addDays, type Day } from '../util/dates.js';
import { featureWindow } from './featureWindows.js';
import { explainRow, prepareForestShap, rowValues } from './forestShap.js';
import { topReasons } from './scoreReasons.js';

export interface ExplainOptions {
  date: Day;
  transaction?: string;
  top?: number;
  model?: string;
  /** Used for a model that carries no delay of its own (as score does). */
  delay: number;
  registeredModel: string;
  cacheDir: string;
  buildMarts: boolean;
  allowPartialHistory: boolean;
  threads?: number;
}

export interface FeatureContribution {
  feature: string;
  value: number;
  window: string;
  contribution: number;
}

export interface TransactionExplanation {
  transactionId: string;
  customerId: string;
  terminalId: string;
  txDatetime: string;
  txAmount: number;
  fraud?: number;
  /** The score as `score` writes it: the forest's, calibrated when the model was fitted on a negative sample. */
  score: number;
  /** The forest's own output, what TreeSHAP splits: expectedValue + Σ contributions (= score unless negative-sampled). */
  forestScore: number;
  expectedValue: number;
  /** In feature order; sort by |contribution| to read the reasons. */
  features: FeatureContribution[];
  /** The features that raised the score most (largest contributions first): what `score --explain` writes. */
  reasons: string[];
}

export async function explainTransactions(opts: ExplainOptions, ctx: Pick<CoreDeps, 'log'>, deps: { lake: Lake; db: Db; tracker: Tracker }) {
  if ((opts.transaction === undefined) === (opts.top === undefined)) throw usageError('give --transaction ID or --top N (one of them)');
  const { lake, db, tracker } = deps;
  // The model and its own feature spec and label delay, exactly as score picks them.
  const { resolved, modelDir, spec, delay, negativeSample } = await resolveScoringModel({ ...opts, model: opts.model, featureSpec: undefined }, tracker, ctx.log);
  const names = featureNames(spec);
  const model = await loadForest(modelDir.modelPath, names);
  if (!(await lake.has('transactions', opts.date))) throw dataError(`no transactions for ${opts.date} in ${lake.uri}`, 'fraudctl lake ls shows the days present');
  await ensureMarts(db, lake, [addDays(opts.date, -1)], { spec, build: opts.buildMarts, delay, allowPartialHistory: opts.allowPartialHistory, log: ctx.log });
  const rows = await loadFeatureRows(db, lake, opts.date, spec);

  let picked: number[];
  if (opts.transaction !== undefined) {
    if (!/^-?\d+$/.test(opts.transaction)) throw usageError(`--transaction must be a whole number (a transaction_id), got '${opts.transaction}'`);
    const id = BigInt(opts.transaction);
    const at = rows.transactionId.indexOf(id);
    if (at < 0) throw dataError(`transaction ${opts.transaction} is not among the ${rows.n} transactions of ${opts.date}`, `fraudctl explain --date ${opts.date} --top 10 lists the riskiest`);
    picked = [at];
  } else {
    const scores = await predictParallel(model, rows.columns, rows.n, { threads: opts.threads });
    picked = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || Number(rows.transactionId[a] - rows.transactionId[b])).slice(0, opts.top);
  }
  const shap = prepareForestShap(model);
  const explanations: TransactionExplanation[] = picked.map((r) => {
    const x = rowValues(rows.columns, r);
    const e = explainRow(shap, x);
    return {
      transactionId: String(rows.transactionId[r]),
      customerId: String(rows.customerId[r]),
      terminalId: String(rows.terminalId[r]),
      txDatetime: new Date(rows.txDatetimeMs[r]).toISOString().slice(0, 19).replace('T', ' '),
      txAmount: rows.txAmount[r],
      ...(rows.labels ? { fraud: rows.labels[r] } : {}),
      score: calibrateNegativeSample(Float64Array.of(e.score), negativeSample)[0],
      forestScore: e.score,
      expectedValue: e.expectedValue,
      features: names.map((f, k) => ({ feature: f, value: x[k], window: featureWindow(f, opts.date, delay), contribution: e.contributions[k] })),
      reasons: topReasons(e.contributions).map((k) => names[k]),
    };
  });
  return { date: opts.date, modelUri: resolved.modelUri, modelVersion: resolved.modelVersion ?? null, negativeSample, evenSplits: shap.evenSplits, explanations };
}
