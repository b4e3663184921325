import { InvalidArgumentError, type Command } from 'commander';
import { dayRange, daysBetween } from '../util/dates.js';
import { dayArg, examples } from './args.js';
import { action } from './action.js';
import { ENGINE_OPTIONS, engineProblem } from './engineOptions.js';
import { addOptions, option, setting, toggle, type OptionValues } from './optionTable.js';
import { withPipeline } from './pipeline.js';
import { FEATURES_FLAG, FEATURES_HELP } from '../features/featuresOption.js';
import type { CommandDef, RunCommand } from './types.js';

const MAX_RANGE_DAYS = 3660;

const BUILD_HELP = `
The marts are those of a feature spec (--features; README "Feature specs"). The default, handbook:
Windows (calendar days of the partition date, not sliding timestamps):
  customer mart of D   days D-n+1 … D                     cust_nb_tx_{n}d, cust_avg_amount_{n}d
  terminal mart of D   days D-delay-n+1 … D-delay         term_nb_tx_{n}d, term_risk_{n}d
  for n = 1, 7, 30. Means and risks are 0 when the count is 0. Only the terminal mart reads
  tx_fraud, and only through the delay. A mart holds one row per entity with at least one
  transaction in its 30-day window; an entity absent from it has no history (all zeros).

History: the marts of D read transactions D-29 … D and D-delay-29 … D-delay. When any of those
partitions is missing the build fails (exit 3) naming them. The first 30 + delay days of any lake
are partial by nature: build them with --allow-partial-history, which computes over the days that
exist and reports the missing ones in the log and the --json summary. The transactions of D itself
are always required.

A day whose marts exist is skipped unless --overwrite, but only when they were built with the
same spec and delay: a mart built otherwise is refused (exit 3, naming both). Each partition is
written atomically; a failed build leaves the previous partitions intact. Other specs' marts
live under features/<spec>/.
`;

const BUILDER_HELP = `
Builders: by default each mart's window state (per entity, the exact counts, cent sums, frauds
and active/fraud days of every window, and the day's own partial) is kept beside the marts, in
features/…/<entity>/_state, and the marts of D are the state of D-1 plus the day entering each
window minus the day leaving it: in steady state only D's transactions are read (the days
leaving come from their own states) instead of 37 days for handbook. Same bytes as the full
builder. The full builder runs instead, and writes a fresh state, when the state of D-1 is
missing, was built with another spec, delay or format or on partial history, or when a
transactions partition it covers was rewritten since; and always for marts with min, max,
quantile or distinct_count columns (the seed and union presets), with --engine spark, and with
--full (FRAUDCTL_FULL_MARTS, config fullMarts). The summary and --json say per day which builder
ran and why ("builder", "reason"). A state is written after its marts, atomically; a day built
with --full writes none. lake sync does not copy states (a cache).
Retention: after a day's states are written, each mart's states older than the oldest one a
later day can read (the day itself and the days leaving the next day's windows: for handbook,
the customer states of D-29 … D and the terminal states of D-36 … D) are removed; --json lists
them per day ("prunedStates"). Building an older day again later runs the full builder once.
States of an S3 lake are kept.
`;

const ENGINE_HELP = `
Engines: the same mart SQL, generated in the engine's dialect. --engine spark sends it to a Spark
Connect server (Spark >= 3.5): Spark reads the lake's partitions and writes the rows under a
temporary prefix; fraudctl then writes the partition file from them (same sort, schema and
metadata as DuckDB's) and publishes it atomically. The Spark nodes must see the lake at the same
paths (a local cluster, or a shared mount). Spark unreachable: exit 4.
`;

/** `--full`: the full builder instead of the window state (marts build, daily). */
export const FULL_OPTION = {
  full: setting('fullMarts', { help: 'build the marts with the full builder, reading every history day, instead of carrying the window state of the day before forward', negation: 'carry the window state forward when it can be (the default; overrides FRAUDCTL_FULL_MARTS)' }),
};

