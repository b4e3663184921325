import type { FeatureRows } from '../features/assemble.js';
import { ensureMarts, loadEvalFields, loadFeatureRows, readFeatureDay, type EvalFields, type RowField } from '../features/assemble.js';
import { openFeatureDay, type FeatureDay } from '../features/openFeatureDay.js';
import type { FeatureSpec } from '../features/featureSpec.js';
import { dataError } from '../errors.js';
import { binForPrediction, ForestTrainer, type BinnedRows, type GrowPool, type TrainingData } from '../model/forest/index.js';
import { negativeSampleDay } from '../model/negativeSample.js';
import type { Timeline } from '../model/timeSplit.js';
import { addDays, type Day } from '../util/dates.js';
import { collectGarbage } from '../util/collectGarbage.js';
import { throwIfInterrupted } from './interrupt.js';
import { KnownCards, fraudCards } from './knownCards.js';
import type { TrainDeps, TrainOptions } from './runTrain.js';
import type { WindowSummary } from './summary.js';
import { countPositives, evalDay, releaseColumns, stackDays, stackedColumns, stackLabels, type EvalDay } from './trainingSet.js';

/** Rng streams of the negative sample of train day i (apart from the trials' streams 0, 1, …). */
const NEGATIVE_SAMPLE_STREAM = 1_000_000;

export const windowOf = (days: EvalDay[]): WindowSummary => ({
  days: days.map((d) => d.day),
  from: days[0].day,
  to: days[days.length - 1].day,
  rows: days.reduce((s, d) => s + d.n, 0),
  frauds: days.reduce((s, d) => s + countPositives(d.labels!), 0),
});

/**
 * What train reads of a day besides its features and labels: transaction ids (the metrics, the
 * test day's re-read check) and cards (fraud cards, drop masks, card precision). Times, terminals
 * and amounts cost 8 bytes a row each (36 MB a course-scale day) and nothing here reads them.
 */
const TRAIN_FIELDS: RowField[] = ['transactionId', 'customerId'];

/**
 * The marts of every timeline day (those of the previous days built first), then a reader of a
 * window's days. A day is read once and kept while its columns are (a window's set released them
 * once binned); a day another window needs after that is read again: holding it would cost more
 * memory (150 MB a course-scale day) than a second read costs time.
 */
async function timelineReader(t: Timeline, opts: TrainOptions, spec: FeatureSpec, deps: TrainDeps) {
  const { db, lake } = deps;
  const all = [...new Set([...t.trainDays, ...t.validationDays, ...t.refitDays, ...t.testDays])].sort();
  await ensureMarts(db, lake, all.map((d) => addDays(d, -1)), { spec, specRef: opts.features, build: opts.buildMarts, delay: opts.delay, allowPartialHistory: opts.allowPartialHistory, log: deps.log });
  const rows = new Map<Day, FeatureRows>();
  /** Lets the days whose columns a train set released go (their ids and cards with them). */
  const dropReleased = () => {
    for (const [d, r] of rows) if (r.columns.length === 0) rows.delete(d);
  };
  const keep = (r: FeatureRows): FeatureRows => {
    if (!r.labels) throw dataError(`day ${r.day} has no tx_fraud labels; training and evaluation need them`, 'ingest a labelled dump');
    rows.set(r.day, r);
    return r;
  };
  const read = async (days: Day[]): Promise<FeatureRows[]> => {
    dropReleased();
    const out: FeatureRows[] = [];
    for (const d of days) {
      throwIfInterrupted(deps.signal);
      // Shared memory: a one-day train set is binned on every thread straight from its columns
      // (binInWorkers.ts), and prediction's workers read validation and test days in place.
      out.push(rows.get(d) ?? keep(await loadFeatureRows(db, lake, d, spec, { fields: TRAIN_FIELDS, shared: true })));
    }
    return out;
  };
  /**
   * A window's days read straight into one stacked table (rows in day order, as stackDays would
   * give them): every day is checked and counted first (the counts size the table), then each
   * day's query fills its slice of the stacked columns, so no day holds columns of its own and
   * nothing is copied. The refit window read as days and then stacked held both (its 480 MB at
   * course scale twice, until a collection) beside the train set: train's peak.
   */
  const readStacked = async (days: Day[], names: readonly string[]): Promise<{ dayRows: FeatureRows[]; set: TrainingData }> => {
    dropReleased();
    const opened: (FeatureRows | FeatureDay)[] = [];
    for (const d of days) opened.push(rows.get(d) ?? (await openFeatureDay(db, lake, d, spec)));
    const { columns, slices } = stackedColumns(opened.map((o) => o.n), names.length);
    const dayRows: FeatureRows[] = [];
    for (const [i, o] of opened.entries()) {
      throwIfInterrupted(deps.signal);
      const kept = rows.get(o.day);
      if (kept) {
        kept.columns.forEach((c, j) => slices[i][j].set(c));
        kept.columns = slices[i];
      }
      dayRows.push(kept ?? keep(await readFeatureDay(db, spec, o as FeatureDay, { fields: TRAIN_FIELDS, columns: slices[i] })));
    }
    const labels = stackLabels(dayRows);
    return { dayRows, set: { nRows: labels.length, featureNames: names, columns, labels } };
  };
  /** Lets every day read so far go (the caller keeps what it needs of them). */
  const forget = () => rows.clear();
  return { read, readStacked, dropReleased, forget };
}

/** Known-compromised drop masks of an evaluation window, for a model trained on `trained` (its first day, its fraud cards). */
function dropsFor(known: KnownCards | undefined, evalRows: EvalDay[], trained: { window: WindowSummary; frauds: Set<bigint> }): Uint8Array[] | undefined {
  if (!known) return undefined;
  return evalRows.map((d) => known.dropMask(d, trained.window.from, trained.frauds));
}

