import type { Db } from '../lake/db.js';
import type { Lake } from '../lake/lake.js';
import type { Logger } from '../log.js';
import { ExitCode, FraudctlError } from '../errors.js';
import type { Day } from '../util/dates.js';
import { formatDays, readFailure } from './dayList.js';
import { ENTITY_COLUMN, type Entity, type FeatureSpec, type MartDef } from './featureSpec.js';
import { duckdbMartEngine, type MartEngine } from './martEngine.js';
import { martDataset, presetSpec } from './loadFeatureSpec.js';
import { existingMartMismatch, KV, mismatchError } from './martMeta.js';
import { DEFAULT_PRESET } from './presets.js';
import { buildSpecMartSql, columnWindowEnd, martHistoryDays } from './specMartSql.js';
import { buildMartViaState, InputDigests, pruneStates, stateDataset, type StateBuilt } from './windowState.js';
import { incrementalEligible, nonIncrementalKinds } from './windowStateSql.js';

export interface BuildMartsOptions {
  delay: number;
  allowPartialHistory: boolean;
  overwrite: boolean;
  log: Logger;
  /** Where the SQL runs (default: DuckDB on `db`); --engine spark passes the Spark Connect engine. */
  engine?: MartEngine;
  /** The feature spec whose marts are built (default: the handbook preset). */
  spec?: FeatureSpec;
  /** How the spec was named on the command line (for hints): a preset or a file path. */
  specRef?: string;
  /** Days with a transactions partition, when the caller already listed them (saves a listing per day). */
  available?: ReadonlySet<Day>;
  /**
   * Force the full builder (`--full`). By default each mart's window state is carried forward from
   * the day before when it can be (README "Incremental marts": DuckDB only, decomposable aggregates
   * only), else computed in full; either way the marts are the same bytes.
   */
  full?: boolean;
}

export type Builder = 'incremental' | 'full';
/** How one mart was computed, and why. */
export interface MartBuilt {
  builder: Builder;
  reason: string;
}

export interface BuildMartsResult {
  day: Day;
  /** Rows written to the customer mart; null when that partition existed and was kept. */
  customers: number | null;
  terminals: number | null;
  /** Transaction days the windows wanted but the lake lacks (only with allowPartialHistory). */
  missingHistory: Day[];
  /** Both partitions existed and --overwrite was not given: nothing was read or written. */
  skipped: boolean;
  seconds: number;
  /** incremental when every mart built was carried forward from its window state of the day before; null when skipped. */
  builder: Builder | null;
  /** Why: the reason of each mart built (`customer: …; terminal: …`). */
  reason: string;
  /** Each mart built: its builder and reason. */
  marts: Partial<Record<Entity, MartBuilt>>;
  /** Window states removed by retention after this build (days older than any later build can read), per mart. */
  prunedStates: Partial<Record<Entity, Day[]>>;
}

const specOrDefault = (spec: FeatureSpec | undefined) => spec ?? presetSpec(DEFAULT_PRESET);

/** Every transaction day the marts of `day` read (handbook: D-29 … D and D-delay-29 … D-delay). */
export function historyDays(day: Day, delay: number, spec?: FeatureSpec): Day[] {
  return [...new Set(specOrDefault(spec).marts.flatMap((m) => martHistoryDays(m, day, delay)))].sort();
}

/** The history days of `day` that have no transactions partition. */
export function missingHistory(day: Day, delay: number, available: ReadonlySet<Day>, spec?: FeatureSpec): Day[] {
  return historyDays(day, delay, spec).filter((d) => !available.has(d));
}

/** The exit-3 error for missing history, naming the days and the way out. */
export function missingHistoryError(martDays: Day[], missing: Day[], lake: Lake, partialAllowed = false): FraudctlError {
  const what = martDays.length === 1 ? `the marts of ${martDays[0]}` : `the marts of ${formatDays(martDays)}`;
  return new FraudctlError(`${what} need transactions that ${lake.uri} lacks: ${formatDays(missing)} (${missing.length} day${missing.length === 1 ? '' : 's'})`, ExitCode.Data, {
    hint: partialAllowed
      ? 'a mart day needs its own transactions even with --allow-partial-history: ingest or simulate it first'
      : 'ingest or simulate those days, or pass --allow-partial-history to compute over what exists (normal for the first days of a lake, as long as the longest window plus the delay)',
    details: { missing },
  });
}

/**
 * Which marts of `day` must be (re)built. An existing partition is kept only when its metadata
 * says it was built with this spec and (for a mart behind the label delay) this delay; one built
 * otherwise is refused (exit 3, naming both) unless overwrite — never silently reused.
 */
async function martsToBuild(db: Db, lake: Lake, spec: FeatureSpec, day: Day, opts: BuildMartsOptions): Promise<MartDef[]> {
  const todo: MartDef[] = [];
  for (const mart of spec.marts) {
    if (opts.overwrite || !(await lake.has(martDataset(spec, mart.entity), day))) {
      todo.push(mart);
      continue;
    }
    const why = await existingMartMismatch(db, lake, spec, mart, day, opts.delay);
    if (why) throw mismatchError(lake, spec, mart, day, opts.delay, why, opts.specRef);
  }
  return todo;
}