/** `fraudctl marts build`: a day or a range, the spec and delay, and the engine. */
export const MARTS_BUILD_OPTIONS = {
  date: option('--date <day>', 'the mart day D (YYYY-MM-DD)', dayArg),
  from: option('--from <day>', 'first day of a range (with --to)', dayArg),
  to: option('--to <day>', 'last day of a range, inclusive (with --from)', dayArg),
  delay: setting('delay'),
  features: option(FEATURES_FLAG, FEATURES_HELP, String),
  overwrite: toggle('--overwrite', 'rebuild days whose marts already exist (also those built with another spec or delay, which are otherwise refused)'),
  allowPartialHistory: toggle('--allow-partial-history', 'compute over the transaction days that exist when the windows reach past them'),
  ...ENGINE_OPTIONS,
  ...FULL_OPTION,
};
type MartsBuildOptions = OptionValues<typeof MARTS_BUILD_OPTIONS>;

/** The days of --date D, or of --from D1 --to D2; a problem in words when the flags do not name them. */
function daysProblem(o: MartsBuildOptions): string | undefined {
  if (o.date !== undefined && (o.from !== undefined || o.to !== undefined)) return 'give either --date D or --from D1 --to D2, not both';
  if (o.date !== undefined) return undefined;
  if (o.from === undefined || o.to === undefined) return 'give --date D, or --from D1 and --to D2 for a range';
  if (o.to < o.from) return `--to (${o.to}) must not be before --from (${o.from})`;
  if (daysBetween(o.from, o.to) >= MAX_RANGE_DAYS) return `--from … --to may span at most ${MAX_RANGE_DAYS} days`;
  return undefined;
}

/** The range's builder: incremental when every day built was; the reason of a single day, else the count of each. */
function builderOf(results: { builder: 'incremental' | 'full' | null; reason: string }[]): { builder: 'incremental' | 'full' | null; reason: string } {
  const built = results.filter((r) => r.builder !== null);
  if (built.length === 0) return { builder: null, reason: 'every day was built before (skipped)' };
  if (built.length === 1) return { builder: built[0].builder, reason: built[0].reason };
  const inc = built.filter((r) => r.builder === 'incremental').length;
  return { builder: inc === built.length ? 'incremental' : 'full', reason: `${inc} of ${built.length} days built incrementally, ${built.length - inc} in full (each day's reason under days[])` };
}

function addBuild(marts: Command, run: RunCommand): void {
  addOptions(marts.command('build').description('build the customer and terminal marts of a day or a range of days'), MARTS_BUILD_OPTIONS)
    .addHelpText(
      'after',
      BUILD_HELP +
        BUILDER_HELP +
        ENGINE_HELP +
        examples(
          'fraudctl marts build --date 2025-03-19',
          'fraudctl marts build --from 2025-03-01 --to 2025-03-19 --json',
          'fraudctl marts build --date 2025-01-05 --allow-partial-history',
          'fraudctl marts build --date 2025-03-19 --json | jq \'.days[0] | {builder, reason}\'',
          'fraudctl marts build --date 2025-03-19 --overwrite --full',
          'fraudctl marts build --date 2025-03-19 --features seed',
          'fraudctl marts build --date 2025-03-19 --features ./my-features.json',
          'fraudctl marts build --date 2025-03-19 --engine spark --spark-remote sc://127.0.0.1:15002',
        ),
    )
    .action(
      action(
        run,
        MARTS_BUILD_OPTIONS,
        async (o, ctx) => {
          const days = o.date !== undefined ? [o.date] : dayRange(o.from!, o.to!);
          const { loadFeatureSpec } = await import('../features/loadFeatureSpec.js');
          const spec = await loadFeatureSpec(o.features);
          return withPipeline(ctx, {}, async ({ db, lake }) => {
            await lake.ensureWritable();
            const { buildMartsForDays } = await import('../features/marts.js');
            const { openMartEngine } = await import('../spark/openMartEngine.js');
            const engine = await openMartEngine(o, db, lake, ctx.log, ctx.signal);
            const results = await buildMartsForDays(db, lake, days, {
              engine,
              spec,
              specRef: o.features ?? spec.name,
              delay: o.delay,
              allowPartialHistory: o.allowPartialHistory,
              overwrite: o.overwrite,
              full: o.full,
              log: ctx.log,
              progress: days.length > 1 ? ctx.progress(days.length, 'marts') : undefined,
              signal: ctx.signal,
            }).finally(() => engine.close?.());
            const show = (v: number | null) => (v === null ? 'kept' : v);
            ctx.out.table(
              ['day', 'customers', 'terminals', 'missing history days', 'seconds', 'status', 'builder'],
              results.map((r) => [r.day, show(r.customers), show(r.terminals), r.missingHistory.length, Number(r.seconds.toFixed(2)), r.skipped ? 'skipped (exists)' : 'built', r.builder ?? '']),
            );
            // Why each day took its builder (one line per day built in full: the reason to act on, e.g. a rewritten partition).
            for (const r of results) if (r.builder === 'full') ctx.out.line(`${r.day}: full builder — ${r.reason}`);
            const missing = [...new Set(results.flatMap((r) => r.missingHistory))].sort();
            return {
              lake: lake.uri,
              engine: engine.name,
              ...builderOf(results),
              features: { spec: spec.name, hash: spec.hash },
              delay: o.delay,
              built: results.filter((r) => !r.skipped).map((r) => r.day),
              skipped: results.filter((r) => r.skipped).map((r) => r.day),
              missingHistory: missing,
              days: results,
            };
          });
        },
        (o) => [daysProblem(o), engineProblem(o)],
      ),
    );
}

