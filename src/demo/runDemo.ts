import { join } from 'node:path';
import { printScoreSummary } from '../commands/scoreReport.js';
import type { ScoreOptions } from '../commands/scoreOptions.js';
import { printTrainSummary } from '../commands/trainReport.js';
import type { TrainOptions } from '../commands/trainOptions.js';
import type { CoreDeps } from '../coreDeps.js';
import type { Output } from '../output.js';
import { LocalLake } from '../lake/localLake.js';
import { openDb } from '../lake/db.js';
import { FileStore } from '../mlflow/fileStore.js';
import { resolveSimParams } from '../sim/params.js';
import { simulateToLake } from '../sim/simulateToLake.js';
import { score } from '../score/runScore.js';
import { train } from '../train/runTrain.js';
import { addDays } from '../util/dates.js';

export interface DemoOptions {
  dir: string;
  lakeDir: string;
  mlruns: string;
  days: number;
  customers: number;
  terminals: number;
  seed: number;
  maxEvals: number;
  threads: number;
  /** train's and score's options as configured (their tables' defaults and the settings); the demo sets its own on top. */
  train: TrainOptions;
  score: ScoreOptions;
}

/** The demo prints each step as it happens, so it gets stdout; the rest is a core's deps. */
export type DemoDeps = CoreDeps & { out: Output; secrets: readonly string[]; cwd: string };

/**
 * The embedded default end to end: simulate, train on the 3 days before the second-to-last day
 * (whose marts are built on the way), test on the second-to-last day, score the last day with the
 * registered model. Human output of each step goes to stdout as it happens.
 */
export async function runDemo(o: DemoOptions, ctx: DemoDeps) {
  const started = Date.now();
  const { out, log } = ctx;
  const lake = new LocalLake(o.lakeDir, ctx.cwd);
  const start = '2025-01-01';
  const last = addDays(start, o.days - 1);
  const testDay = addDays(last, -1);

  out.line(`== 1/3 simulate ${o.days} days from ${start} (${o.customers} customers, ${o.terminals} terminals) into ${o.lakeDir}`);
  const sim = await simulateToLake(resolveSimParams({ start, days: o.days, customers: o.customers, terminals: o.terminals, seed: o.seed }), {
    lake,
    log,
    threads: o.threads,
    progress: ctx.progress(o.days, 'simulate'),
    signal: ctx.signal,
  });
  out.line(`   ${sim.transactions} transactions written, ${sim.daysSkipped} days already there; fraud rate ${sim.fraudRate === null ? '-' : (100 * sim.fraudRate).toFixed(3)} %`);

  const db = await openDb({ threads: o.threads });
  const tracker = await FileStore.open(o.mlruns, { cwd: ctx.cwd, log, secrets: ctx.secrets });
  try {
    const deps = { log, now: ctx.now, signal: ctx.signal, progress: ctx.progress, runEnv: ctx.runEnv, lake, db, tracker };
    // The table's defaults (and the configured settings), with the demo's own choices on top.
    // gap 1: a 45-day demo lake is too short for the default gap (the label delay).
    const trainOpts = { ...o.train, testDay, gap: 1, maxEvals: o.maxEvals, seed: o.seed, threads: o.threads, promote: true };
    out.line(`\n== 2/3 train: ${trainOpts.days} train days, gap ${trainOpts.gap}, test day ${testDay}, ${o.maxEvals} trials (marts built as needed)`);
    const trained = await train(trainOpts, deps);
    printTrainSummary(out, trained, trainOpts);

    out.line(`\n== 3/3 score ${last} with the registered model`);
    const scoreOpts = { ...o.score, date: last, top: 5, threads: o.threads, cacheDir: join(o.dir, 'cache') };
    const scored = await score(scoreOpts, deps);
    printScoreSummary(out, scored, scoreOpts);

    const seconds = (Date.now() - started) / 1000;
    out.line(`\nDone in ${seconds.toFixed(1)} s.`);
    out.line(`  lake:        ${o.lakeDir}   (fraudctl lake ls --lake ${o.lakeDir})`);
    out.line(`  MLflow runs: ${o.mlruns}   (mlflow ui --backend-store-uri ${o.mlruns})`);
    out.line(`  scores:      ${scored.output}`);
    out.line(`  next:        fraudctl score --lake ${o.lakeDir} --tracking-uri ${o.mlruns} --date ${last} --top 20`);
    return { dir: o.dir, lake: o.lakeDir, mlruns: o.mlruns, simulate: { transactions: sim.transactions, frauds: sim.frauds, days: o.days }, train: trained, score: scored, seconds: +seconds.toFixed(2) };
  } finally {
    db.close();
  }
}