/**
 * A build killed between publishing the marts and writing a state leaves that state's file (beside the mart,
 * until it moves into _state) or temporary, and a rerun skips the day (its marts exist), so the write that
 * would sweep them never comes: buildMartsForDay sweeps the day's mart and state folders, and so does
 * ensureMarts (score's marts check) for the days it finds built and does not pass on.
 */
export async function sweepDeadMartTemps(lake: Lake, spec: FeatureSpec, day: Day): Promise<void> {
  for (const mart of spec.marts) {
    await lake.removeDeadTemps?.(martDataset(spec, mart.entity), day);
    await lake.removeDeadTemps?.(stateDataset(spec, mart), day);
  }
}

/**
 * Builds the marts of one day for a feature spec and writes each atomically. The transactions of
 * the day itself are always required; older missing days fail with exit 3 unless
 * allowPartialHistory. Each later mart is written inside the earlier ones' writes, so a failure
 * of any build leaves every previous partition as it was.
 */
export async function buildMartsForDay(db: Db, lake: Lake, day: Day, opts: BuildMartsOptions): Promise<BuildMartsResult> {
  const started = performance.now();
  const spec = specOrDefault(opts.spec);
  const todo = await martsToBuild(db, lake, spec, day, opts);
  await sweepDeadMartTemps(lake, spec, day);
  if (todo.length === 0) {
    opts.log.debug({ day, spec: spec.name }, 'marts already built; skipped');
    return { day, customers: null, terminals: null, missingHistory: [], skipped: true, seconds: 0, builder: null, reason: 'marts exist (built before)', marts: {}, prunedStates: {} };
  }
  const available = opts.available ?? new Set(await lake.listDays('transactions'));
  if (!available.has(day)) {
    throw new FraudctlError(`no transactions for ${day} in ${lake.uri}: the marts of a day need that day's partition`, ExitCode.Data, {
      hint: `ingest or simulate ${day} first (fraudctl lake ls shows what exists)`,
    });
  }
  const missing = missingHistory(day, opts.delay, available, spec);
  if (missing.length > 0 && !opts.allowPartialHistory) throw missingHistoryError([day], missing, lake);
  if (missing.length > 0) opts.log.warn({ day, missingHistory: missing }, `marts of ${day}: partial history, ${missing.length} day(s) missing: ${formatDays(missing)}`);

  const counts: Record<string, number> = {};
  const marts: Partial<Record<Entity, MartBuilt>> = {};
  const states: StateBuilt[] = [];
  const prunedStates: Partial<Record<Entity, Day[]>> = {};
  const ctx: MartCtx = { db, lake, spec, day, available, delay: opts.delay, missing, engine: opts.engine, full: opts.full, digests: new InputDigests(db, lake, available) };
  const write = async (k: number): Promise<void> => {
    if (k === todo.length) return;
    const mart = todo[k];
    await lake.writePartition(martDataset(spec, mart.entity), day, async (tmp) => {
      const built = await copyMart(ctx, mart, tmp);
      if (built.state) states.push(built.state);
      counts[mart.entity] = built.rows;
      marts[mart.entity] = { builder: built.builder, reason: built.reason };
      opts.log.debug({ day, entity: mart.entity, builder: built.builder, reason: built.reason }, `${mart.entity} mart of ${day}: ${built.builder} (${built.reason})`);
      await write(k + 1);
    });
  };
  try {
    await write(0);
    // States are written after every mart is published: an interrupted build leaves no state newer than its marts.
    for (const state of states) {
      const entity = state.mart.entity;
      try {
        await state.publish();
      } catch (e) {
        // The marts are complete; without this state the next day is built in full.
        opts.log.warn({ day, err: e instanceof Error ? e.message : String(e) }, `window state of ${day} not written (${entity}); the next day's marts will be built in full`);
        continue;
      }
      try {
        const removed = await pruneStates(lake, spec, state.mart, day, opts.delay);
        if (removed.length > 0) prunedStates[entity] = removed;
      } catch (e) {
        // Retention is housekeeping: the marts and the new state are complete either way.
        opts.log.warn({ day, err: e instanceof Error ? e.message : String(e) }, `old window states of the ${entity} mart not removed`);
      }
    }
  } finally {
    for (const state of states) await state.drop();
  }
  const result = { customers: counts.customer ?? null, terminals: counts.terminal ?? null };
  const seconds = (performance.now() - started) / 1000;
  const built = Object.values(marts);
  const builder: Builder = built.every((m) => m.builder === 'incremental') ? 'incremental' : 'full';
  const reason = Object.entries(marts).map(([e, m]) => `${e}: ${m.reason}`).join('; ');
  opts.log.info({ day, spec: spec.name, ...result, builder, seconds: Number(seconds.toFixed(2)) }, `marts of ${day} built (${builder})`);
  return { day, ...result, missingHistory: missing, skipped: false, seconds, builder, reason, marts, prunedStates };
}