function idArg(v: string): bigint {
  const id = /^-?\d{1,19}$/.test(v.trim()) ? BigInt(v.trim()) : undefined;
  if (id === undefined || BigInt.asIntN(64, id) !== id) throw new InvalidArgumentError('must be an integer id (BIGINT).');
  return id;
}

/** `fraudctl marts show`: one entity of one day's mart. */
export const MARTS_SHOW_OPTIONS = {
  date: { ...MARTS_BUILD_OPTIONS.date, required: true as const },
  customer: option('--customer <id>', 'a customer_id', idArg),
  terminal: option('--terminal <id>', 'a terminal_id', idArg),
  features: option(FEATURES_FLAG, FEATURES_HELP, String),
};

function addShow(marts: Command, run: RunCommand): void {
  addOptions(marts.command('show').description("print one customer's or terminal's mart features of a day, with the window each value covers"), MARTS_SHOW_OPTIONS)
    .addHelpText('after', examples('fraudctl marts show --date 2025-03-19 --customer 42', 'fraudctl marts show --date 2025-03-19 --terminal 7 --json'))
    .action(
      action(
        run,
        MARTS_SHOW_OPTIONS,
        async (o, ctx) => {
          const mart = o.customer !== undefined ? 'customer' : 'terminal';
          const id = (o.customer ?? o.terminal)!;
          const { loadFeatureSpec } = await import('../features/loadFeatureSpec.js');
          const spec = await loadFeatureSpec(o.features);
          return withPipeline(ctx, {}, async ({ db, lake }) => {
            const { showMartEntity } = await import('../features/martShow.js');
            const v = await showMartEntity(db, lake, o.date, mart, id, spec);
            ctx.out.line(`${mart} ${v.id}, ${mart} mart of ${v.day} (spec ${v.spec}${v.delay !== null ? `, label delay ${v.delay} days` : ''}): ${v.uri}`);
            if (!v.found) ctx.out.line(`not in the mart: no transaction in any of its windows, so every feature is 0 (no history)`);
            if (v.missingHistory.length > 0) ctx.out.line(`built on partial history: ${v.missingHistory.length} transaction day(s) were missing`);
            ctx.out.table(['feature', 'value', 'from', 'to'], v.features.map((f) => [f.name, f.value, f.from, f.to]));
            return { ...v };
          });
        },
        (o) => [(o.customer === undefined) === (o.terminal === undefined) ? 'give exactly one of --customer ID or --terminal ID' : undefined],
      ),
    );
}

export const martsCommand: CommandDef = (program, run) => {
  // Subcommands made with .command() inherit the program's exitOverride and output settings.
  const marts = program.command('marts').description('feature marts: build the customer and terminal marts of a day, show one entity');
  addBuild(marts, run);
  addShow(marts, run);
};
