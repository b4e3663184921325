import { join } from 'node:path';
import type { Ctx } from '../context.js';
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
}

/**
 * The embedded default end to end: simulate, train on the 3 days before the second-to-last day
 * (whose marts are built on the way), test on the second-to-last day, score the last day with the
 * registered model. Human output of each step goes to stdout as it happens.
 */
export async function runDemo(o: DemoOptions, ctx: Ctx) {
  const started = Date.now();
  const { out, log } = ctx;
  const lake = new LocalLake(o.lakeDir, ctx.runEnv.cwd);
  const start = '2025-01-01';
  const last = addDays(start, o.days - 1);
  const testDay = addDays(last, -1);

  out.line(`== 1/3 simulate ${o.days} days from ${start} (${o.customers} customers, ${o.terminals} terminals) into ${o.lakeDir}`);
  const sim = await simulateToLake(resolveSimParams({ start, days: o.days, customers: o.customers, terminals: o.terminals, seed: o.seed }), {
    lake,
    log,
    threads: ctx.config.threads,
    progress: ctx.progress(o.days, 'simulate'),
    signal: ctx.signal,
  });
  out.line(`   ${sim.transactions} transactions written, ${sim.daysSkipped} days already there; fraud rate ${sim.fraudRate === null ? '-' : (100 * sim.fraudRate).toFixed(3)} %`);

  const db = await openDb({ threads: ctx.config.threads });
  const tracker = await FileStore.open(o.mlruns, { cwd: ctx.runEnv.cwd, log, secrets: ctx.secrets });
  try {
    out.line(`\n== 2/3 train: 3 train days, gap 1, test day ${testDay}, ${o.maxEvals} trials (marts built as needed)`);
    const trained = await train(
      {
        days: 3,
        testDay,
        gap: 1,
        sample: 0.5,
        maxEvals: o.maxEvals,
        startupTrials: 2,
        trees: [50, 300],
        depth: [4, 20],
        search: 'tpe',
        seed: o.seed,
        threshold: ctx.config.threshold,
        beta: 1.5,
        delay: ctx.config.delay,
        minSamplesLeaf: 1,
        buildMarts: true,
        allowPartialHistory: false,
        experiment: ctx.config.experiment,
        registeredModel: ctx.config.registeredModel,
        register: true,
        promote: true,
        threads: ctx.config.threads,
      },
      ctx,
      { lake, db, tracker },
    );

    out.line(`\n== 3/3 score ${last} with the registered model`);
    const scored = await score(
      {
        date: last,
        threshold: ctx.config.threshold,
        beta: 1.5,
        top: 5,
        buildMarts: true,
        allowPartialHistory: false,
        delay: ctx.config.delay,
        registeredModel: ctx.config.registeredModel,
        cacheDir: join(o.dir, 'cache'),
        threads: ctx.config.threads,
      },
      ctx,
      { lake, db, tracker },
    );

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
