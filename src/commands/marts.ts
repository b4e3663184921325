import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Ctx } from '../context.js';
import { usageError } from '../errors.js';
import { dayRange, daysBetween, type Day } from '../util/dates.js';
import { dayArg, examples, intArg } from './args.js';
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

function resolveDays(o: Record<string, unknown>): Day[] {
  const date = o.date as Day | undefined;
  const from = o.from as Day | undefined;
  const to = o.to as Day | undefined;
  if (date !== undefined && (from !== undefined || to !== undefined)) throw usageError('give either --date D or --from D1 --to D2, not both');
  if (date !== undefined) return [date];
  if (from === undefined || to === undefined) throw usageError('give --date D, or --from D1 and --to D2 for a range');
  if (to < from) throw usageError(`--to (${to}) must not be before --from (${from})`);
  if (daysBetween(from, to) >= MAX_RANGE_DAYS) throw usageError(`--from … --to may span at most ${MAX_RANGE_DAYS} days`);
  return dayRange(from, to);
}

function addBuild(marts: Command, run: RunCommand): void {
  marts
    .command('build')
    .description('build the customer and terminal marts of a day or a range of days')
    .option('--date <day>', 'the mart day D (YYYY-MM-DD)', dayArg)
    .option('--from <day>', 'first day of a range (with --to)', dayArg)
    .option('--to <day>', 'last day of a range, inclusive (with --from)', dayArg)
    .addOption(new Option('--delay <days>', 'label delay of the terminal mart in days (env FRAUDCTL_DELAY, default 7)').argParser(intArg(0, 365)))
    .option(FEATURES_FLAG, FEATURES_HELP)
    .option('--overwrite', 'rebuild days whose marts already exist (also those built with another spec or delay, which are otherwise refused)')
    .option('--allow-partial-history', 'compute over the transaction days that exist when the windows reach past them')
    .addHelpText('after', BUILD_HELP + examples('fraudctl marts build --date 2025-03-19', 'fraudctl marts build --from 2025-03-01 --to 2025-03-19 --json', 'fraudctl marts build --date 2025-01-05 --allow-partial-history', 'fraudctl marts build --date 2025-03-19 --features seed', 'fraudctl marts build --date 2025-03-19 --features ./my-features.json'))
    .action(async (_o, cmd: Command) =>
      run(cmd.optsWithGlobals(), async (ctx) => {
        const o = cmd.optsWithGlobals();
        const days = resolveDays(o);
        const { loadFeatureSpec } = await import('../features/loadFeatureSpec.js');
        const spec = await loadFeatureSpec(o.features as string | undefined);
        return withPipeline(ctx, {}, async ({ db, lake }) => {
          await lake.ensureWritable();
          const { buildMartsForDays } = await import('../features/marts.js');
          const results = await buildMartsForDays(db, lake, days, {
            spec,
            specRef: (o.features as string | undefined) ?? spec.name,
            delay: ctx.config.delay,
            allowPartialHistory: o.allowPartialHistory === true,
            overwrite: o.overwrite === true,
            log: ctx.log,
            progress: days.length > 1 ? ctx.progress(days.length, 'marts') : undefined,
            signal: ctx.signal,
          });
          const show = (v: number | null) => (v === null ? 'kept' : v);
          ctx.out.table(
            ['day', 'customers', 'terminals', 'missing history days', 'seconds', 'status'],
            results.map((r) => [r.day, show(r.customers), show(r.terminals), r.missingHistory.length, Number(r.seconds.toFixed(2)), r.skipped ? 'skipped (exists)' : 'built']),
          );
          const missing = [...new Set(results.flatMap((r) => r.missingHistory))].sort();
          return {
            lake: lake.uri,
            features: { spec: spec.name, hash: spec.hash },
            delay: ctx.config.delay,
            built: results.filter((r) => !r.skipped).map((r) => r.day),
            skipped: results.filter((r) => r.skipped).map((r) => r.day),
            missingHistory: missing,
            days: results,
          };
        });
      }),
    );
}

function idArg(v: string): bigint {
  const id = /^-?\d{1,19}$/.test(v.trim()) ? BigInt(v.trim()) : undefined;
  if (id === undefined || BigInt.asIntN(64, id) !== id) throw new InvalidArgumentError('must be an integer id (BIGINT).');
  return id;
}

function addShow(marts: Command, run: RunCommand): void {
  marts
    .command('show')
    .description("print one customer's or terminal's mart features of a day, with the window each value covers")
    .requiredOption('--date <day>', 'the mart day D (YYYY-MM-DD)', dayArg)
    .option('--customer <id>', 'a customer_id', idArg)
    .option('--terminal <id>', 'a terminal_id', idArg)
    .option(FEATURES_FLAG, FEATURES_HELP)
    .addHelpText('after', examples('fraudctl marts show --date 2025-03-19 --customer 42', 'fraudctl marts show --date 2025-03-19 --terminal 7 --json'))
    .action(async (_o, cmd: Command) =>
      run(cmd.optsWithGlobals(), async (ctx) => {
        const o = cmd.optsWithGlobals();
        if ((o.customer === undefined) === (o.terminal === undefined)) throw usageError('give exactly one of --customer ID or --terminal ID');
        const mart = o.customer !== undefined ? 'customer' : 'terminal';
        const id = (o.customer ?? o.terminal) as bigint;
        const { loadFeatureSpec } = await import('../features/loadFeatureSpec.js');
        const spec = await loadFeatureSpec(o.features as string | undefined);
        return withPipeline(ctx, {}, async ({ db, lake }) => {
          const { showMartEntity } = await import('../features/martShow.js');
          const v = await showMartEntity(db, lake, o.date as Day, mart, id, spec);
          ctx.out.line(`${mart} ${v.id}, ${mart} mart of ${v.day} (spec ${v.spec}${v.delay !== null ? `, label delay ${v.delay} days` : ''}): ${v.uri}`);
          if (!v.found) ctx.out.line(`not in the mart: no transaction in any of its windows, so every feature is 0 (no history)`);
          if (v.missingHistory.length > 0) ctx.out.line(`built on partial history: ${v.missingHistory.length} transaction day(s) were missing`);
          ctx.out.table(['feature', 'value', 'from', 'to'], v.features.map((f) => [f.name, f.value, f.from, f.to]));
          return { ...v };
        });
      }),
    );
}

export const martsCommand: CommandDef = (program, run) => {
  // Subcommands made with .command() inherit the program's exitOverride and output settings.
  const marts = program.command('marts').description('feature marts: build the customer and terminal marts of a day, show one entity');
  addBuild(marts, run);
  addShow(marts, run);
};