/**
 * Step 2 of train: the features of every timeline day, the two train sets binned into their
 * trainers (one worker pool), the validation rows binned for prediction, and the drop masks of the
 * evaluation days. A function of its own so that the days' float columns (~290 MB a course-scale
 * day) die with its frame: held in the caller's suspended async frame, the validation and test
 * days stayed reachable through the whole search (heap snapshot: ~580 MB of train's 1.1 GB).
 */
export async function assembleSets(t: Timeline, opts: TrainOptions, spec: FeatureSpec, names: string[], available: Day[], p: { dropKnown: boolean }, trainerSeed: number, deps: TrainDeps) {
  // 2. Features of every day, the two train sets, the known-compromised cards of each evaluation day.
  // Each train set is stacked and binned as soon as its days are read, and its float columns
  // dropped: the binned table is all a fit reads. Validation and test keep theirs (prediction).
  // DuckDB keeps up to 128 MiB of freed memory after a query by default; train's peak is during
  // the search, after every feature query, so it hands it back instead (-50 MB after a 1.5 M-row day).
  const { db, lake } = deps;
  await db.run(`SET allocator_flush_threshold = '16MB'`);
  const { read, readStacked, dropReleased, forget } = await timelineReader(t, opts, spec, deps);
  const negRate = opts.negativeSample ?? 1;
  const thin = (rows: FeatureRows[], stream: number) => rows.map((r, i) => negativeSampleDay(r, negRate, opts.seed, stream + i));
  let trainer: ForestTrainer | undefined;
  let refitTrainer: ForestTrainer | undefined;
  let pool: GrowPool | undefined;
  const binned = async (role: 'train' | 'refit', w: Day[], stream: number, beforeRelease?: (dayRows: FeatureRows[]) => void) => {
    // Without negative sampling a multi-day window is read into its stacked table directly.
    const direct = negRate === 1 && w.length > 1 ? await readStacked(w, names) : undefined;
    const dayRows = direct?.dayRows ?? (await read(w));
    const set = direct?.set ?? stackDays(thin(dayRows, stream), names, () => true);
    if (countPositives(set.labels) === 0) throw dataError(`${role} days ${w.join(', ')} hold no fraud (${set.nRows} rows); a model needs at least one`);
    const opened = await ForestTrainer.openAsync(set, { threads: opts.threads, seed: trainerSeed, pool });
    // After the binning, whose own buffers are gone by then (train's peak is this window's read).
    beforeRelease?.(dayRows);
    releaseColumns([set, ...dayRows]);
    dropReleased();
    // What the metrics need of these days; their ids and cards (24 MB a day) go with them.
    return { trained: { window: windowOf(dayRows), frauds: fraudCards(dayRows) }, set, opened };
  };
  try {
    // The search's workers start now, behind the train window's feature queries: a worker takes
    // 60-80 ms to start, which the first binning would otherwise begin without it.
    pool = ForestTrainer.pool(opts.threads);
    // Negative sampling (--negative-sample R) thins only the two train sets, never validation or test.
    const train = await binned('train', t.trainDays, NEGATIVE_SAMPLE_STREAM);
    trainer = train.opened;
    // Phase ends (here and below) collect at once, so what was dropped is reused by the next
    // phase; after binned returns, so that its days are unreachable.
    collectGarbage();
    // Validation days the refit window holds too (the default: its last day) are binned for
    // prediction from the refit's read, before its columns go (one feature query less).
    const fromRefit = t.validationDays.every((d) => t.refitDays.includes(d));
    let validation: { bins: BinnedRows; days: EvalDay[] } | undefined;
    const bindValidation = (dayRows: FeatureRows[]) => {
      const days = t.validationDays.map((d) => dayRows.find((r) => r.day === d)!);
      validation = { bins: binForPrediction(days, train.opened.binEdges, names), days: days.map(evalDay) };
    };
    const refit = await binned('refit', t.refitDays, NEGATIVE_SAMPLE_STREAM + 10_000, fromRefit ? bindValidation : undefined);
    refitTrainer = refit.opened;
    collectGarbage();
    const [trained, refitted] = [train.trained, refit.trained];
    if (!validation) bindValidation(await read(t.validationDays));
    const validationDays = validation!.days;
    // The test days' features are read after the search (held through it they cost ~290 MB a
    // course-scale day); before it, only what the checks and drop masks need.
    const testDays: EvalFields[] = [];
    for (const d of t.testDays) {
      throwIfInterrupted(deps.signal);
      const f = await loadEvalFields(db, lake, d);
      if (!f.labels) throw dataError(`day ${d} has no tx_fraud labels; training and evaluation need them`, 'ingest a labelled dump');
      testDays.push(f);
    }
    const lastTest = t.testDays[t.testDays.length - 1];
    const known = p.dropKnown ? await KnownCards.load(db, lake, available, t.trainDays[0], addDays(lastTest, -opts.delay - 1), opts.delay) : undefined;
    const validationDrops = dropsFor(known, validationDays, trained);
    const testDrops = dropsFor(known, testDays, refitted);
    // Every trial's model carries the search trainer's edges, so the validation rows are binned
    // with them once (bindValidation) and predicted as bins (the same scores as from their floats,
    // binnedRows.ts); of the evaluation days only what the metrics read is kept through the search.
    const validationBins = validation!.bins;
    const [validationRows, testRows] = [validationDays, testDays.map(evalDay)];
    forget();
    return { trainer, refitTrainer, pool, trained, refitted, trainSet: train.set, refitSet: refit.set, validationBins, validationRows, testRows, validationDrops, testDrops, read };
  } catch (err) {
    await trainer?.close();
    await refitTrainer?.close();
    await pool?.close();
    throw err;
  }
}