interface MartCtx {
  db: Db;
  lake: Lake;
  spec: FeatureSpec;
  day: Day;
  available: ReadonlySet<Day>;
  delay: number;
  missing: Day[];
  engine?: MartEngine;
  full?: boolean;
  digests: InputDigests;
}

/** Why a mart takes the full builder whatever its window state, or undefined when it may be carried forward. */
function fullOnly(c: MartCtx, mart: MartDef, engine: MartEngine): string | undefined {
  if (c.full) return 'full builder asked (--full)';
  if (engine.name !== 'duckdb') return `engine ${engine.name} runs the full builder (window states are DuckDB only)`;
  if (!incrementalEligible(mart)) return `${nonIncrementalKinds(mart).join(', ')} cannot be carried forward`;
  return undefined;
}

/** Computes one mart into a parquet file at `target` on the configured engine; returns its rows, builder and (incremental builder) its window state. */
async function copyMart(c: MartCtx, mart: MartDef, target: string): Promise<{ rows: number; builder: Builder; reason: string; state?: StateBuilt }> {
  const { db, lake, spec, day } = c;
  const engine = c.engine ?? duckdbMartEngine(db);
  const days = martHistoryDays(mart, day, c.delay).filter((d) => c.available.has(d));
  const end = columnWindowEnd(day, c.delay, mart.columns.every((col) => col.lagged));
  // Parquet key-value metadata records how the mart was built: checked on every reuse, shown by `marts show`.
  const kv = { [KV.delay]: String(c.delay), [KV.windowEnd]: end, [KV.missing]: c.missing.join(','), [KV.spec]: spec.name, [KV.specHash]: spec.hash };
  const dataset = martDataset(spec, mart.entity);
  const fullMart = async () => {
    const paths = await engine.readPaths(lake, 'transactions', days);
    const query = buildSpecMartSql(mart, { martDay: day, delay: c.delay, partitions: days.map((d, i) => ({ day: d, path: paths[i] })) }, engine.dialect);
    return engine.writeMart(query, target, { kv, orderBy: ENTITY_COLUMN[mart.entity], label: `${mart.entity} mart of ${day}`, dataset, day });
  };
  try {
    const why = fullOnly(c, mart, engine);
    if (why === undefined) {
      const state = await buildMartViaState({ db, lake, spec, mart, day, delay: c.delay, available: c.available, digests: c.digests }, kv, target, fullMart);
      return { rows: state.rows, builder: state.builder, reason: state.reason, state };
    }
    return { rows: await fullMart(), builder: 'full', reason: why };
  } catch (e) {
    throw readFailure(e, `${mart.entity} mart of ${day}: cannot read the transactions of ${formatDays(days)}`);
  }
}

export interface BuildMartsRangeOptions extends Omit<BuildMartsOptions, 'available'> {
  /** Ticked once per day (a progress bar on a TTY). */
  progress?: { tick(label?: string): void; done(): void };
  /** Checked between days: an interrupted range stops after the day in hand, never mid-write. */
  signal?: AbortSignal;
}

/**
 * Builds the marts of several days, each independently. History is checked for every day that
 * needs building before anything is written, so a missing day fails the range with nothing done.
 */
export async function buildMartsForDays(db: Db, lake: Lake, days: Day[], opts: BuildMartsRangeOptions): Promise<BuildMartsResult[]> {
  const spec = specOrDefault(opts.spec);
  const available = new Set(await lake.listDays('transactions'));
  const missing = new Set<Day>();
  const blocked: Day[] = [];
  for (const day of days) {
    const built = (await martsToBuild(db, lake, spec, day, opts)).length === 0;
    // With partial history allowed, only the day's own partition is still required.
    const gaps = built ? [] : opts.allowPartialHistory ? [day].filter((d) => !available.has(d)) : missingHistory(day, opts.delay, available, spec);
    if (gaps.length > 0) blocked.push(day);
    for (const d of gaps) missing.add(d);
  }
  if (missing.size > 0) throw missingHistoryError(blocked, [...missing].sort(), lake, opts.allowPartialHistory);
  const results: BuildMartsResult[] = [];
  try {
    for (const day of days) {
      if (opts.signal?.aborted) {
        const sig = String(opts.signal.reason);
        throw new FraudctlError(`interrupted (${sig}) after ${results.length} of ${days.length} days; the days built are complete`, sig === 'SIGTERM' ? ExitCode.Sigterm : ExitCode.Sigint);
      }
      const r = await buildMartsForDay(db, lake, day, { ...opts, spec, available });
      results.push(r);
      opts.progress?.tick(r.builder ? `${day} ${r.builder}` : `${day} skipped`);
    }
  } finally {
    opts.progress?.done();
  }
  return results;
}
