import type { Command } from 'commander';
import { DATASETS } from '../lake/lake.js';
import { choiceArg, dayArg, examples } from './args.js';
import { action } from './action.js';
import { addOptions, option, toggle } from './optionTable.js';
import type { RunCommand } from './types.js';
import { LAKE_KEYS, pickSettings } from '../config.js';

const SYNC_HELP = `
Copies daily partitions between two lakes: a local directory and s3://bucket/prefix, either way.
A partition whose size and MD5 are the same on both sides is skipped (S3 compares the ETag, or
the MD5 fraudctl stores with each upload); one that differs is replaced; --overwrite copies even
identical ones. Each partition is one atomic write: an interrupted sync leaves every destination
partition whole. The marts' window states (features/…/_state) are a cache and are not copied:
the first marts build on the destination runs the full builder and writes them. S3 settings: --s3-endpoint, --s3-region, --s3-path-style and the AWS_* variables.
`;

/** `--dataset NAME`: lake ls and lake sync both narrow to one dataset. */
export const DATASET_OPTION = option('--dataset <name>', 'only this dataset', choiceArg(DATASETS), { choices: DATASETS });

/** `fraudctl lake sync`: two lakes and which partitions. */
export const LAKE_SYNC_OPTIONS = {
  from: option('--from <lake>', 'source lake: directory or s3://bucket/prefix', String, { required: true as const }),
  to: option('--to <lake>', 'destination lake: directory or s3://bucket/prefix', String, { required: true as const }),
  dataset: DATASET_OPTION,
  fromDate: option('--from-date <day>', 'first day to copy (YYYY-MM-DD)', dayArg),
  toDate: option('--to-date <day>', 'last day to copy, inclusive', dayArg),
  overwrite: toggle('--overwrite', 'copy partitions whose content is already identical'),
};

/** `fraudctl lake sync`, added to the `lake` command group. */
export function addLakeSync(lake: Command, run: RunCommand): void {
  addOptions(lake.command('sync').description('copy partitions between a local lake and an S3 lake, skipping identical ones'), LAKE_SYNC_OPTIONS)
    .addHelpText(
      'after',
      SYNC_HELP +
        examples(
          'fraudctl lake sync --from ./lake --to s3://fraud-lake/prod --s3-endpoint https://storage.yandexcloud.net --s3-region ru-central1',
          'fraudctl lake sync --from s3://fraud-lake/prod --to ./lake --dataset scores --from-date 2025-03-01 --to-date 2025-03-31',
        ),
    )
    .action(
      action(
        run,
        LAKE_SYNC_OPTIONS,
        async (o, ctx) => {
          const { openLake } = await import('../lake/openLake.js');
          const { syncLakes } = await import('../lake/s3/lakeSync.js');
          const settings = pickSettings(ctx.config, LAKE_KEYS);
          const from = await openLake({ ...settings, lake: o.from }, ctx.log, ctx.runEnv.cwd);
          const to = await openLake({ ...settings, lake: o.to }, ctx.log, ctx.runEnv.cwd);
          const summary = await syncLakes(from, to, {
            datasets: o.dataset ? [o.dataset] : DATASETS,
            fromDate: o.fromDate,
            toDate: o.toDate,
            overwrite: o.overwrite,
            log: ctx.log,
            signal: ctx.signal,
          });
          const rows = DATASETS.map((ds) => {
            const ps = summary.partitions.filter((p) => p.dataset === ds);
            const copied = ps.filter((p) => p.action === 'copied');
            return [ds, copied.length, ps.length - copied.length, copied.reduce((s, p) => s + p.bytes, 0)] as (string | number)[];
          }).filter((r) => (r[1] as number) + (r[2] as number) > 0);
          ctx.out.line(`${summary.from} → ${summary.to}`);
          if (rows.length === 0) ctx.out.line('no partitions to copy');
          else ctx.out.table(['dataset', 'copied', 'identical (skipped)', 'bytes'], rows);
          return { ...summary };
        },
        (o) => [o.fromDate && o.toDate && o.toDate < o.fromDate ? `--to-date (${o.toDate}) must not be before --from-date (${o.fromDate})` : undefined],
      ),
    );
}
